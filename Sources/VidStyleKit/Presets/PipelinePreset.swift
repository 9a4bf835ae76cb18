import Foundation

/// A named, reusable set of stylize settings, kept in a YAML file under `pipelines/` so a look
/// that took a while to tune can be used again (and shared) with one `--pipeline NAME`.
///
/// Every setting is optional except `name`: a preset only fixes what it names, and the command
/// line can still override each of those (see `PipelineOverrides`). Unknown keys are errors, so
/// a typo such as `strenght:` cannot silently leave a setting at its default. Decoding checks the
/// same ranges the command line does, so a preset that loads is one that runs.
public struct PipelinePreset: Codable, Sendable, Equatable {
    /// What the preset is called; shown in the job summary.
    public var name: String
    /// Free text for people reading the file or `pipelines/README.md`.
    public var description: String?
    /// One style index (`--style`); cannot be combined with `mix`.
    public var style: Int?
    /// A blend written as on the command line, `3:0.7,5:0.3` (`--mix`).
    public var mix: String?
    /// 0 gives the input back, 1 the full style (`--strength`).
    public var strength: Float?
    /// Keep the input's colours (`--preserve-color`).
    public var preserveColor: Bool?
    /// Temporal smoothing, 0 (off) to 1 (`--smoothing`).
    public var smoothing: Float?
    /// Video codec (`--codec`).
    public var codec: VideoCodec?
    /// Constant rate factor (`--crf`).
    public var crf: Int?
    /// Encoder speed preset, such as `medium` (`--preset`).
    public var preset: String?
    /// False drops the audio (`--no-audio`).
    public var audio: Bool?

    /// The YAML keys, in the order the documentation lists them.
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case name, description, style, mix, strength
        case preserveColor = "preserve_color"
        case smoothing, codec, crf, preset, audio
    }

    public init(name: String, description: String? = nil, style: Int? = nil, mix: String? = nil,
                strength: Float? = nil, preserveColor: Bool? = nil, smoothing: Float? = nil,
                codec: VideoCodec? = nil, crf: Int? = nil, preset: String? = nil, audio: Bool? = nil) {
        self.name = name
        self.description = description
        self.style = style
        self.mix = mix
        self.strength = strength
        self.preserveColor = preserveColor
        self.smoothing = smoothing
        self.codec = codec
        self.crf = crf
        self.preset = preset
        self.audio = audio
    }

    /// Decodes strictly: unknown keys and out-of-range values throw `PresetError`, so whatever
    /// decoder is used (YAML or JSON) the result is a preset that can run.
    public init(from decoder: any Decoder) throws {
        let everything = try decoder.container(keyedBy: AnyKey.self)
        for key in everything.allKeys where CodingKeys(stringValue: key.stringValue) == nil {
            throw PresetError(Self.unknownKeyMessage(key.stringValue), key: key.stringValue)
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        style = try container.decodeIfPresent(Int.self, forKey: .style)
        mix = try container.decodeIfPresent(String.self, forKey: .mix)
        strength = try container.decodeIfPresent(Float.self, forKey: .strength)
        preserveColor = try container.decodeIfPresent(Bool.self, forKey: .preserveColor)
        smoothing = try container.decodeIfPresent(Float.self, forKey: .smoothing)
        if let codecName = try container.decodeIfPresent(String.self, forKey: .codec) {
            guard let codec = VideoCodec(name: codecName) else {
                throw PresetError("codec '\(codecName)' is not supported; use h264, h265 or vp9", key: CodingKeys.codec.rawValue)
            }
            self.codec = codec
        } else {
            codec = nil
        }
        crf = try container.decodeIfPresent(Int.self, forKey: .crf)
        preset = try container.decodeIfPresent(String.self, forKey: .preset)
        audio = try container.decodeIfPresent(Bool.self, forKey: .audio)
        try validate()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encodeIfPresent(style, forKey: .style)
        try container.encodeIfPresent(mix, forKey: .mix)
        try container.encodeIfPresent(strength, forKey: .strength)
        try container.encodeIfPresent(preserveColor, forKey: .preserveColor)
        try container.encodeIfPresent(smoothing, forKey: .smoothing)
        try container.encodeIfPresent(codec?.rawValue, forKey: .codec)
        try container.encodeIfPresent(crf, forKey: .crf)
        try container.encodeIfPresent(preset, forKey: .preset)
        try container.encodeIfPresent(audio, forKey: .audio)
    }

    /// Checks what can be checked without the model, with the command line's own rules
    /// (`StyleSettings.validate()`, `StyleSelection.parseMix`); each error names its key.
    public func validate() throws(PresetError) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw PresetError("name is empty; give the preset a name, e.g. name: my-preset", key: CodingKeys.name.rawValue)
        }
        if style != nil && mix != nil {
            throw PresetError("style and mix are both given; keep one (a mix can name a single style)", key: CodingKeys.mix.rawValue)
        }
        if let style, style < 0 {
            throw PresetError("style \(style) is out of range; styles are numbered from 0 (run `vidstyle styles` to list them)",
                              key: CodingKeys.style.rawValue)
        }
        _ = try selection()
        if let strength {
            try Self.check(StyleSettings(strength: strength), key: .strength)
        }
        if let smoothing {
            try Self.check(StyleSettings(smoothing: smoothing), key: .smoothing)
        }
        if let crf, !(0...63).contains(crf) {
            throw PresetError("crf \(crf) is out of range; use 0-51 for h264/h265 or 0-63 for vp9", key: CodingKeys.crf.rawValue)
        }
        if let preset, preset.trimmingCharacters(in: .whitespaces).isEmpty {
            throw PresetError("preset is empty; name an encoder preset such as medium, or remove the key", key: CodingKeys.preset.rawValue)
        }
    }

    /// The style or blend this preset names, or nil when it leaves the choice to the command line.
    public func selection() throws(PresetError) -> StyleSelection? {
        if let mix {
            do {
                return try StyleSelection.parseMix(mix)
            } catch {
                throw PresetError(Self.presetWording(error.description, key: .mix), key: CodingKeys.mix.rawValue)
            }
        }
        return style.map { .single($0) }
    }

    /// The one-line advice for a key that is not in the schema, with a likely intended key.
    static func unknownKeyMessage(_ key: String) -> String {
        let valid = CodingKeys.allCases.map(\.rawValue)
        var message = "unknown key '\(key)'"
        if let guess = valid.min(by: { editDistance($0, key) < editDistance($1, key) }), editDistance(guess, key) <= 2 {
            message += " (did you mean '\(guess)'?)"
        }
        return message + "; valid keys are \(valid.joined(separator: ", "))"
    }

    private static func check(_ settings: StyleSettings, key: CodingKeys) throws(PresetError) {
        do {
            try settings.validate()
        } catch {
            throw PresetError(presetWording(error.description, key: key), key: key.rawValue)
        }
    }

    /// Command-line messages name `--strength`; in a preset the user wrote `strength:`.
    private static func presetWording(_ message: String, key: CodingKeys) -> String {
        message
            .replacingOccurrences(of: "like --\(key.rawValue) ", with: "like \(key.rawValue): ")
            .replacingOccurrences(of: "--\(key.rawValue)", with: key.rawValue)
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
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

/// Any key at all, to see the keys a file has before decoding the known ones.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
