import Foundation

/// A job's settings, decided field by field: an option given on the command line beats the
/// preset's value, and the preset's value beats the built-in default.
///
/// Kept apart from the command-line parser so the precedence rule lives (and is tested) in one
/// place in the library, and so `vidstyle presets show` prints exactly what a job would use.
public struct PipelineSettings: Sendable, Equatable {
    /// The values given (by the preset or the command line), by field path, with their origin.
    /// Fields not here take their built-in default.
    public var given: [String: PresetSetting]
    /// The preset they were merged over, if any.
    public var preset: PipelinePreset?

    public init(given: [String: PresetSetting] = [:], preset: PipelinePreset? = nil) {
        self.given = given
        self.preset = preset
    }

    /// `commandLine` (values already checked with `PresetField.parse`) over `preset`.
    ///
    /// Two rules beyond "each field on its own": `--style` or `--mix` replaces the preset's style
    /// *and* mix; and the preset's `encode.crf` and `encode.preset` belong to the codec the preset
    /// names (h264 when it names none), so they are dropped when the command line picks another
    /// codec (CRF scales and preset names differ between encoders).
    public static func merge(preset: PipelinePreset?, commandLine: [String: PresetValue]) -> PipelineSettings {
        var given = preset?.settings ?? [:]
        if commandLine["stylize.style"] != nil || commandLine["stylize.mix"] != nil {
            given["stylize.style"] = nil
            given["stylize.mix"] = nil
        }
        if let codec = commandLine["encode.codec"]?.text, codec != (preset?["encode.codec"]?.text ?? "h264") {
            given["encode.crf"] = nil
            given["encode.preset"] = nil
        }
        for (path, value) in commandLine {
            given[path] = PresetSetting(value, from: .commandLine)
        }
        return PipelineSettings(given: given, preset: preset)
    }

    /// The value of `path`: given, else the built-in default (nil where the default depends on
    /// the input or other settings).
    public subscript(path: String) -> PresetValue? {
        given[path]?.value ?? PresetField.named(path)?.defaultValue
    }

    /// Whether the input is read in real time (`input.live`; cameras are live whatever it says).
    public var isLive: Bool { self["input.live"]?.boolean ?? false }

