import Foundation

/// Every style a run can paint in: the model's own, then the user's (`vidstyle styles add`), with
/// names resolved to indices, so `--style`, `--mix`, presets and live keys all see one list.
///
/// User styles are checked against the model when the catalog is made; one learned for another
/// network, or a damaged file, is left out of the list and kept with its reason, so it is refused
/// (with the command that fixes it) only when somebody asks for it, and never shifts or breaks
/// the other styles.
public struct StyleCatalog: Sendable {
    /// The model as loaded from its file.
    public let shipped: StyleModel
    /// The model with the usable user styles appended: what the stylizer runs.
    public let model: StyleModel
    /// The usable user styles, in index order after the shipped ones.
    public let userStyles: [UserStyle]
    /// User styles that cannot be used with this model, by name, with the reason.
    public let refused: [(name: String, error: UserStyleError)]
    /// Styles whose learning was started and not finished.
    public let unfinished: [String]

    public init(shipped: StyleModel, folder: UserStyleFolder = UserStyleFolder()) {
        var usable: [UserStyle] = []
        var refused: [(String, UserStyleError)] = []
        for url in folder.finishedFiles() {
            let fallbackName = url.deletingPathExtension().lastPathComponent
            do throws(UserStyleError) {
                let style = try UserStyle.read(contentsOf: url)
                try style.check(against: shipped)
                if shipped.styleIndex(named: style.name) != nil || usable.contains(where: { $0.name == style.name }) {
                    throw UserStyleError.badName(name: style.name, reason: "is already taken by another style")
                }
                usable.append(style)
            } catch {
                refused.append((fallbackName, error))
            }
        }
        self.shipped = shipped
        self.userStyles = usable
        self.refused = refused
        self.unfinished = folder.unfinishedNames().filter { name in !usable.contains { $0.name == name } }
        self.model = shipped.appending(usable)
    }

    /// Whether index `index` of `model.styles` is a user style.
    public func isUserStyle(_ index: Int) -> Bool { index >= shipped.styles.count }

    /// The index of a style written as its index or its name.
    public func index(of key: String) throws(OptionError) -> Int {
        if let index = Int(key) {
            guard index >= 0 && index < model.styles.count else {
                throw OptionError("style \(index) is out of range: the styles are 0-\(model.styles.count - 1); run `vidstyle styles` to list them")
            }
            return index
        }
        if let index = model.styleIndex(named: key) { return index }
        if let refusal = refused.first(where: { $0.name.caseInsensitiveCompare(key) == .orderedSame }) {
            throw OptionError(refusal.error.description)
        }
        if unfinished.contains(key) {
            throw OptionError("style \"\(key)\" is still being learned; run `vidstyle styles add PAINTING --name \(key)` again to finish it")
        }
        throw OptionError("there is no style named \"\(key)\"; run `vidstyle styles` to list them")
    }
}
