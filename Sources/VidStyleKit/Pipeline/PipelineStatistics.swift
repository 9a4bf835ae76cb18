import Synchronization

/// Counts what a live run did, as it happens, for the progress line and the closing summary:
/// frames captured, the frames the source skipped and those the pipeline had no time for, frames
/// written, and how long each written frame took from capture to the encoder.
///
/// Latencies go into a fixed histogram of 1 ms buckets (up to 10 s), so memory stays flat
/// however long a recording runs. Shared by the stages, hence the lock.
public final class PipelineStatistics: Sendable {
    public static let latencyBuckets = 10_001

    public struct Snapshot: Sendable, Equatable {
        /// Video frames the source handed out.
        public var captured = 0
        /// Frames the source or its device skipped (sequence gaps, damaged pictures).
        public var skippedBySource = 0
        /// Frames replaced by newer ones before the stylizer could take them.
        public var droppedStale = 0
        /// Frames stylized and written.
        public var written = 0
        public var dropped: Int { skippedBySource + droppedStale }
    }

    private struct State: ~Copyable {
        var snapshot = Snapshot()
        var latencyCounts = [Int](repeating: 0, count: PipelineStatistics.latencyBuckets)
        var latencySamples = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0.snapshot } }

    func recordCaptured(skippedBySource: Int) {
        state.withLock {
            $0.snapshot.captured += 1
            $0.snapshot.skippedBySource = skippedBySource
        }
    }

    func recordStaleDrop() {
        state.withLock { $0.snapshot.droppedStale += 1 }
    }

    func recordSkippedBySource(_ total: Int) {
        state.withLock { $0.snapshot.skippedBySource = total }
    }

    /// A frame reached the encoder; `captureTime` is its `VideoFrame.captureTime` (0: not live).
    func recordWritten(captureTime: UInt64, now: UInt64) {
        state.withLock {
            $0.snapshot.written += 1
            guard captureTime > 0 else { return }
            let milliseconds = now > captureTime ? Int((now - captureTime) / 1_000_000) : 0
            $0.latencyCounts[min(milliseconds, PipelineStatistics.latencyBuckets - 1)] += 1
            $0.latencySamples += 1
        }
    }

    /// The capture-to-encoder latency below which `fraction` of the written frames fall, in ms
    /// (nil before any live frame was written).
    public func latencyPercentile(_ fraction: Double) -> Int? {
        state.withLock { state -> Int? in
            guard state.latencySamples > 0 else { return nil }
            let rank = max(1, Int((fraction * Double(state.latencySamples)).rounded(.up)))
            var seen = 0
            for (milliseconds, count) in state.latencyCounts.enumerated() {
                seen += count
                if seen >= rank { return milliseconds }
            }
            return PipelineStatistics.latencyBuckets - 1
        }
    }
}
