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

    @Option(name: .shortAndLong, help: "Style index (see `vidstyle styles`).") var style: Int?
    @Option(help: ArgumentHelp("Blend styles, e.g. 3:0.7,5:0.3 (weights are normalized).", valueName: "index:weight,..."))
    var mix: String?
    @Option(help: "How much of the style to apply: 0 gives the input back, 1 the full style.") var strength: Float = 1
    @Flag(help: "Keep the input's colours; take only the style's luminance.") var preserveColor = false
    @Option(help: "Temporal smoothing against flicker, 0 (off) to 1 (strongest).") var smoothing: Float = 0.6

    @Option(help: "Video codec: h264, h265 or vp9 (webm always uses vp9).") var codec = "h264"
    @Option(help: "Constant rate factor: lower is better quality and larger files.") var crf: Int?
    @Option(help: "Encoder speed preset (x264/x265: ultrafast ... veryslow).") var preset: String?
    @Flag(help: "Drop the audio.") var noAudio = false

    @Flag(name: [.customShort("y"), .long], help: "Replace OUT if it exists (never the input).") var overwrite = false
    @Flag(name: .shortAndLong, help: "Print nothing but errors.") var quiet = false
    @OptionGroup var modelOption: ModelOption

    func validate() throws {
        if style != nil && mix != nil {
            throw OptionError("--style and --mix both given; use one (a mix can name a single style)")
        }
        try settings().validate()
        _ = try videoCodec()
        if let crf, !(0...63).contains(crf) {
            throw OptionError("--crf \(crf) is out of range; use 0-51 for h264/h265 or 0-63 for vp9")
        }
    }

    func settings() throws -> StyleSettings {
        let selection: StyleSelection = if let mix { try StyleSelection.parseMix(mix) } else { .single(style ?? 0) }
        return StyleSettings(style: selection, strength: strength, preserveColor: preserveColor, smoothing: smoothing)
    }

    func videoCodec() throws -> VideoCodec {
        switch codec.lowercased() {
        case "h264", "avc", "x264": return .h264
        case "h265", "hevc", "x265": return .h265
        case "vp9": return .vp9
        default: throw OptionError("--codec \(codec) is not supported; use h264, h265 or vp9")
        }
    }

    func run() async throws {
        let settings = try settings()
        let model = try modelOption.load()
        try settings.style.validate(styleCount: model.styles.count)
        let job = StylizeJob(
            inputPath: input, outputPath: output, settings: settings,
            encoding: EncodingOptions(codec: try videoCodec(), crf: crf, preset: preset, keepAudio: !noAudio),
            overwrite: overwrite)
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
            let styleText = describe(settings.style, model: model)
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