    /// Whether `stylize.style` or `stylize.mix` names a style instead of giving its index.
    public var namesStyles: Bool {
        if given["stylize.style"]?.value.text != nil { return true }
        guard let mix = given["stylize.mix"]?.value.text else { return false }
        return mix.split(separator: ",").contains { item in Int(item.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) ?? "") == nil }
    }

    /// These settings with the styles named in `stylize.style` and `stylize.mix` replaced by their
    /// indices, through `index` (`StyleCatalog.index(of:)`), which also refuses unknown names and
    /// out-of-range indices. Names can be resolved only once the model and the user's styles are
    /// known, so reading a preset checks their spelling and this, at the start of a job, the rest.
    public func resolvingStyleNames(_ index: (String) throws(OptionError) -> Int) throws(OptionError) -> PipelineSettings {
        var resolved = self
        if let setting = given["stylize.style"] {
            let key = setting.value.text ?? setting.value.description
            resolved.given["stylize.style"] = PresetSetting(.integer(try index(key)), from: setting.origin)
        }
        if let setting = given["stylize.mix"], let text = setting.value.text {
            guard case .mix(let parts) = try StyleSelection.parseMix(text, resolve: index) else { return resolved }
            let written = parts.map { "\($0.index):\($0.weight)" }.joined(separator: ",")
            resolved.given["stylize.mix"] = PresetSetting(.text(written), from: setting.origin)
        }
        return resolved
    }

    /// The painting settings. A mix was checked when it was read, so this cannot fail; styles
    /// given by name must have been resolved first (`resolvingStyleNames`).
    public var styleSettings: StyleSettings {
        let defaults = StyleSettings()
        var selection = defaults.style
        if let mix = self["stylize.mix"]?.text, let parsed = try? StyleSelection.parseMix(mix) {
            selection = parsed
        } else if let style = self["stylize.style"]?.integer {
            selection = .single(style)
        }
        return StyleSettings(style: selection,
                             strength: Float(self["stylize.strength"]?.number ?? Double(defaults.strength)),
                             preserveColor: self["stylize.preserve_color"]?.boolean ?? defaults.preserveColor,
                             smoothing: Float(self["temporal.smoothing"]?.number ?? Double(defaults.smoothing)),
                             precision: self["stylize.precision"]?.text.flatMap(PrecisionChoice.init(rawValue:)) ?? defaults.precision)
    }

    /// The codec asked for (`encode.codec`), before the output's container has a say.
    public var codec: VideoCodec { self["encode.codec"]?.text.flatMap(VideoCodec.init(name:)) ?? .h264 }

    /// The encoder settings.
    public var encoding: EncodingOptions {
        let audio = self["audio.mode"]?.text ?? "copy"
        return EncodingOptions(codec: codec, crf: self["encode.crf"]?.integer, preset: self["encode.preset"]?.text,
                               keepAudio: audio != "none", reencodeAudio: audio == "re-encode",
                               pixelFormat: self["encode.pixel_format"]?.text ?? "yuv420p",
                               container: given["encode.container"]?.value.text)
    }

    /// What to ask of a camera or live FFmpeg input.
    public var captureRequest: CaptureRequest {
        var request = CaptureRequest()
        if let size = self["input.size"]?.text {
            let parts = size.split(separator: "x").compactMap { Int($0) }
            if parts.count == 2 { (request.width, request.height) = (parts[0], parts[1]) }
        }
        request.framesPerSecond = self["input.fps"]?.number
        request.format = self["input.input_format"]?.text.flatMap(FourCC.init(userName:))
        return request
    }

    /// The factor file inputs are resized by before painting; nil keeps their size.
    public var scale: Double? {
        guard let factor = self["input.scale"]?.number, factor != 1 else { return nil }
        return factor
    }

    /// Seconds of live capture to record; nil until stopped.
    public var duration: Double? { self["input.duration"]?.number }

    /// The model file named by `stylize.model`, nil for the shipped one.
    public var modelPath: String? { self["stylize.model"]?.text }

    /// Frames waiting between stages: 2 for files, 1 for live inputs unless given.
    public func queueCapacity(live: Bool) -> Int { self["queues.capacity"]?.integer ?? (live ? 1 : 2) }

    /// What the source does when the stylizer falls behind: block for files, drop-oldest for
    /// live inputs unless given.
    public func queuePolicy(live: Bool) -> FramePipeline.InputPolicy {
        switch self["queues.policy"]?.text {
        case "block": .block
        case "drop-oldest": .dropOldest
        default: live ? .dropOldest : .block
        }
    }

    /// OUT as written: given an extension, as it is; without one, with `encode.container`'s;
    /// `-` (standard output) as it is.
    public func outputPath(for output: String) -> String {
        guard (output as NSString).pathExtension.isEmpty, !output.hasSuffix("/"),
              !VideoWriter.isStandardOutput(output) else { return output }
        return output + "." + (given["encode.container"]?.value.text ?? "mp4")
    }

    /// These settings for a job writing `outputPath`: where its container forces another codec
    /// (`.webm` is always VP9), the preset's `encode.crf` and `encode.preset`, which were meant for
    /// the preset's codec, are dropped as `merge` drops them for `--codec`. Values given on the
    /// command line stay, and are checked against the encoder that runs.
    public func forOutput(_ outputPath: String) -> PipelineSettings {
        guard containerName(for: outputPath) == "webm", codec != .vp9 else { return self }
        var adjusted = self
        for path in ["encode.crf", "encode.preset"] where adjusted.given[path]?.origin != .commandLine {
            adjusted.given[path] = nil
        }
        return adjusted
    }

    /// The effective settings as a preset: every field with a fixed value for this job (given, or
    /// the default), so it prints as YAML that loads again and runs the same job.
    public func effectivePreset(name: String, description: String?, live: Bool? = nil) -> PipelinePreset {
        let live = live ?? isLive
        var values: [String: PresetValue] = [:]
        for field in PresetField.all {
            if let value = self[field.path] { values[field.path] = value }
        }
        if values["stylize.mix"] != nil { values["stylize.style"] = nil }
        let codec = self.codec
        values["encode.crf"] = values["encode.crf"] ?? .integer(codec == .vp9 ? 32 : 20)
        values["encode.preset"] = values["encode.preset"] ?? .text(codec == .vp9 ? "8" : "veryfast")
        values["queues.capacity"] = .integer(queueCapacity(live: live))
        values["queues.policy"] = .text(queuePolicy(live: live) == .block ? "block" : "drop-oldest")
        return PipelinePreset(name: name, description: description, values: values)
    }

    /// Checks between fields, for a job writing `outputPath` from a live source or not, before
    /// anything runs: capture fields only for live inputs, drop-oldest only for live inputs, and
    /// the encoder settings against the encoder that will run (`EncoderCheck`).
    /// - Throws: `OptionError` naming the option, or `PresetError` at the preset's line.
    public func check(live: Bool, outputPath: String) throws {
        if !live {
            for path in ["input.size", "input.fps", "input.input_format", "input.duration"] where given[path] != nil {
                throw problem(path, "applies to live inputs; give a camera (/dev/video0), add --live, or set input.live: true",
                              showingValue: false)
            }
            if self["queues.policy"]?.text == "drop-oldest" {
                throw problem("queues.policy", "applies to live inputs (a file is read as fast as it decodes, so most frames would be dropped); use block, or add --live")
            }
        }
        if live, let factor = given["input.scale"]?.value.number, factor != 1 {
            throw problem("input.scale", "applies to files; for a live input ask for the capture size (input.size, --size)",
                          showingValue: false)
        }
        let ext = containerName(for: outputPath)
        if VideoWriter.isStandardOutput(outputPath), !["mkv", "webm", "mp4"].contains(ext) {
            throw problem("encode.container", "cannot be written to standard output (it seeks back to finish the file); "
                          + "use mkv (the default for -), webm or mp4 (written fragmented)")
        }
        guard !["png", "jpg", "jpeg"].contains(ext) else { return }
        let codec = ext == "webm" ? VideoCodec.vp9 : self.codec
        if let crf = given["encode.crf"], let value = crf.value.integer {
            let range = EncoderCheck.crfRange(codec)
            if !range.contains(value) {
                throw problem("encode.crf", "is out of range for \(codec.rawValue); allowed: \(range.lowerBound)-\(range.upperBound)")
            }
        }
        if let preset = self["encode.preset"]?.text, let trouble = EncoderCheck.presetProblem(preset, codec: codec) {
            throw problem("encode.preset", trouble)
        }
        if let format = self["encode.pixel_format"]?.text, let trouble = EncoderCheck.pixelFormatProblem(format, codec: codec) {
            throw problem("encode.pixel_format", trouble)
        }
    }

    /// The container a job writing `outputPath` uses: its extension, or for `-` the given
    /// `encode.container` (Matroska when none: the default mp4 needs a file to seek in).
    func containerName(for outputPath: String) -> String {
        VideoWriter.containerName(path: outputPath, options: encoding).lowercased()
    }

    /// An error about `path`'s value, in the words of where the value came from.
    func problem(_ path: String, _ sentence: String, showingValue: Bool = true) -> any Error {
        let field = PresetField.named(path)
        let value = showingValue ? self[path].map { " \($0)" } ?? "" : ""
        switch given[path]?.origin {
        case .commandLine:
            return OptionError("\(field?.option ?? path)\(value) \(sentence)")
        case .file(let file, let line, let column):
            return PresetError("\(path)\(value) \(sentence)", file: file, line: line, column: column)
        case .builtIn, nil:
            return OptionError("\(path)\(value) \(sentence)")
        }
    }
}
