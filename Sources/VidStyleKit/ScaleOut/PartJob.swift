import Foundation

/// Renders one part of an input (`vidstyle IN PARTFILE --part K/N`): paints the warm-up frames
/// before its range so the temporal smoothing enters it warm, writes only its own frames, video
/// only, with their original timestamps, and labels the file (`PartLabel`) for the joiner.
///
/// A part that did not write every frame of its range is discarded, never left to look
/// complete: rerunning that index is the whole repair.
public struct PartJob: Sendable {
    /// Input, PARTFILE, and how to paint and encode: the same as a whole run's.
    public var job: StylizeJob
    public var part: PartNumber
    public var warmup: Int
    /// `Fingerprint` of the settings that change the pictures; parts must agree on it.
    public var settingsDigest: String

    public init(job: StylizeJob, part: PartNumber, warmup: Int = PartPlan.defaultWarmup, settingsDigest: String) {
        self.job = job
        self.part = part
        self.warmup = warmup
        self.settingsDigest = settingsDigest
    }

    public struct Summary: Sendable {
        public var range: PartPlan.Range
        public var framesWritten: Int
        public var seconds: Double
        public var video: VideoStreamInfo
    }

    /// The part's frames did not all arrive (a decode that ended early, or a stop).
    struct IncompleteError: Error, CustomStringConvertible {
        var expected: Int, written: Int
        var description: String { "part wrote \(written) of its \(expected) frames; nothing was kept" }
    }

    /// How the join treats the audio, from the encoding options.
    public static func audioMode(_ encoding: EncodingOptions) -> String {
        encoding.keepAudio ? (encoding.reencodeAudio ? "re-encode" : "copy") : "none"
    }

    public func run(model: StyleModel, stop: StopSignal = StopSignal(),
                    progress: @escaping @Sendable (Int, Int?) -> Void = { _, _ in }) async throws -> Summary {
        try job.checkPaths()
        let index = try FrameIndex(path: job.inputPath)
        let range = try PartPlan(index: index, warmup: warmup).range(of: part)
        let reader = try VideoReader(input: MediaInput(job.inputPath), upright: !VideoWriter.storesRotation(path: job.outputPath),
                                     stop: stop)
        guard !reader.isStillImage, VideoWriter.storesVideo(path: job.outputPath),
              !VideoWriter.isSequencePattern((job.outputPath as NSString).lastPathComponent) else {
            throw OptionError("--part needs a video input and a video PARTFILE (.mp4, .mkv, .mov, .webm)")
        }
        let source = try PartSource(reader: reader, range: range)
        let scaled = try job.scale.map { try ScaledSource(source: source, video: reader.video, scale: $0) }
        let video = scaled?.video ?? reader.video
        let label = PartLabel(part: part, first: range.first, end: range.end, total: index.frames.count,
                              input: index.digest, settings: settingsDigest, audio: Self.audioMode(job.encoding))
        let writer = try VideoWriter(path: job.outputPath, video: video, tracks: [], options: job.encoding,
                                     metadata: [PartLabel.tag: label.text])
        let stylizer: FrameStylizer
        do {
            stylizer = try FrameStylizer(model: model, width: video.width, height: video.height, settings: job.settings)
        } catch {
            writer.discard()
            throw error
        }
        let sink = PartSink(writer: writer, startPts: range.startPts, expected: range.frameCount)
        let pool = VideoFramePool(width: video.width, height: video.height)
        let painted = range.frameCount + range.warmupFrames
        let started = Date()
        do {
            _ = try await FramePipeline(queueDepth: job.queueDepth).run(
                source: scaled ?? source, processor: stylizer, sink: sink, pool: pool, stop: stop,
                progress: { progress($0, painted) })
        } catch let error where stop.isRequested {
            _ = error
            throw InterruptedError()
        } catch is FramePipeline.StoppedBeforeFirstFrameError {
            throw InterruptedError()
        }
        var written = video
        written.width = writer.outputWidth
        written.height = writer.outputHeight
        return Summary(range: range, framesWritten: range.frameCount, seconds: Date().timeIntervalSince(started), video: written)
    }
}
