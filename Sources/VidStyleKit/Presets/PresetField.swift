import Foundation

/// One setting of the preset format: where it sits (`stylize.strength`), what it holds, its
/// command-line option and its default.
///
/// The whole format is this one table (`PresetField.all`), in the spirit of FFmpeg's typed
/// option tables: reading a file, checking a command-line option, merging the two, printing the
/// effective settings and writing the JSON Schema all read it, so a field cannot be checked one way
/// in a file and another on the command line.
public struct PresetField: Sendable, Equatable, CustomStringConvertible {
    /// What a field holds, with its allowed range.
    public enum Kind: Sendable, Equatable {
        case boolean
        /// A whole number in the range.
        case integer(ClosedRange<Int>)
        /// A number from `minimum` (excluded when `exclusiveMinimum`) to `maximum`.
        case number(minimum: Double, maximum: Double, exclusiveMinimum: Bool)
        /// One of these words.
        case choice([String])
        /// Text that must not be empty.
        case text
        /// WIDTHxHEIGHT, each 1-16384.
        case size
        /// A style blend, STYLE:WEIGHT pairs as `--mix` takes them (a style is an index or a name).
        case mix
        /// One style: its index, or its name (resolved against the model and the user's styles
        /// when the job starts, `PipelineSettings.resolvingStyleNames`).
        case style
        /// A camera pixel format name (`FourCC(userName:)`).
        case pixelFormatName
    }

    /// The section (`stylize`), one per stage of the pipeline.
    public let section: String
    /// The key inside the section (`strength`).
    public let key: String
    public let kind: Kind
    /// The command-line option of the same meaning (`--strength`).
    public let option: String
    /// One line for people: shown in the JSON Schema and `docs/presets.md`.
    public let summary: String
    /// The built-in default as a value, where there is one fixed default.
    public let defaultValue: PresetValue?
    /// The default in words, where it depends on other settings or has no value.
    public let defaultText: String
    /// A value to show in examples and error messages.
    public let example: String

    /// `section.key`, how errors and the documentation name the field.
    public var path: String { "\(section).\(key)" }
    public var description: String { path }

    /// The sections, in the order of the pipeline.
    public static let sections = ["input", "stylize", "temporal", "encode", "audio", "queues"]

    /// Keys allowed at the top of a preset besides the sections.
    public static let topLevelKeys = ["name", "description"]

