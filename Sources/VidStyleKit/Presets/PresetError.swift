/// A problem with a pipeline preset file, told to the user in one line that names the file, the
/// line (and column, for YAML syntax errors) and what to do about it.
///
/// Errors found while decoding know only the key they are about; `PipelinePreset.load(path:)`
/// fills in the file and looks the key up in the parsed YAML to find its line, so a user can go
/// straight to the typo.
public struct PresetError: Error, CustomStringConvertible, Equatable {
    /// The preset file, as the user named it.
    public var file: String?
    /// 1-based line of the problem, when known.
    public var line: Int?
    /// 1-based column, given only for YAML syntax errors, where it matters.
    public var column: Int?
    /// The top-level key the problem is about, used to find `line`.
    public var key: String?
    /// What is wrong and what to do, without the location prefix.
    public var message: String

    public init(_ message: String, key: String? = nil, file: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.message = message
        self.key = key
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        var location = "preset"
        if let file { location += " \(file)" }
        if let line {
            location += " line \(line)"
            if let column { location += ", column \(column)" }
        }
        return "\(location): \(message)"
    }
}
