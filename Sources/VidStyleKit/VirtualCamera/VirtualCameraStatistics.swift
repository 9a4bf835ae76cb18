import Synchronization

/// Counts what a virtual camera was given, as it happens: newly painted frames, the last one
/// repeated while the stylizer was busy, blank frames before the first painting, the fewest
/// frames in any whole second, the capture-to-camera latency of painted frames, and when and why
/// the device stopped taking frames. Shared by the camera's writer thread and the job, hence
/// the lock.
public final class VirtualCameraStatistics: Sendable {
    /// What kind of frame a write carried.
    public enum Delivery: Sendable {
        /// A frame the stylizer painted since the last write.
        case painted
        /// The last painted frame again: the stylizer had nothing newer at the frame's time.
        case repeated
        /// Black, before the first painted frame (the model still starting).
        case blank
    }

    public struct Snapshot: Sendable, Equatable {
        public var path: String
        public var format: OutputFormat?
        public var painted = 0
        public var repeated = 0
        public var blank = 0
        /// Painted frames replaced by a newer one before their write (the writer was late).
        public var superseded = 0
        /// From the first write to the last.
        public var seconds = 0.0
        /// The fewest frames written in any whole second counted from the first write (nil
        /// before one second has passed).
        public var lowestPerSecond: Int?
        public var latencyMedianMilliseconds: Int?
        public var latency95Milliseconds: Int?
        /// When (seconds after the first write) and why the device stopped taking frames.
        public var stoppedAfterSeconds: Double?
        public var stopReason: String?

        public var delivered: Int { painted + repeated + blank }
        public var framesPerSecond: Double { seconds > 0 ? Double(max(delivered - 1, 0)) / seconds : 0 }
    }

    private struct State: ~Copyable {
        var snapshot: Snapshot
        var latency = LatencyHistogram()
        var first: UInt64?
        var second = 0
        var inSecond = 0
    }

    private let state: Mutex<State>

    public init(path: String) {
        state = Mutex(State(snapshot: Snapshot(path: path)))
    }

    public var snapshot: Snapshot {
        state.withLock { state in
            var snapshot = state.snapshot
            snapshot.latencyMedianMilliseconds = state.latency.percentile(0.5)
            snapshot.latency95Milliseconds = state.latency.percentile(0.95)
            return snapshot
        }
    }

    func recordFormat(_ format: OutputFormat) {
        state.withLock { $0.snapshot.format = format }
    }

    /// A frame went to the device at `now`; `captureTime` is a painted frame's capture time.
    func recordWrite(_ delivery: Delivery, captureTime: UInt64, now: UInt64) {
        state.withLock { state in
            switch delivery {
            case .painted:
                state.snapshot.painted += 1
                if captureTime > 0 { state.latency.record(nanoseconds: now > captureTime ? now - captureTime : 0) }
            case .repeated: state.snapshot.repeated += 1
            case .blank: state.snapshot.blank += 1
            }
            let first = state.first ?? now
            state.first = first
            state.snapshot.seconds = Double(now - first) / 1e9
            let second = Int((now - first) / 1_000_000_000)
            if second != state.second {
                // The second that just ended, and any with no write at all, are complete.
                let lowest = second > state.second + 1 ? 0 : state.inSecond
                state.snapshot.lowestPerSecond = min(state.snapshot.lowestPerSecond ?? lowest, lowest)
                state.second = second
                state.inSecond = 0
            }
            state.inSecond += 1
        }
    }

    func recordSuperseded() {
        state.withLock { $0.snapshot.superseded += 1 }
    }

    func recordStop(reason: String, now: UInt64) {
        state.withLock { state in
            state.snapshot.stoppedAfterSeconds = Double(now - (state.first ?? now)) / 1e9
            state.snapshot.stopReason = reason
        }
    }
}
