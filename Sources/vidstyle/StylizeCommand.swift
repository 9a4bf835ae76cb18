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

    @Argument(help: ArgumentHelp(
        "Input: a video or image file, a camera (/dev/video0), a URL, or FORMAT:SPEC for an FFmpeg input (lavfi:testsrc2=size=640x480:rate=30).",
        valueName: "in"))
    var input: String
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

    @Flag(help: "Read IN in real time, as from a camera: frames at their own pace, the newest frame wins when the stylizer falls behind (cameras are always live).")
    var live = false
    @Option(help: ArgumentHelp("Live: the capture size, e.g. 1280x720 (default: 640x480, or the nearest the camera offers).", valueName: "WxH"))
    var size: String?
    @Option(help: "Live: the capture frame rate (default: the highest up to 30 the camera offers at that size).")
    var fps: Double?
    @Option(help: ArgumentHelp("Live: the camera's pixel format, e.g. mjpeg or yuyv (default: the best it offers for that size and rate; see `vidstyle devices`).", valueName: "format"))
    var inputFormat: String?
    @Option(help: ArgumentHelp("Live: stop after this many seconds of capture and finish the file (default: until Ctrl-C).", valueName: "seconds"))
    var duration: Double?

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
        if !isLive {
            for (given, name) in [(size != nil, "--size"), (fps != nil, "--fps"), (inputFormat != nil, "--input-format"),
                                  (duration != nil, "--duration")] where given {
                throw OptionError("\(name) applies to live inputs; give a camera (/dev/video0) or add --live")
            }
        }
        _ = try captureRequest()
        if let duration, !(duration > 0 && duration.isFinite) {
            throw OptionError("--duration \(duration) must be a positive number of seconds")
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

    /// What IN names (a file, a camera, an FFmpeg input).
    var mediaInput: MediaInput { MediaInput(input) }

    /// Cameras and capture devices are live by nature; `--live` makes any input so.
    var isLive: Bool { live || mediaInput.isInherentlyLive }

    /// `--size`, `--fps`, `--input-format`, checked.
    func captureRequest() throws -> CaptureRequest {
        var request = CaptureRequest()
        if let size {
            let parts = size.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0, w <= 16384, h <= 16384 else {
                throw OptionError("--size \(size) is not a size; write it as WIDTHxHEIGHT, e.g. 640x480")
            }
            request.width = w
            request.height = h
        }
        if let fps {
            guard fps > 0, fps <= 1000, fps.isFinite else { throw OptionError("--fps \(fps) is out of range; use a rate such as 30") }
            request.framesPerSecond = fps
        }
        if let inputFormat {
            guard let code = FourCC(userName: inputFormat) else {
                throw OptionError("--input-format \(inputFormat) is not a pixel format; use mjpeg, yuyv or another that `vidstyle devices` lists")
            }
            request.format = code
        }
        return request
    }

    func videoCodec() throws -> VideoCodec? {
        guard let codec else { return nil }
        guard let known = VideoCodec(name: codec) else {
            throw OptionError("--codec \(codec) is not supported; use h264, h265 or vp9")
        }
        return known
    }

    func run() async throws {
        do {
            try await runJob()
        } catch let interrupted as InterruptedError {
            FileHandle.standardError.write(Data("vidstyle: \(interrupted)\n".utf8))
            throw ExitCode(130)
        }
    }

    func runJob() async throws {
        if verbose { FFmpegLogging.enableWarnings() }
        let (loaded, settings, encoding) = try resolve()
        let model = try modelOption.load()
        try settings.style.validate(styleCount: model.styles.count)
        if isLive {
            try await runLive(model: model, settings: settings, encoding: encoding, preset: loaded)
            return
        }
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

    /// Records from a live source until `--duration`, Ctrl-C or the source's loss.
    func runLive(model: StyleModel, settings: StyleSettings, encoding: EncodingOptions, preset: PipelinePreset?) async throws {
        let job = LiveJob(input: mediaInput, outputPath: output, request: try captureRequest(), duration: duration,
                          settings: settings, encoding: encoding, overwrite: overwrite)
        let stop = StopSignal()
        let interrupts = InterruptHandler(stop: stop, output: output, quiet: quiet)
        defer { interrupts.cancel() }
        let statistics = PipelineStatistics()
        let reporter = ProgressReporter(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let summary = try await job.run(model: model, interface: try CameraCatalog.systemInterface(), stop: stop,
                                        statistics: statistics, progress: { _ in
            let counts = statistics.snapshot
            reporter.reportLive(written: counts.written, dropped: counts.dropped)
        })
        reporter.finish()
        if !quiet {
            for notice in summary.notices { FileHandle.standardError.write(Data("vidstyle: \(notice)\n".utf8)) }
            var styleText = describe(settings.style, model: model)
            if let preset { styleText += ", pipeline \(preset.name)" }
            let counts = summary.counts
            let lines = [
                String(format: "vidstyle: wrote %@: %d frames (%dx%d) in %.1f s, %.1f fps, from %@, %@", output,
                       summary.framesWritten, summary.video.width, summary.video.height, summary.seconds,
                       summary.outputFramesPerSecond, summary.sourceDescription, styleText),
                "vidstyle: live: captured \(counts.captured + counts.skippedBySource), stylized \(summary.framesWritten), "
                    + "dropped \(counts.dropped) (\(counts.skippedBySource) by the source, \(counts.droppedStale) with no time to stylize); "
                    + "latency median \(summary.latencyMedianMilliseconds.map { "\($0) ms" } ?? "-"), "
                    + "p95 \(summary.latency95Milliseconds.map { "\($0) ms" } ?? "-")",
            ]
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        switch summary.endReason {
        case .endOfInput:
            return
        case .stopRequested:
            FileHandle.standardError.write(Data("vidstyle: interrupted; \(output) is complete and playable with the \(summary.framesWritten) frames recorded\n".utf8))
            throw ExitCode(130)
        case .sourceLost(let reason):
            FileHandle.standardError.write(Data("vidstyle: \(reason); \(output) is complete and playable with the \(summary.framesWritten) frames recorded\n".utf8))
            throw ExitCode(1)
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
