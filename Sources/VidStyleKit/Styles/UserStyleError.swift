/// Why a user style cannot be made, read or used. Each case prints as one line that names the
/// style or file, the problem, and what to do.
public enum UserStyleError: Error, Equatable, CustomStringConvertible {
    /// The file is not a readable user style (damaged, or not one at all).
    case unreadable(path: String, reason: String)
    /// The style was learned for another model (its convolutions differ from this one's).
    case madeForAnotherModel(name: String, architecture: String)
    /// A NAME that cannot be a style's name.
    case badName(name: String, reason: String)
    /// `styles add` for a name that is taken, without `--overwrite`.
    case exists(name: String)
    /// `styles remove` or `relearn` of a style that is not there.
    case notFound(name: String, folder: String)
    /// The painting cannot be learned from.
    case badPainting(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path) is not a usable user style: \(reason); remove it with `vidstyle styles remove NAME` and add it again"
        case let .madeForAnotherModel(name, architecture):
            return "style \"\(name)\" was learned for another model (\(architecture)) than this one; "
                + "run `vidstyle styles relearn \(name)` to learn it again from its kept painting"
        case let .badName(name, reason):
            return "style name \"\(name)\" \(reason); pick a short name of letters, digits, - or _"
        case let .exists(name):
            return "a style named \"\(name)\" already exists; give another --name, or --overwrite to learn it again"
        case let .notFound(name, folder):
            return "no user style named \"\(name)\" in \(folder); `vidstyle styles` lists them"
        case let .badPainting(path, reason):
            return "cannot learn a style from \(path): \(reason)"
        }
    }
}
