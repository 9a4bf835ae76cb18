import Foundation

/// One live recording: capture from a camera (or read any FFmpeg input in real time), stylize
/// what there is time for, and record it until the duration is reached, the user stops it, or
/// the source is lost; the file is finished and playable in every one of those cases.
///
/// Between the source and the stylizer the newest frame wins (`FramePipeline.InputPolicy
/// .dropOldest`), so latency never grows; output timestamps are capture times, so the file
/// plays as long as it was recorded whatever rate the stylizer reached. Everything that can be
/// refused (the camera, its mode, the model, the output path) is checked before the output is
/// made.
public struct LiveJob: Sendable {
    public var input: MediaInput
    public var outputPath: String
    public var request: CaptureRequest
    /// Seconds of capture time to record; nil records until stopped.
    public var duration: Double?
    public var settings: StyleSettings
    public var encoding: EncodingOptions
    public var overwrite: Bool
    /// Frames that may wait for the stylizer (the newest win); 1 keeps latency lowest.
    public var queueDepth: Int
    /// `.dropOldest` (the newest frame wins, latency stays low) or `.block` (every frame the
    /// pipeline gets is stylized; a camera then drops in its own queue).
    public var inputPolicy: FramePipeline.InputPolicy
    /// `--audio-input`: an FFmpeg audio input recorded beside the picture on the same clock
    /// (`AudioCapture`); nil records no sound.
    public var audioInput: String?
    /// Live keys' cell (`LiveControls`): when set, the stylizer reads it before every frame.
    public var controls: LiveControls?
    /// A virtual camera (V4L2 output device) fed the painted frames at the source's pace, nil
    /// for none; when it is `outputPath` itself nothing else is recorded (`recordsFile`).
    public var virtualCamera: String?

    public init(input: MediaInput, outputPath: String, request: CaptureRequest = CaptureRequest(),
                duration: Double? = nil, settings: StyleSettings = StyleSettings(),
                encoding: EncodingOptions = EncodingOptions(), overwrite: Bool = false, queueDepth: Int = 1,
                inputPolicy: FramePipeline.InputPolicy = .dropOldest, virtualCamera: String? = nil) {
        self.input = input
        self.outputPath = outputPath
        self.request = request
        self.duration = duration
        self.settings = settings
        self.encoding = encoding
        self.overwrite = overwrite
        self.queueDepth = queueDepth
        self.inputPolicy = inputPolicy
        self.virtualCamera = virtualCamera
    }

    /// What a recording did.
    public struct Summary: Sendable {
        public var framesWritten: Int
        public var counts: PipelineStatistics.Snapshot
        public var latencyMedianMilliseconds: Int?
        public var latency95Milliseconds: Int?
        public var seconds: Double
        public var endReason: EndReason
        public var notices: [String]
        public var video: VideoStreamInfo
        /// "yuyv 640x480 at 30 fps" for a camera, the input for others.
        public var sourceDescription: String
        /// What the virtual camera got, when there was one.
        public var camera: VirtualCameraStatistics.Snapshot?
        /// What the keys changed, when they were on.
        public var changes: [LiveChange] = []
        /// How the `--audio-input` recording went; nil without one.
        public var audio: AudioCapture.Summary?
        public var outputFramesPerSecond: Double { seconds > 0 ? Double(framesWritten) / seconds : 0 }
    }

