/// Which of N parts a machine renders, as `--part K/N` gives it (1-based, as schedulers count
/// array tasks; Kubernetes' 0-based index is turned into this by the emitted manifest).
public struct PartNumber: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws(OptionError) {
        guard count >= 1 else { throw OptionError("--part \(index)/\(count): N must be at least 1") }
        guard (1...count).contains(index) else {
            throw OptionError("--part \(index)/\(count): K must be from 1 to \(count)")
        }
        self.index = index
        self.count = count
    }

    /// Reads `K/N`.
    public init(parsing text: String) throws(OptionError) {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, let k = Int(pieces[0]), let n = Int(pieces[1]) else {
            throw OptionError("--part \(text): write K/N, e.g. 2/8 for the second of eight parts")
        }
        try self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }
}
