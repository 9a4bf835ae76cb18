/// What a part file says about itself, in its container's `comment` tag (mp4, mov, mkv and
/// webm all keep it): which part of how many, which frames, of which input, made with which
/// settings, and what the join should do with the audio. The joiner refuses parts whose labels
/// do not fit together, instead of making a video that only looks right.
public struct PartLabel: Sendable, Equatable {
    public static let tag = "comment"
    static let prefix = "vidstyle-part"

    public var part: PartNumber
    /// Frame indices written: `first..<end` of `total`.
    public var first: Int
    public var end: Int
    public var total: Int
    /// `FrameIndex.digest` of the input.
    public var input: String
    /// `Fingerprint` of everything that changes the pictures (style, strength, model, encoder...).
    public var settings: String
    /// `copy`, `re-encode` or `none`: how the join treats the input's audio.
    public var audio: String

    public init(part: PartNumber, first: Int, end: Int, total: Int, input: String, settings: String, audio: String) {
        self.part = part
        self.first = first
        self.end = end
        self.total = total
        self.input = input
        self.settings = settings
        self.audio = audio
    }

    public var text: String {
        "\(Self.prefix) \(part) frames \(first)-\(end) of \(total) input \(input) settings \(settings) audio \(audio)"
    }

    /// Reads `text`; nil when it is not a part label (not a part file, or damaged).
    public init?(text: String) {
        let words = text.split(separator: " ").map(String.init)
        guard words.count == 12, words[0] == Self.prefix, words[2] == "frames", words[4] == "of", words[6] == "input",
              words[8] == "settings", words[10] == "audio",
              let part = try? PartNumber(parsing: words[1]), let total = Int(words[5]) else { return nil }
        let range = words[3].split(separator: "-")
        guard range.count == 2, let first = Int(range[0]), let end = Int(range[1]), first < end, end <= total else { return nil }
        self.init(part: part, first: first, end: end, total: total, input: words[7], settings: words[9], audio: words[11])
    }
}
