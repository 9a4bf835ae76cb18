/// The commands every job file runs, written once so GNU parallel, Slurm and Kubernetes run
/// exactly the same part and join commands: the part's index is the only thing a scheduler
/// fills in, as a shell expression it provides (`{}`, `"$SLURM_ARRAY_TASK_ID"`, `"$K"`).
public struct ScaleOutCommands: Sendable, Equatable {
    /// How the machines call vidstyle (`vidstyle` on PATH, or an absolute path).
    public var executable: String
    public var input: String
    public var output: String
    public var parts: Int
    /// Options for the part runs, exactly as typed (the same for every part).
    public var options: [String]

    public init(executable: String = "vidstyle", input: String, output: String, parts: Int, options: [String]) {
        self.executable = executable
        self.input = input
        self.output = output
        self.parts = parts
        self.options = options
    }

    /// Part files lie beside OUT, on the storage every machine shares: `OUT.partK-of-N.EXT`.
    public func partPath(_ k: Int) -> String { partPathPieces.head + "\(k)" + partPathPieces.tail }

    private var partPathPieces: (head: String, tail: String) {
        let slash = output.lastIndex(of: "/").map { output.index(after: $0) } ?? output.startIndex
        let name = output[slash...]
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            return (String(output[..<dot]) + ".part", "-of-\(parts)" + String(output[dot...]))
        }
        return (output + ".part", "-of-\(parts).mp4")
    }

    /// The part command with `index` (shell text, already quoted as needed) for K.
    public func partCommand(index: String) -> String {
        let pieces = partPathPieces
        return ([executable, input].map(Self.quote) + [Self.quote(pieces.head) + index + Self.quote(pieces.tail),
                "--part", index + "/\(parts)"] + options.map(Self.quote)).joined(separator: " ")
    }

    /// The part command for a known K.
    public func partCommand(_ k: Int) -> String { partCommand(index: "\(k)") }

    public var joinCommand: String {
        ([executable, "join", input, output] + (1...parts).map(partPath)).map(Self.quote).joined(separator: " ")
    }

    /// POSIX shell quoting: plain words stay as they are, anything else goes in single quotes.
    public static func quote(_ word: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=,@%+")
        if !word.isEmpty && word.allSatisfy({ plain.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
