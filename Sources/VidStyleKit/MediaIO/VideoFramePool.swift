import Synchronization

/// Recycles `VideoFrame`s of one size so that the per-frame path allocates nothing once the
/// pipeline is full: the decoder takes a frame, the encoder gives it back when it is written.
public final class VideoFramePool: Sendable {
    public let width: Int
    public let height: Int
    private let free: Mutex<[VideoFrame]>
    private let limit: Int

    /// - Parameter limit: frames kept for reuse; more may be in flight, but only this many wait.
    public init(width: Int, height: Int, limit: Int = 16) {
        self.width = width
        self.height = height
        self.limit = limit
        self.free = Mutex([])
    }

    /// A frame of the pool's size: a recycled one when available, else a new one.
    public func take() -> VideoFrame {
        if let frame = free.withLock({ $0.popLast() }) { return frame }
        return VideoFrame(width: width, height: height)
    }

    /// Returns a frame for reuse; frames of another size are dropped.
    public func recycle(_ frame: VideoFrame) {
        guard frame.width == width, frame.height == height else { return }
        free.withLock { frames in
            if frames.count < limit { frames.append(frame) }
        }
    }

    /// Frames waiting to be reused (for tests and diagnostics).
    public var idleCount: Int { free.withLock { $0.count } }
}
