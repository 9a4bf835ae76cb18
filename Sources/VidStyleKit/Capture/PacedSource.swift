import Foundation

/// Any FFmpeg input read as a live one (`--live`): frames come out no faster than their own
/// timestamps say, as `ffmpeg -re` reads, so a file or a lavfi generator behaves like a camera.
///
/// Each frame keeps its own pts (the stream's, shifted to start at 0) and is stamped with the
/// moment it was released as its capture time. Audio packets are not recorded live (the
/// microphone is not part of a live recording yet) and are counted in `audioPacketsDropped`.
/// A read that fails after the first frame is a lost source (`LiveInputLost`): the recording
/// keeps what it has.
public final class PacedSource: MediaSource {
    public let reader: VideoReader
    public let duration: Double?
    public private(set) var audioPacketsDropped = 0

    private let secondsPerTick: Double
    private var firstPts: Int64?
    private var startTime: UInt64 = 0
    private var framesRead = 0

    public struct LiveInputLost: SourceLostError {
        public var description: String
    }

    public init(reader: VideoReader, duration: Double?) {
        self.reader = reader
        self.duration = duration
        secondsPerTick = reader.video.timeBase.doubleValue ?? 0
    }

    public func next(pool: VideoFramePool) throws -> MediaItem? {
        while true {
            let item: MediaItem?
            do {
                item = try reader.next(pool: pool)
            } catch where framesRead > 0 {
                throw LiveInputLost(description: "\(reader.path) stopped: \(error)")
            }
            guard let item else { return nil }
            guard case .video(let frame) = item else {
                audioPacketsDropped += 1
                continue
            }
            let first = firstPts ?? frame.pts
            if firstPts == nil {
                firstPts = first
                startTime = MonotonicClock.nanoseconds()
            }
            let offset = Double(frame.pts - first) * secondsPerTick
            if let duration, offset >= duration {
                pool.recycle(frame)
                return nil
            }
            let due = startTime + UInt64(max(0, offset) * 1e9)
            let now = MonotonicClock.nanoseconds()
            if due > now { usleep(UInt32(min((due - now) / 1000, 10_000_000))) }
            frame.captureTime = MonotonicClock.nanoseconds()
            framesRead += 1
            return .video(frame)
        }
    }
}