    /// Opens the source as this job reads it: a camera through `interface`, anything else
    /// through FFmpeg, paced to real time.
    func openSource(interface: V4L2Interface, stop: StopSignal) throws -> sending (source: any MediaSource, video: VideoStreamInfo, description: String,
                                                          notices: [String]) {
        switch input {
        case .camera(let path):
            let camera = try CameraSource(path: path, request: request, duration: duration, interface: interface)
            return (camera, camera.video, "\(camera.camera.name), \(camera.mode)", [])
        case .file, .ffmpeg:
            if case .file(let path) = input, request != CaptureRequest() {
                throw OptionError("--size, --fps and --input-format choose what a camera or an FFmpeg device captures; "
                                  + "\(path) is a file and plays with its own size and rate")
            }
            var options: [String: String] = [:]
            if case .ffmpeg = input {
                if let w = request.width, let h = request.height { options["video_size"] = "\(w)x\(h)" }
                if let fps = request.framesPerSecond { options["framerate"] = CameraFrameSize.format(fps) }
                if let format = request.format { options["input_format"] = format.userName }
            }
            let reader = try VideoReader(input: input, upright: !VideoWriter.storesRotation(path: outputPath, options: encoding),
                                         options: options, stop: stop)
            var notices: [String] = []
            if reader.audio != nil {
                notices.append("audio: not recorded in live mode; only the picture is recorded")
            }
            return (PacedSource(reader: reader, duration: duration), reader.video, input.description, notices)
        }
    }

    /// Records until the duration, `stop`, or the source's end or loss.
    /// - Parameter statistics: counts the run as it goes (for a progress line).
    /// - Throws: `CameraError`, `MediaError`, `OptionError` before anything is written;
    ///   `InterruptedError` when stopped before the first frame (also when the set-up failed
    ///   while the stop was pending).
    public func run(model: StyleModel, interface: V4L2Interface = LibV4L2Interface(), stop: StopSignal = StopSignal(),
                    statistics: PipelineStatistics = PipelineStatistics(),
                    progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> Summary {
        // Set-up that fails while a stop is pending reports the stop (see `StylizeJob.run`).
        let source: any MediaSource, video: VideoStreamInfo, description: String, sourceNotices: [String]
        let stylizer: FrameStylizer, sink: any MediaSink, outputNotices: [String], camera: VirtualCameraStatistics?
        let audio: AudioCapture?
        let clock = RecordingClock()
        do {
            if recordsFile { try StylizeJob.checkOutput(outputPath, overwrite: overwrite) }
            (source, video, description, sourceNotices) = try openSource(interface: interface, stop: stop)
            stylizer = try FrameStylizer(model: model, width: video.width, height: video.height, settings: settings)
            audio = try audioInput.map { try AudioCapture(spec: $0, clock: clock) }
            (sink, outputNotices, camera) = try makeSink(video: video, interface: interface, audio: audio, clock: clock)
        } catch where stop.isRequested {
            throw InterruptedError()
        }
        let notices = audioNotices(sourceNotices + outputNotices, audio: audio) + (stylizer.smoothingNotice.map { [$0] } ?? [])
        let liveSource = wire(source: source, video: video, audio: audio, clock: clock)
        let processor = wire(stylizer: stylizer, video: video)
        let pool = VideoFramePool(width: video.width, height: video.height)
        let started = Date()
        let outcome: FramePipeline.Outcome
        do {
            outcome = try await FramePipeline(queueDepth: queueDepth, inputPolicy: inputPolicy)
                .run(source: liveSource, processor: processor, sink: sink, pool: pool, stop: stop,
                     statistics: statistics, progress: progress)
        } catch is FramePipeline.StoppedBeforeFirstFrameError {
            throw InterruptedError()
        } catch let lost as FramePipeline.SourceLostBeforeFirstFrameError {
            throw OptionError("\(lost.reason) before the first frame; nothing was written")
        } catch is FramePipeline.NoFramesError {
            throw OptionError("\(input) gave no video frames; nothing was written")
        }
        var counts = statistics.snapshot
        if inputPolicy == .block {
            // The blocking path does not count captures: every frame the source gave was written.
            counts.captured = max(counts.captured, outcome.framesWritten)
        }
        return Summary(framesWritten: outcome.framesWritten, counts: counts,
                       latencyMedianMilliseconds: statistics.latencyPercentile(0.5),
                       latency95Milliseconds: statistics.latencyPercentile(0.95),
                       seconds: Date().timeIntervalSince(started), endReason: outcome.endReason,
                       notices: notices, video: video, sourceDescription: description, camera: camera?.snapshot,
                       changes: controls?.changes ?? [], audio: audio?.summary)
    }
}
