import Foundation

/// One whole job: stylize the file at `inputPath` into `outputPath`.
///
/// Everything the command line decides ends up here, so the same job runs from the CLI, a
/// preset or a test.
public struct StylizeJob: Sendable {
    public var inputPath: String
    public var outputPath: String
    public var settings: StyleSettings
    public var encoding: EncodingOptions
    /// Replace an existing output file (never the input).
    public var overwrite: Bool
    /// Frames that may wait between two stages (`FramePipeline.queueDepth`).
    public var queueDepth: Int
    /// Resize the picture by this factor before painting (`ScaledSource`); nil keeps its size.
    public var scale: Double?
    /// Whether a stop completes OUT with the frames done so far (a playable file, as a user who
    /// presses Ctrl-C on one video wants), or leaves no OUT at all (`FramePipeline.keepsStoppedOutput`).
    public var keepsStoppedOutput = true

    public init(inputPath: String, outputPath: String, settings: StyleSettings = StyleSettings(),
                encoding: EncodingOptions = EncodingOptions(), overwrite: Bool = false, queueDepth: Int = 2,
                scale: Double? = nil) {
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.settings = settings
        self.encoding = encoding
        self.overwrite = overwrite
        self.queueDepth = queueDepth
        self.scale = scale
    }

    /// What a finished job reports.
    public struct Summary: Sendable {
        public var frames: Int
        public var seconds: Double
        public var stoppedEarly: Bool
        public var notices: [String]
        public var video: VideoStreamInfo
        public var framesPerSecond: Double { seconds > 0 ? Double(frames) / seconds : 0 }
    }

    /// Checks that need no decoding: the output is not the input, and does not exist unless
    /// `overwrite` is set.
    public func checkPaths() throws(OptionError) {
        // Inputs FFmpeg opens by name (URLs, FORMAT:SPEC) are checked when they are opened;
        // a `file:` URL is still a file that must not be overwritten.
        var localInput: String
        switch MediaInput(inputPath) {
        case .file(let path), .camera(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw OptionError("input \(path) does not exist; check the path")
            }
            localInput = path
        case .ffmpeg(let format, let url):
            guard format == nil, url.hasPrefix("file:") else {
                try Self.checkOutput(outputPath, overwrite: overwrite)
                return
            }
            localInput = String(url.dropFirst(5))
        }
        // A stream cannot be the input file.
        guard !VideoWriter.isStandardOutput(outputPath) else { return }
        let input = URL(fileURLWithPath: localInput).resolvingSymlinksInPath().standardized.path
        let output = URL(fileURLWithPath: outputPath).resolvingSymlinksInPath().standardized.path
        if input == output || Self.sameFile(localInput, outputPath) {
            throw OptionError("output \(outputPath) is the input file; give another output path (the input is never overwritten)")
        }
        try Self.checkOutput(outputPath, overwrite: overwrite)
    }

