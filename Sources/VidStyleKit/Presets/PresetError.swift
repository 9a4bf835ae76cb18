/// A problem with a pipeline preset, told in one line the way compilers do,
/// `FILE:LINE:COLUMN: what is wrong; what to do`, so editors and terminals can jump to it.
///
/// Errors found while reading know only the place in the YAML; `PipelinePreset.load(path:)`
/// fills in the file as the user named it.
public struct PresetError: Error, CustomStringConvertible, Equatable {
    /// The preset file, as the user named it.
    public var file: String?
    /// 1-based line of the problem, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// What is wrong and what to do, without the location prefix.
    public var message: String

    public init(_ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        var location = file ?? "preset"
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return "\(location): \(message)"
    }
}
