import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle IN OUT --style N`: the main job.
struct StylizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stylize",
        abstract: "Stylize a video or image file (the default subcommand).",
        discussion: """
            IN is anything FFmpeg reads (video or still image). The container of OUT comes from \
            its extension: .mp4 .mkv .mov .webm for video, .png .jpg for stills. Ctrl-C finishes \
            a playable file with the frames done so far.
            """)

    @Argument(help: "Input video or image.") var input: String
    @Argument(help: "Output file; its extension picks the container.") var output: String

    @Option(help: ArgumentHelp(
        "Pipeline preset: a .yaml file, or NAME for pipelines/NAME.yaml (in the current folder, then in ../share/vidstyle/pipelines/ beside the executable). Options given on the command line override it.",
        valueName: "name|file"))
    var pipeline: String?

    @Option(name: .shortAndLong, help: "Style index (see `vidstyle styles`; default 0).") var style: Int?
    @Option(help: ArgumentHelp("Blend styles, e.g. 3:0.7,5:0.3 (weights are normalized).", valueName: "index:weight,..."))
    var mix: String?
    @Option(help: "How much of the style to apply: 0 gives the input back, 1 the full style (default 1).") var strength: Float?
    @Flag(inversion: .prefixedNo, help: "Keep the input's colours; take only the style's luminance (default off).")
    var preserveColor: Bool?
    @Option(help: "Temporal smoothing against flicker, 0 (off) to 1 (strongest) (default 0.6).") var smoothing: Float?

    @Option(help: "Video codec: h264 (default), h265 or vp9 (webm always uses vp9).") var codec: String?
    @Option(help: "Constant rate factor: lower is better quality and larger files (default 20 for h264/h265, 32 for vp9).")
    var crf: Int?
    @Option(help: "Encoder speed preset (x264/x265: ultrafast ... veryslow; default veryfast).") var preset: String?
    @Flag(inversion: .prefixedNo, help: "Keep the audio (default) or drop it.") var audio: Bool?

    @Flag(name: [.customShort("y"), .long], help: "Replace OUT if it exists (never the input).") var overwrite = false
    @Flag(name: .shortAndLong, help: "Print nothing but errors.") var quiet = false
    @Flag(name: .long, help: "Also print FFmpeg's own warnings about the input and output files (to diagnose a file that fails).")
    var verbose = false
    @OptionGroup var modelOption: ModelOption

    func validate() throws {
        if style != nil && mix != nil {
            throw OptionError("--style and --mix both given; use one (a mix can name a single style)")
        }
        if quiet && verbose {
            throw OptionError("--quiet and --verbose both given; use one")
        }
        if let crf, !(0...63).contains(crf) {
            throw OptionError("--crf \(crf) is out of range; use 0-51 for h264/h265 or 0-63 for vp9")
        }
        _ = try resolve()
    }

    /// What the user typed, as overrides of the preset (nil where an option was not given).
    func overrides() throws -> PipelineOverrides {
        let selection: StyleSelection? = if let mix { try StyleSelection.parseMix(mix) } else { style.map { .single($0) } }
        return PipelineOverrides(style: selection, strength: strength, preserveColor: preserveColor, smoothing: smoothing,
                                 codec: try videoCodec(), crf: crf, encoderPreset: preset, keepAudio: audio)
    }

    /// The job's settings: command line over `--pipeline` over defaults, checked.
    func resolve() throws -> (preset: PipelinePreset?, settings: StyleSettings, encoding: EncodingOptions) {
        let loaded = try pipeline.map { name throws(PresetError) in try PipelinePreset.load(path: try PresetLocator.locate(name)) }
        let overrides = try overrides()
        let settings = try overrides.styleSettings(over: loaded)
        try settings.validate()
        return (loaded, settings, overrides.encodingOptions(over: loaded))
    }

    func videoCodec() throws -> VideoCodec? {
        guard let codec else { return nil }
        guard let known = VideoCodec(name: codec) else {
            throw OptionError("--codec \(codec) is not supported; use h264, h265 or vp9")
        }
        return known
    }

    func run() async throws {
        if verbose { FFmpegLogging.enableWarnings() }
        let (loaded, settings, encoding) = try resolve()
        let model = try modelOption.load()
        try settings.style.validate(styleCount: model.styles.count)
        let job = StylizeJob(inputPath: input, outputPath: output, settings: settings, encoding: encoding, overwrite: overwrite)
        try job.checkPaths()

        let stop = StopSignal()
        let interrupts = InterruptHandler(stop: stop, output: output, quiet: quiet)
        let reporter = ProgressReporter(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let summary = try await job.run(model: model, stop: stop, progress: { done, total in
            reporter.report(done: done, total: total)
        })
        reporter.finish()
        interrupts.cancel()

        if !quiet {
            for notice in summary.notices { FileHandle.standardError.write(Data("vidstyle: \(notice)\n".utf8)) }
            var styleText = describe(settings.style, model: model)
            if let loaded { styleText += ", pipeline \(loaded.name)" }
            let line = String(format: "vidstyle: wrote %@: %d frames (%dx%d) in %.1f s, %.1f fps, %@",
                              output, summary.frames, summary.video.width, summary.video.height,
                              summary.seconds, summary.framesPerSecond, styleText)
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if summary.stoppedEarly {
            FileHandle.standardError.write(Data("vidstyle: interrupted; \(output) is complete and playable with the \(summary.frames) frames done\n".utf8))
            throw ExitCode(130)
        }
    }

    private func describe(_ selection: StyleSelection, model: StyleModel) -> String {
        switch selection {
        case .single(let index):
            return "style \(index) (\(model.styles[index].name))"
        case .mix(let parts):
            return "mix " + parts.map { "\(model.styles[$0.index].name):\($0.weight)" }.joined(separator: ",")
        }
    }
}
