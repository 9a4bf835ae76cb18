/// What the command line set explicitly, layered over a preset: a value given here beats the
/// preset's, and the preset's beats the built-in default. Each setting is merged on its own, so
/// `--strength 1` with a preset changes only the strength.
///
/// Kept apart from the command-line parser so the precedence rule lives (and is tested) in one
/// place in the library.
public struct PipelineOverrides: Sendable, Equatable {
    /// `--style` or `--mix`; either replaces the preset's style *and* mix.
    public var style: StyleSelection?
    public var strength: Float?
    public var preserveColor: Bool?
    public var smoothing: Float?
    public var codec: VideoCodec?
    public var crf: Int?
    /// The encoder speed preset (`--preset`).
    public var encoderPreset: String?
    /// `--audio` / `--no-audio`.
    public var keepAudio: Bool?

    public init(style: StyleSelection? = nil, strength: Float? = nil, preserveColor: Bool? = nil,
                smoothing: Float? = nil, codec: VideoCodec? = nil, crf: Int? = nil,
                encoderPreset: String? = nil, keepAudio: Bool? = nil) {
        self.style = style
        self.strength = strength
        self.preserveColor = preserveColor
        self.smoothing = smoothing
        self.codec = codec
        self.crf = crf
        self.encoderPreset = encoderPreset
        self.keepAudio = keepAudio
    }

    /// The painting settings: these overrides, else the preset's values, else the defaults.
    /// Throws only for a preset whose mix does not parse (a loaded preset has been checked).
    public func styleSettings(over preset: PipelinePreset? = nil) throws(PresetError) -> StyleSettings {
        let defaults = StyleSettings()
        var selection = style
        if selection == nil, let preset { selection = try preset.selection() }
        return StyleSettings(
            style: selection ?? defaults.style,
            strength: strength ?? preset?.strength ?? defaults.strength,
            preserveColor: preserveColor ?? preset?.preserveColor ?? defaults.preserveColor,
            smoothing: smoothing ?? preset?.smoothing ?? defaults.smoothing)
    }

    /// The encoder settings: these overrides, else the preset's values, else the defaults.
    public func encodingOptions(over preset: PipelinePreset? = nil) -> EncodingOptions {
        let defaults = EncodingOptions()
        return EncodingOptions(
            codec: codec ?? preset?.codec ?? defaults.codec,
            crf: crf ?? preset?.crf ?? defaults.crf,
            preset: encoderPreset ?? preset?.preset ?? defaults.preset,
            keepAudio: keepAudio ?? preset?.audio ?? defaults.keepAudio)
    }
}
