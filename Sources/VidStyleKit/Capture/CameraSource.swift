import Foundation

/// A camera as a pipeline source: dequeues on the decode stage's thread, converts each picture
/// to RGB and stamps it with the camera's own capture time.
///
/// **Timestamps** are the driver's `CLOCK_MONOTONIC` buffer stamps relative to the first frame,
/// in microseconds (`video.timeBase` 1/1000000), so the recording plays exactly as long as it
/// was captured however many frames are dropped later.
///
/// **Drops** by the camera or driver are counted from gaps in the buffers' sequence numbers,
/// plus pictures flagged damaged or that do not decode (they are skipped).
///
/// **Ends**: nil after `duration` seconds of capture time; `CameraError.lost` (a
/// `SourceLostError`) when the camera is unplugged, fails, or sends nothing for
/// `stallTimeout` (a few frame periods).
public final class CameraSource: MediaSource {
    public let camera: V4L2Camera
    public let mode: CaptureMode
    public let video: VideoStreamInfo
    public let duration: Double?
    /// Pictures the camera delivered (including damaged ones).
    public private(set) var framesCaptured = 0
    public private(set) var framesSkippedBySource = 0

    private let converter: CaptureConverter
    private var firstStamp: UInt64?
    private var lastSequence: UInt32?
    private var lastPts: Int64 = -1
    private let period: Int64
    private var pendingLoss: CameraError?

    /// Opens, configures and starts `path`.
    /// - Throws: `CameraError` (before any output exists, so nothing is left behind).
    public init(path: String, request: CaptureRequest, duration: Double?, interface: V4L2Interface) throws {
        let camera = try V4L2Camera(path: path, interface: interface)
        let mode = try camera.configure(request)
        converter = try CaptureConverter(mode: mode, bytesPerLine: camera.bytesPerLine)
        try camera.start()
        self.camera = camera
        self.mode = mode
        self.duration = duration
        period = Int64((1_000_000 / max(mode.framesPerSecond, 1)).rounded())
        video = VideoStreamInfo(width: mode.width, height: mode.height, timeBase: Rational(num: 1, den: 1_000_000),
                                averageFrameRate: Rational(framesPerSecond: mode.framesPerSecond),
                                colour: ColourDescription(primaries: 6, transfer: 6, matrix: 6, range: 1),
                                codecName: mode.format.userName)
    }

    /// How long to wait for a frame before calling the camera lost: a few frame periods, and
    /// longer for the first (cameras take a while to start).
    var stallTimeoutMilliseconds: Int32 {
        framesCaptured == 0 ? 3000 : Int32(max(500, 6_000 / max(mode.framesPerSecond, 1)))
    }

    public func next(pool: VideoFramePool) throws -> MediaItem? {
        if let pendingLoss {
            self.pendingLoss = nil
            throw pendingLoss
        }
        while true {
            let timeout = stallTimeoutMilliseconds
            guard let buffer = try camera.dequeue(timeoutMilliseconds: timeout) else {
                throw CameraError.lost(path: camera.path, reason: String(format: "no frame for %.1f s", Double(timeout) / 1000))
            }
            framesCaptured += 1
            if let last = lastSequence, buffer.sequence &- last > 1 {
                framesSkippedBySource += Int(buffer.sequence &- last &- 1)
            }
            lastSequence = buffer.sequence
            let stamp = buffer.monotonicNanoseconds ?? MonotonicClock.nanoseconds()
            let first = firstStamp ?? stamp
            firstStamp = first
            let pts = Int64(stamp >= first ? (stamp - first) / 1000 : 0)
            if let duration, Double(pts) / 1_000_000 >= duration {
                try camera.requeue(buffer)
                return nil
            }
            guard !buffer.damaged, pts > lastPts else {
                framesSkippedBySource += 1
                try camera.requeue(buffer)
                continue
            }
            let frame = pool.take()
            let converted = converter.convert(buffer.bytes, into: frame)
            do {
                try camera.requeue(buffer)
            } catch {
                // The picture in hand is good: hand it out and report the loss on the next call.
                pendingLoss = error
                if !converted { throw error }
            }
            guard converted else {
                pool.recycle(frame)
                framesSkippedBySource += 1
                continue
            }
            lastPts = pts
            frame.pts = pts
            frame.duration = period
            frame.captureTime = stamp
            return .video(frame)
        }
    }
}