    /// The output checks every job makes before it starts: OUT does not exist unless
    /// `overwrite` is set.
    public static func checkOutput(_ outputPath: String, overwrite: Bool) throws(OptionError) {
        // Standard output replaces nothing, and no file named "-" is touched.
        guard !VideoWriter.isStandardOutput(outputPath) else { return }
        var isDirectory: ObjCBool = false
        if let first = VideoWriter.firstSequenceFile(outputPath), FileManager.default.fileExists(atPath: first), !overwrite {
            throw OptionError("output \(first) already exists; pass --overwrite (-y) to replace the sequence")
        }
        guard FileManager.default.fileExists(atPath: outputPath, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue {
            let example = (outputPath as NSString).appendingPathComponent("out.mp4")
            throw OptionError("output \(outputPath) is a folder; give a file name, such as \(example)")
        }
        if !overwrite {
            throw OptionError("output \(outputPath) already exists; pass --overwrite (-y) to replace it")
        }
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Runs the job with `model`. Progress is called with frames done and the estimated total.
    /// - Throws: `InterruptedError` when `stop` came before the first frame was written, or
    ///   while the input was being opened; the job's own errors otherwise.
    public func run(model: StyleModel, stop: StopSignal = StopSignal(),
                    progress: @escaping @Sendable (Int, Int?) -> Void = { _, _ in }) async throws -> Summary {
        // Set-up that fails while a stop is pending (an open the stop cut short, or anything
        // after it) reports the stop: nothing was written, and it is not the input's fault.
        let reader: VideoReader, scaled: ScaledSource?, video: VideoStreamInfo
        let writer: VideoWriter, stylizer: FrameStylizer
        do {
            try checkPaths()
            // Where the output cannot store the input's rotation, the pixels are turned upright.
            reader = try VideoReader(input: MediaInput(inputPath),
                                     upright: !VideoWriter.storesRotation(path: outputPath, options: encoding), stop: stop)
            scaled = try scale.map { try ScaledSource(source: reader, video: reader.video, scale: $0) }
            video = scaled?.video ?? reader.video
            let outputName = (outputPath as NSString).lastPathComponent
            if !VideoWriter.storesVideo(path: outputPath) && !reader.isStillImage {
                let pattern = ((outputName as NSString).deletingPathExtension) + "_%04d." + (outputName as NSString).pathExtension
                let frames = video.estimatedFrameCount.map { " (\($0) frames)" } ?? ""
                throw OptionError("output \(outputPath) holds one picture but \(inputPath) is a video\(frames); write a video "
                                  + "(.mp4) or an image sequence such as \(pattern)")
            }
            writer = try VideoWriter(path: outputPath, video: video, tracks: reader.tracks, options: encoding)
            do {
                // One picture has nothing to smooth against; leaving the flow buffers out keeps a
                // 4096x2160 still within 1.5 GB.
                var painting = settings
                if reader.isStillImage { painting.smoothing = 0 }
                stylizer = try FrameStylizer(model: model, width: video.width, height: video.height, settings: painting)
            } catch {
                writer.discard()
                throw error
            }
        } catch where stop.isRequested {
            throw InterruptedError()
        }
        var notices = writer.notices
        if let smoothing = stylizer.smoothingNotice { notices.append(smoothing) }
        if !reader.skippedStreams.isEmpty {
            notices.append("input: not kept: " + reader.skippedStreams.joined(separator: ", "))
        }
        if reader.turn != .none {
            let ext = VideoWriter.containerName(path: outputPath, options: encoding)
            notices.insert("video: .\(ext) can't store the input's \(reader.turn.degrees)° rotation; the picture was turned upright "
                           + "(\(video.width)x\(video.height))", at: 0)
        }
        let pool = VideoFramePool(width: video.width, height: video.height)
        let total = video.estimatedFrameCount
        let started = Date()
        let outcome: FramePipeline.Outcome
        do {
            outcome = try await FramePipeline(queueDepth: queueDepth, keepsStoppedOutput: keepsStoppedOutput).run(source: scaled ?? reader, processor: stylizer, sink: writer, pool: pool,
                                                    stop: stop, progress: { progress($0, total) })
        } catch is FramePipeline.StoppedBeforeFirstFrameError {
            throw InterruptedError()
        } catch is FramePipeline.StoppedIncompleteError {
            throw InterruptedError()
        } catch is FramePipeline.NoFramesError {
            throw OptionError("input \(inputPath) has no decodable video frames (damaged or truncated?); nothing was written")
        }
        // What was written: 4:2:0 codecs drop an odd last row or column.
        var written = video
        written.width = writer.outputWidth
        written.height = writer.outputHeight
        return Summary(frames: outcome.framesWritten, seconds: Date().timeIntervalSince(started),
                       stoppedEarly: outcome.stoppedEarly, notices: notices, video: written)
    }
}

extension VideoReader: MediaSource {}
extension VideoWriter: MediaSink {}