    /// Encoder speed presets of libx264 and libx265 (the same names in both).
    public static let x264PresetNames = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                                         "slower", "veryslow", "placebo"]

    /// Every field, section by section.
    public static let all: [PresetField] = [
        PresetField("input", "live", .boolean, "--live",
                    "Read the input in real time, as from a camera; the newest frame wins when the stylizer falls behind.",
                    default: .boolean(false), "false (cameras are always live)", example: "true"),
        PresetField("input", "scale", .number(minimum: 0, maximum: 4, exclusiveMinimum: true), "--scale",
                    "Files: resize the picture by this factor before it is painted (0.5 is half width and height, about 4x faster); sides rounded to even.",
                    default: .number(1), "1 (the input's size)", example: "0.5"),
        PresetField("input", "size", .size, "--size", "Live: the capture size, WIDTHxHEIGHT.",
                    default: nil, "640x480, or the nearest the camera offers", example: "640x480"),
        PresetField("input", "fps", .number(minimum: 0, maximum: 1000, exclusiveMinimum: true), "--fps",
                    "Live: the capture frame rate.", default: nil, "the highest up to 30 the camera offers", example: "30"),
        PresetField("input", "input_format", .pixelFormatName, "--input-format",
                    "Live: the camera's pixel format, such as mjpeg or yuyv (see `vidstyle devices`).",
                    default: nil, "the best the camera offers", example: "mjpeg"),
        PresetField("input", "duration", .number(minimum: 0, maximum: 1e9, exclusiveMinimum: true), "--duration",
                    "Live: seconds of capture to record, then finish the file.", default: nil, "until Ctrl-C", example: "10"),

        PresetField("stylize", "model", .text, "--model",
                    "Model file (.safetensors); a relative path is taken from the preset file's folder.",
                    default: nil, "the shipped model", example: "models/my-styles.safetensors"),
        PresetField("stylize", "style", .style, "--style",
                    "One style, by index or name (see `vidstyle styles`; your own styles too); not together with mix.",
                    default: .integer(0), "0", example: "3"),
        PresetField("stylize", "mix", .mix, "--mix",
                    "A blend of styles, STYLE:WEIGHT pairs (a style by index or name), weights normalized; not together with style.",
                    default: nil, "none", example: "\"3:0.7,5:0.3\""),
        PresetField("stylize", "strength", .number(minimum: 0, maximum: 1, exclusiveMinimum: false), "--strength",
                    "How much of the style: 0 gives the input back, 1 the full style.",
                    default: .number(1), "1", example: "0.7"),
        PresetField("stylize", "preserve_color", .boolean, "--preserve-color",
                    "Keep the input's colours; take only the style's luminance.", default: .boolean(false), "false",
                    example: "true"),
        PresetField("stylize", "precision", .choice(PrecisionChoice.allCases.map(\.rawValue)), "--precision",
                    "Network arithmetic: int8 (needs a calibrated model; faster), fp32 (the reference), or auto (int8 where the model is calibrated and the CPU has AVX2 or more).",
                    default: .text("auto"), "auto", example: "int8"),

        PresetField("temporal", "smoothing", .number(minimum: 0, maximum: 1, exclusiveMinimum: false), "--smoothing",
                    "Temporal smoothing against flicker, 0 (off) to 1 (strongest).", default: .number(0.6), "0.6",
                    example: "0.8"),

        PresetField("encode", "container", .choice(["mp4", "mkv", "mov", "webm"]), "--container",
                    "The container for an OUT named without an extension (its extension is added) and for OUT - (standard output: mkv by default there, mov cannot stream); an extension on OUT wins.",
                    default: nil, "mp4 for a file, mkv for OUT -", example: "mkv"),
        PresetField("encode", "codec", .choice(VideoCodec.allCases.map(\.rawValue)), "--codec",
                    "Video codec; .webm always uses vp9.", default: .text("h264"), "h264", example: "h265"),
        PresetField("encode", "crf", .integer(0...63), "--crf",
                    "Constant rate factor: lower is better and bigger; 0-51 for h264/h265, 0-63 for vp9.",
                    default: nil, "20 for h264/h265, 32 for vp9", example: "18"),
        PresetField("encode", "preset", .text, "--preset",
                    "Encoder speed preset: x264/x265 ultrafast ... placebo; for vp9 a cpu-used number, -8 (slowest) to 8 (fastest).",
                    default: nil, "veryfast for h264/h265, 8 for vp9", example: "medium"),
        PresetField("encode", "pixel_format", .choice(["yuv420p", "yuv422p", "yuv444p"]), "--pixel-format",
                    "Chroma layout of the video: yuv420p plays everywhere; 422/444 keep more colour detail.",
                    default: .text("yuv420p"), "yuv420p", example: "yuv444p"),

        PresetField("audio", "mode", .choice(["copy", "re-encode", "none"]), "--audio",
                    "copy the input's audio (re-encoded only where the container cannot hold it), re-encode it always (AAC, Opus for webm), or drop it.",
                    default: .text("copy"), "copy", example: "none"),

        PresetField("queues", "capacity", .integer(1...64), "--queue-capacity",
                    "Frames that may wait between two stages; more smooths out uneven stages, at the cost of memory and (live) latency.",
                    default: nil, "2 for files, 1 for live inputs", example: "4"),
        PresetField("queues", "policy", .choice(["block", "drop-oldest"]), "--queue-policy",
                    "When the stylizer falls behind: block makes the source wait (every frame kept; a live source then queues in the camera), drop-oldest drops waiting frames (live inputs only).",
                    default: nil, "block for files, drop-oldest for live inputs", example: "drop-oldest"),
    ]

    /// The field at `path` (`stylize.strength`), if there is one.
    public static func named(_ path: String) -> PresetField? {
        all.first { $0.path == path }
    }

    /// The fields of one section.
    public static func fields(in section: String) -> [PresetField] {
        all.filter { $0.section == section }
    }

    init(_ section: String, _ key: String, _ kind: Kind, _ option: String, _ summary: String,
         default value: PresetValue?, _ defaultText: String, example: String) {
        self.section = section
        self.key = key
        self.kind = kind
        self.option = option
        self.summary = summary
        self.defaultValue = value
        self.defaultText = defaultText
        self.example = example
    }

    /// What this field allows, in words: "a number from 0 to 1".
    public var allowed: String {
        switch kind {
        case .boolean: return "true or false"
        case .integer(let range): return "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .number(let minimum, let maximum, let exclusive):
            if exclusive && maximum >= 1e9 { return "a number above \(PresetValue.format(minimum))" }
            if exclusive { return "a number above \(PresetValue.format(minimum)) up to \(PresetValue.format(maximum))" }
            return "a number from \(PresetValue.format(minimum)) to \(PresetValue.format(maximum))"
        case .choice(let words): return "one of " + words.joined(separator: ", ")
        case .text: return "text that is not empty"
        case .size: return "WIDTHxHEIGHT, e.g. 640x480"
        case .mix: return "STYLE:WEIGHT pairs such as 3:0.7,5:0.3 or starry-night:0.5,3:0.5"
        case .style: return "a style index (0 to 4096) or name (see `vidstyle styles`)"
        case .pixelFormatName: return "a camera pixel format such as mjpeg or yuyv (see `vidstyle devices`)"
        }
    }

    /// Checks a value written as text (a command-line argument, or a YAML scalar) and turns it
    /// into this field's value.
    /// - Parameter quoted: the YAML scalar was quoted, so it is text even if it looks like a number.
    /// - Returns: the value, or what is wrong with it, in words that follow the value's name
    ///   ("is out of range; ...").
    public func parse(_ text: String, quoted: Bool = false) -> Result<PresetValue, FieldProblem> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .boolean:
            if !quoted, let value = ["true": true, "false": false][trimmed] { return .success(.boolean(value)) }
            return .failure(.wrongType("is not true or false"))
        case .integer(let range):
            guard !quoted, let value = Int(trimmed) else { return .failure(.wrongType("is not a whole number")) }
            guard range.contains(value) else { return .failure(.outOfRange) }
            return .success(.integer(value))
        case .number(let minimum, let maximum, let exclusive):
            guard !quoted, let value = Double(trimmed), value.isFinite else { return .failure(.wrongType("is not a number")) }
            guard exclusive ? value > minimum : value >= minimum, value <= maximum else { return .failure(.outOfRange) }
            return .success(.number(value))
        case .choice(let words):
            let word = trimmed.lowercased()
            if words.contains(word) { return .success(.text(word)) }
            if section == "encode", key == "codec", let codec = VideoCodec(name: word) { return .success(.text(codec.rawValue)) }
            return .failure(.notAChoice(Self.nearest(to: word, in: words)))
        case .text:
            guard !trimmed.isEmpty else { return .failure(.wrongType("is empty")) }
            return .success(.text(trimmed))
        case .size:
            let parts = trimmed.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else {
                return .failure(.wrongType("is not a size"))
            }
            guard (1...16384).contains(w), (1...16384).contains(h) else { return .failure(.outOfRange) }
            return .success(.text("\(w)x\(h)"))
        case .mix:
            do {
                _ = try StyleSelection.parseMix(trimmed) { key throws(OptionError) in
                    if let index = Int(key), index >= 0 { return index }
                    guard StyleName.isPlausible(key) else { throw OptionError("bad style \(key)") }
                    return 0
                }
            } catch {
                let reason = error.description.contains("negative") ? "has a negative weight"
                    : error.description.contains("no positive") ? "has no positive weight" : "is not a list of STYLE:WEIGHT pairs"
                return .failure(.wrongType(reason))
            }
            return .success(.text(trimmed))
        case .style:
            if !quoted, let value = Int(trimmed) {
                guard (0...4096).contains(value) else { return .failure(.outOfRange) }
                return .success(.integer(value))
            }
            guard StyleName.isPlausible(trimmed) else { return .failure(.wrongType("is neither a style index nor a style name")) }
            return .success(.text(trimmed))
        case .pixelFormatName:
            guard let code = FourCC(userName: trimmed) else { return .failure(.wrongType("is not a pixel format")) }
            return .success(.text(code.userName))
        }
    }

    /// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
    public static func nearest(to word: String, in candidates: [String]) -> String? {
        let best = candidates.min { editDistance($0, word) < editDistance($1, word) }
        guard let best, editDistance(best, word) <= max(2, word.count / 3) else { return nil }
        return best
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// What is wrong with one value, before it is put into a sentence that names the value.
public enum FieldProblem: Error, Equatable, Sendable {
    /// Not the kind of value the field holds ("is not a number").
    case wrongType(String)
    case outOfRange
    /// Not one of the words allowed, with the nearest one.
    case notAChoice(String?)

    /// "is out of range; allowed: a number from 0 to 1".
    public func sentence(for field: PresetField) -> String {
        switch self {
        case .wrongType(let what): return "\(what); allowed: \(field.allowed)"
        case .outOfRange: return "is out of range; allowed: \(field.allowed)"
        case .notAChoice(let guess):
            return "is not allowed" + (guess.map { " (did you mean \($0)?)" } ?? "") + "; allowed: \(field.allowed)"
        }
    }
}
