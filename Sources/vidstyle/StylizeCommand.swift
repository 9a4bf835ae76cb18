import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle IN OUT --style N`: the main job.
struct StylizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stylize",
        abstract: "Stylize a video, image or live source (the default subcommand).",
        discussion: """
            IN is anything FFmpeg reads (a video or image file, a numbered image sequence such as \
            frames_%04d.png, a URL, FORMAT:SPEC, - for standard input), or a camera such as \
            /dev/video0, which is recorded live (`vidstyle devices` lists them; --live reads any \
            input in real time). The container of OUT comes from its extension: .mp4 .mkv .mov \
            .webm for video, .png .jpg for one picture, out_%04d.png for an image sequence. OUT - \
            streams to standard output (Matroska, or --container webm|mp4; mp4 is written \
            fragmented, mov is refused), e.g. `vidstyle /dev/video0 - | ffplay -`; progress and \
            messages then stay on stderr. Ctrl-C finishes a playable file, or the stream, with \
            the frames done so far (exit status 130); a reader of - that goes away ends the job \
            quietly with exit status 141. IN and OUT may be folders: every \
            video and picture under IN is painted to the same path under OUT, outputs already \
            there are skipped (so running it again resumes), and Ctrl-C drops the file being painted. \
            While recording live on a terminal, keys change the painting: 0-9 style, m mix, +/- \
            strength, c colour, s smoothing, q or Esc stop; --audio-input records sound beside it.
            """)

    @Argument(help: ArgumentHelp(
        "Input: a video or image file, a camera (/dev/video0), a URL, FORMAT:SPEC for an FFmpeg input (lavfi:testsrc2=size=640x480:rate=30), or - for standard input.",
        valueName: "in"))
    var input: String
    @Argument(help: ArgumentHelp("Output file, its extension picking the container; or - for standard output (a stream: Matroska unless --container webm|mp4); or a virtual camera such as /dev/video10 (a v4l2loopback node), fed live.",
                                 valueName: "out"))
    var output: String

    @Option(help: ArgumentHelp(
        "Pipeline preset: a .yaml file, or the NAME of one in ~/.config/vidstyle/pipelines ($XDG_CONFIG_HOME) or the shipped ones (`vidstyle presets` lists them). Options given on the command line override it, field by field.",
        valueName: "name|file"))
    var pipeline: String?

    // Unconditional, so `--style -1` reaches the range check instead of reading as an option.
    @Option(name: .shortAndLong, parsing: .unconditional, help: "Style index or name, your own styles too (see `vidstyle styles`; default 0).") var style: String?
    @Option(help: ArgumentHelp("Blend styles by index or name, e.g. 3:0.7,starry-night:0.3 (weights are normalized).", valueName: "style:weight,..."))
    var mix: String?
    @Option(help: "How much of the style to apply: 0 gives the input back, 1 the full style (default 1).") var strength: Float?
    @Flag(inversion: .prefixedNo, help: "Keep the input's colours; take only the style's luminance (default off).")
    var preserveColor: Bool?
    @Option(help: "Temporal smoothing against flicker: how much of the previous painted frame, moved along with the picture, a pixel keeps where that motion is reliable; 0 (off) to 1 (strongest) (default 0.6).") var smoothing: Float?

    @Option(help: ArgumentHelp("Container for an OUT named without an extension: mp4 (default), mkv, mov or webm; for OUT -: mkv (default), webm or mp4 (fragmented).", valueName: "name"))
    var container: String?
    @Option(help: "Video codec: h264 (default), h265 or vp9 (webm always uses vp9).") var codec: String?
    @Option(help: "Constant rate factor: lower is better quality and larger files (default 20 for h264/h265, 32 for vp9).")
    var crf: Int?
    @Option(help: "Encoder speed preset (x264/x265: ultrafast ... placebo, default veryfast; vp9: cpu-used -8 (slowest) to 8, default 8).")
    var preset: String?
    @Option(help: ArgumentHelp("Pixel format of the video: yuv420p (default), yuv422p or yuv444p.", valueName: "name"))
    var pixelFormat: String?
    @Option(help: ArgumentHelp("Audio: copy (default; re-encoded only where the container needs it), re-encode, or none.", valueName: "mode"))
    var audio: String?
    @Flag(help: "Drop the audio (the same as --audio none).") var noAudio = false
    @Option(help: ArgumentHelp("Frames that may wait between two stages, 1-64 (default 2; 1 for live inputs).", valueName: "n"))
    var queueCapacity: Int?
    @Option(help: ArgumentHelp("When the stylizer falls behind: block (default for files) or drop-oldest (default for live inputs).", valueName: "policy"))
    var queuePolicy: String?

    @Flag(inversion: .prefixedNo, help: "Read IN in real time, as from a camera: frames at their own pace, the newest frame wins when the stylizer falls behind (cameras are always live).")
    var live: Bool?
    @Option(help: ArgumentHelp("Files: resize the picture by this factor before painting, e.g. 0.5 for half width and height (default 1).", valueName: "factor"))
    var scale: Double?
    @Option(help: ArgumentHelp("Live: the capture size, e.g. 1280x720 (default: 640x480, or the nearest the camera offers).", valueName: "WxH"))
    var size: String?
    @Option(help: "Live: the capture frame rate (default: the highest up to 30 the camera offers at that size).")
    var fps: Double?
    @Option(help: ArgumentHelp("Live: the camera's pixel format, e.g. mjpeg or yuyv (default: the best it offers for that size and rate; see `vidstyle devices`).", valueName: "format"))
    var inputFormat: String?
    @Option(help: ArgumentHelp("Live: stop after this many seconds of capture and finish the file (default: until Ctrl-C).", valueName: "seconds"))
    var duration: Double?
    @Option(help: ArgumentHelp("Live: record sound from this FFmpeg input beside the picture, on the same clock: FORMAT:SPEC such as pulse:default, alsa:hw:0 or lavfi:sine=f=440 (encoded to AAC, Opus for webm).", valueName: "spec"))
    var audioInput: String?
    @Option(help: ArgumentHelp("Also feed the painted frames live to this virtual camera (a v4l2loopback node such as /dev/video10; `vidstyle devices` lists them) while OUT records. OUT may itself be one, to feed it without recording.", valueName: "device"))
    var toCamera: String?

    @Option(help: ArgumentHelp("Render only the K-th of N parts of IN into OUT (video only; `vidstyle join` puts the parts together with IN's audio). Every machine computes the same split from IN alone.", valueName: "K/N"))
    var part: String?
    @Option(help: ArgumentHelp("With --part: frames painted before the part's first frame and not written, so the temporal smoothing enters the part warm (default \(PartPlan.defaultWarmup)).", valueName: "frames"))
    var warmup: Int?

    @Flag(name: [.customShort("y"), .long], help: "Replace OUT if it exists (never the input).") var overwrite = false
    @Flag(name: .shortAndLong, help: "Print nothing but errors.") var quiet = false
    @Flag(name: .long, help: "Also print FFmpeg's own warnings about the input and output files (to diagnose a file that fails).")
    var verbose = false
    @OptionGroup var modelOption: ModelOption
    @OptionGroup var precisionOption: PrecisionOption

    func validate() throws {
        try validateCamera()
        if style != nil && mix != nil {
            throw OptionError("--style and --mix both given; use one (a mix can name a single style)")
        }
        if quiet && verbose {
            throw OptionError("--quiet and --verbose both given; use one")
        }
        if noAudio, let audio, audio != "none" {
            throw OptionError("--no-audio and --audio \(audio) both given; use one")
        }
        if isFolderInput {
            if part != nil { throw OptionError("--part splits one video; IN is a folder") }
            let merged = try mergedSettings()
            if merged.isLive { throw OptionError("--live needs a camera or a file; IN is a folder") }
            let ext = merged.given["encode.container"]?.value.text ?? "mp4"
            try merged.check(live: false, outputPath: "\(output)/check.\(ext)")
            try merged.styleSettings.validate()
            return
        }
        if VideoWriter.isStandardOutput(output) && isatty(STDOUT_FILENO) == 1 {
            throw OptionError("OUT - writes video to standard output, which is a terminal; pipe it into a player "
                              + "or a file (vidstyle IN - | ffplay -), or give OUT a file name")
        }
        if let part { _ = try PartNumber(parsing: part) }
        if warmup != nil && part == nil { throw OptionError("--warmup only applies with --part K/N") }
        if let warmup, warmup < 0 { throw OptionError("--warmup \(warmup): give 0 or more frames") }
        let resolved = try resolve()
        if part != nil && resolved.live { throw OptionError("--part needs a file input; a live source cannot be split") }
        if part != nil && VideoWriter.isStandardOutput(output) {
            throw OptionError("--part writes a part file for vidstyle join; give PARTFILE a file name, not -")
        }
        if let audioInput {
            if isCameraOutput {
                throw OptionError("--audio-input records into a file; OUT \(output) is a virtual camera, which takes no sound "
                                  + "(to record a file with sound too: vidstyle IN out.mp4 --to-camera \(output) --audio-input \(audioInput))")
            }
            if !resolved.live {
                throw OptionError("--audio-input \(audioInput) records sound beside a live recording; IN is a file "
                                  + "(add --live to read it in real time)")
            }
            if !resolved.settings.encoding.keepAudio {
                throw OptionError("--audio-input and --audio none both given; use one")
            }
            if !VideoWriter.storesVideo(path: resolved.output) {
                throw OptionError("--audio-input needs a video OUT; \(resolved.output) holds pictures only")
            }
        }
    }

    /// What every part of one video must share, as a digest: everything that changes the
    /// pictures or the encoded stream (audio is recorded apart, for the join).
    static func partSettingsDigest(settings: PipelineSettings, model: URL, warmup: Int, output: String) -> String {
        var encoding = settings.encoding
        encoding.keepAudio = true
        encoding.reencodeAudio = false
        let size = (try? FileManager.default.attributesOfItem(atPath: model.path)[.size] as? Int) ?? 0
        let text = "\(settings.styleSettings)|\(encoding)|model \(model.lastPathComponent) \(size)|scale \(settings.scale ?? 1)"
            + "|warmup \(warmup)|\((output as NSString).pathExtension.lowercased())"
        return Fingerprint.of(text)
    }

    /// What the user typed, as preset fields (options not given are left out), each checked by
    /// the field's own rules (`PresetField.parse`), so `--strength 2` and `strength: 2` in a
    /// preset get the same answer.
    func commandLineValues() throws -> [String: PresetValue] {
        let typed: [(String, String?)] = [
            ("input.live", live.map { $0 ? "true" : "false" }), ("input.scale", scale.map { "\($0)" }), ("input.size", size), ("input.fps", fps.map { "\($0)" }),
            ("input.input_format", inputFormat), ("input.duration", duration.map { "\($0)" }),
            ("stylize.model", modelOption.model), ("stylize.style", style), ("stylize.mix", mix),
            ("stylize.strength", strength.map { "\($0)" }), ("stylize.preserve_color", preserveColor.map { $0 ? "true" : "false" }),
            ("stylize.precision", precisionOption.precision?.rawValue),
            ("temporal.smoothing", smoothing.map { "\($0)" }),
            ("encode.container", container), ("encode.codec", codec), ("encode.crf", crf.map(String.init)),
            ("encode.preset", preset), ("encode.pixel_format", pixelFormat),
            ("audio.mode", audio ?? (noAudio ? "none" : nil)),
            ("queues.capacity", queueCapacity.map(String.init)), ("queues.policy", queuePolicy),
        ]
        var values: [String: PresetValue] = [:]
        for case let (path, text?) in typed {
            guard let field = PresetField.named(path) else { continue }
            switch field.parse(text) {
            case .success(let value): values[path] = value
            case .failure(let problem): throw OptionError("\(field.option) \(text) \(problem.sentence(for: field))")
            }
        }
        return values
    }

    /// The job's settings: command line over `--pipeline` over defaults, checked as a whole
    /// (capture options only for live inputs, encoder settings against the encoder that will
    /// run), and OUT with `encode.container`'s extension where it has none.
    func resolve(outputFile: String? = nil) throws -> (settings: PipelineSettings, live: Bool, output: String) {
        let merged = try mergedSettings()
        let live = merged.isLive || mediaInput.isInherentlyLive || virtualCamera != nil
        let output = outputFile ?? (isCameraOutput ? self.output : merged.outputPath(for: output))
        let settings = merged.forOutput(output)
        try settings.check(live: live, outputPath: output)
        try settings.styleSettings.validate()
        return (settings, live, output)
    }

    /// Command line over `--pipeline` over defaults, before any output is known.
    func mergedSettings() throws -> PipelineSettings {
        let loaded = try pipeline.map { name throws(PresetError) in try PipelinePreset.load(path: try PresetLocator().locate(name)) }
        let merged = PipelineSettings.merge(preset: loaded, commandLine: try commandLineValues())
        guard merged.namesStyles else { return merged }
        let catalog = try ModelOption.catalog(modelPath: merged.modelPath)
        return try merged.resolvingStyleNames { key throws(OptionError) in try catalog.index(of: key) }
    }

    /// What IN names (a file, a camera, an FFmpeg input).
    var mediaInput: MediaInput { MediaInput(input) }

    func run() async throws {
        // Installed first, so a Ctrl-C while the model loads still ends in a clean stop.
        let stop = InterruptHandler.makeStopSignal()
        let folder = isFolderInput
        let interrupts = InterruptHandler(stop: stop, quiet: quiet, message: folder
            ? "stopping; the file being painted is dropped, and running the same command again resumes"
            : "stopping; finishing the output with the frames done so far")
        defer { interrupts.cancel() }
        do {
            if folder {
                try await runFolder(stop: stop)
            } else {
                try await runJob(stop: stop)
            }
        } catch let interrupted as InterruptedError {
            FileHandle.standardError.write(Data("vidstyle: \(interrupted)\n".utf8))
            throw ExitCode(130)
        } catch MediaError.outputClosed {
            // The reader of - went away (a player closed, `| head`): nothing is wrong, and
            // there is nobody left to tell; the status says it, as a shell's 128 + SIGPIPE does.
            throw ExitCode(Self.outputClosedStatus)
        }
    }

    /// The exit status when the reader of OUT - closes it: what shells report for a program
    /// SIGPIPE ended (128 + 13), without the signal.
    static let outputClosedStatus: Int32 = 141

    /// How OUT is named in messages.
    func outputName(_ output: String) -> String {
        VideoWriter.isStandardOutput(output) ? "standard output" : isCameraOutput ? "virtual camera \(output)" : output
    }

    func runJob(stop: StopSignal) async throws {
        if verbose { FFmpegLogging.enableWarnings() }
        let resolved = try resolve()
        let (loaded, encoding, output) = (resolved.settings.preset, resolved.settings.encoding, resolved.output)
        let settings = resolved.settings.styleSettings
        let modelURL: URL, model: StyleModel, precision: Precision
        do {
            modelURL = try ModelLocator.locate(explicit: resolved.settings.modelPath)
            model = StyleCatalog(shipped: try StyleModel.load(contentsOf: modelURL)).model
            try settings.style.validate(styleCount: model.styles.count)
            // Resolved here too, so int8 asked of an uncalibrated model fails before any file is
            // opened, and the summary can say which precision ran.
            precision = try settings.precision.resolved(for: model)
        } catch where stop.isRequested {
            // Whatever failed, the user asked to stop before anything started.
            throw InterruptedError()
        }
        if resolved.live {
            try await runLive(model: model, settings: settings, precision: precision, encoding: encoding, preset: loaded,
                              pipeline: resolved.settings, output: output, stop: stop)
            return
        }
        let job = StylizeJob(inputPath: input, outputPath: output, settings: settings, encoding: encoding, overwrite: overwrite,
                             queueDepth: resolved.settings.queueCapacity(live: false), scale: resolved.settings.scale)
        try job.checkPaths()
        if let part {
            let warm = warmup ?? PartPlan.defaultWarmup
            let digest = Self.partSettingsDigest(settings: resolved.settings, model: modelURL, warmup: warm, output: output)
            let partJob = PartJob(job: job, part: try PartNumber(parsing: part), warmup: warm, settingsDigest: digest)
            let reporter = ProgressReporter(enabled: !quiet && isatty(STDERR_FILENO) == 1)
            let summary = try await partJob.run(model: model, stop: stop, progress: { done, total in
                reporter.report(done: done, total: total)
            })
            reporter.finish()
            if !quiet {
                let range = summary.range
                let line = String(format: "vidstyle: wrote part %@ to %@: frames %d-%d (%d, after %d warm-up) in %.1f s",
                                  "\(range.part)", output, range.first, range.end - 1, range.frameCount, range.warmupFrames, summary.seconds)
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            return
        }

        let reporter = ProgressReporter(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let summary = try await job.run(model: model, stop: stop, progress: { done, total in
            reporter.report(done: done, total: total)
        })
        reporter.finish()

        if !quiet {
            for notice in summary.notices { FileHandle.standardError.write(Data("vidstyle: \(notice)\n".utf8)) }
            var styleText = describe(settings.style, model: model)
            if let loaded { styleText += ", pipeline \(loaded.name)" }
            styleText += ", precision \(precision.rawValue)"
            let line = String(format: "vidstyle: wrote %@: %d frames (%dx%d) in %.1f s, %.1f fps, %@",
                              outputName(output), summary.frames, summary.video.width, summary.video.height,
                              summary.seconds, summary.framesPerSecond, styleText)
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if summary.stoppedEarly {
            FileHandle.standardError.write(Data("vidstyle: interrupted; \(outputName(output)) is complete and playable with the \(summary.frames) frames done\n".utf8))
            throw ExitCode(130)
        }
    }

    /// Records from a live source until `--duration`, Ctrl-C or the source's loss.
    /// - Parameters:
    ///   - pipeline: the resolved settings (capture, duration, queues).
    ///   - output: OUT as written (`encode.container`'s extension added where it had none).
    func runLive(model: StyleModel, settings: StyleSettings, precision: Precision, encoding: EncodingOptions, preset: PipelinePreset?,
                 pipeline: PipelineSettings, output: String, stop: StopSignal) async throws {
        var job = LiveJob(input: mediaInput, outputPath: output, request: pipeline.captureRequest, duration: pipeline.duration,
                          settings: settings, encoding: encoding, overwrite: overwrite,
                          queueDepth: pipeline.queueCapacity(live: true), inputPolicy: pipeline.queuePolicy(live: true),
                          virtualCamera: virtualCamera)
        job.audioInput = audioInput
        let keys = LiveKeys.start(model: model, settings: settings, input: mediaInput, stop: stop, quiet: quiet)
        defer { keys?.finish() }
        job.controls = keys?.controls
        let statistics = PipelineStatistics()
        let reporter = ProgressReporter(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let summary = try await job.run(model: model, interface: try CameraCatalog.systemInterface(), stop: stop,
                                        statistics: statistics, progress: { _ in
            // Said once the recording runs, so an error before it stays a single line.
            if !quiet { keys?.announceOnce() }
            let counts = statistics.snapshot
            reporter.reportLive(written: counts.written, dropped: counts.dropped, look: keys?.controls.statusText)
        })
        keys?.finish()
        reporter.finish()
        if !quiet {
            for notice in summary.notices { FileHandle.standardError.write(Data("vidstyle: \(notice)\n".utf8)) }
            var styleText = describe(settings.style, model: model)
            if let preset { styleText += ", pipeline \(preset.name)" }
            styleText += ", precision \(precision.rawValue)"
            let counts = summary.counts
            let lines = [
                String(format: "vidstyle: wrote %@: %d frames (%dx%d) in %.1f s, %.1f fps, from %@, %@", outputName(output),
                       summary.framesWritten, summary.video.width, summary.video.height, summary.seconds,
                       summary.outputFramesPerSecond, summary.sourceDescription, styleText),
                "vidstyle: live: captured \(counts.captured + counts.skippedBySource), stylized \(summary.framesWritten), "
                    + "dropped \(counts.dropped) (\(counts.skippedBySource) by the source, \(counts.droppedStale) with no time to stylize); "
                    + "latency median \(summary.latencyMedianMilliseconds.map { "\($0) ms" } ?? "-"), "
                    + "p95 \(summary.latency95Milliseconds.map { "\($0) ms" } ?? "-")",
            ]
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            if let camera = summary.camera {
                let line = Self.cameraSummary(camera, recording: job.recordsFile ? outputName(output) : nil)
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            LiveSummary.print(changes: summary.changes, audio: summary.audio)
        }
        switch summary.endReason {
        case .endOfInput:
            return
        case .stopRequested where keys?.stoppedByKey == true:
            // q or Esc is the user's way to end a recording, not an interruption.
            if !quiet {
                FileHandle.standardError.write(Data("vidstyle: stopped; \(liveResultText(output, frames: summary.framesWritten))\n".utf8))
            }
            return
        case .stopRequested:
            FileHandle.standardError.write(Data("vidstyle: interrupted; \(liveResultText(output, frames: summary.framesWritten))\n".utf8))
            throw ExitCode(130)
        case .sourceLost(let reason):
            FileHandle.standardError.write(Data("vidstyle: \(reason); \(liveResultText(output, frames: summary.framesWritten))\n".utf8))
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
