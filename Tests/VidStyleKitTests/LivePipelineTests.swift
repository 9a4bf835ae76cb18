import Foundation
import Synchronization
import Testing
@testable import VidStyleKit

/// The newest-frame-wins pipeline of live sources, with fake stages.
@Suite struct LivePipelineTests {
    /// A source at a fixed real-time rate that stamps capture times, as a camera does.
    final class TickingSource: MediaSource {
        let count: Int
        let interval: useconds_t
        let loseAt: Int?
        private(set) var produced = 0
        struct Lost: SourceLostError { var description: String { "camera lost: test" } }

        init(count: Int, interval: useconds_t, loseAt: Int? = nil) {
            self.count = count
            self.interval = interval
            self.loseAt = loseAt
        }

        func next(pool: VideoFramePool) throws -> MediaItem? {
            if produced == loseAt { throw Lost() }
            guard produced < count else { return nil }
            usleep(interval)
            let frame = pool.take()
            frame.pts = Int64(produced)
            frame.captureTime = MonotonicClock.nanoseconds()
            produced += 1
            return .video(frame)
        }
    }

    final class SlowProcessor: FrameProcessor {
        let delay: useconds_t
        init(delay: useconds_t) { self.delay = delay }
        func process(_ frame: VideoFrame) throws { usleep(delay) }
    }

    final class RecordingSink: MediaSink, @unchecked Sendable {
        let pts = Mutex<[Int64]>([])
        let state = Mutex<String>("open")
        func write(_ frame: VideoFrame) throws { pts.withLock { $0.append(frame.pts) } }
        func write(_ packet: CopiedPacket) throws {}
        func finish() throws { state.withLock { $0 = "finished" } }
        func discard() { state.withLock { $0 = "discarded" } }
    }

    @Test func aSlowStylizerDropsStaleFramesInsteadOfQueueingThem() async throws {
        let sink = RecordingSink()
        let statistics = PipelineStatistics()
        // 200 frames every 2 ms; painting takes 10 ms: most must be dropped, none queued for long.
        let outcome = try await FramePipeline(queueDepth: 1, inputPolicy: .dropOldest)
            .run(source: TickingSource(count: 200, interval: 2000), processor: SlowProcessor(delay: 10_000), sink: sink,
                 pool: VideoFramePool(width: 8, height: 8), stop: StopSignal(), statistics: statistics)
        let written = sink.pts.withLock { $0 }
        let counts = statistics.snapshot
        #expect(outcome.endReason == .endOfInput)
        #expect(counts.captured == 200)
        #expect(counts.written == written.count)
        #expect(counts.droppedStale + counts.written == 200)
        #expect(counts.droppedStale > 100, "\(counts)")
        #expect(written == written.sorted() && Set(written).count == written.count)
        #expect(statistics.latencyPercentile(0.5) != nil)
        #expect(sink.state.withLock { $0 } == "finished")
    }

    @Test func aLostSourceFinishesTheFileWithWhatWasRecorded() async throws {
        let sink = RecordingSink()
        let outcome = try await FramePipeline(queueDepth: 1, inputPolicy: .dropOldest)
            .run(source: TickingSource(count: 100, interval: 1000, loseAt: 12), processor: SlowProcessor(delay: 0), sink: sink,
                 pool: VideoFramePool(width: 8, height: 8), stop: StopSignal())
        #expect(outcome.endReason == .sourceLost("camera lost: test"))
        #expect(outcome.framesWritten > 0)
        #expect(sink.state.withLock { $0 } == "finished")
    }

    @Test func stopBeforeTheFirstFrameWritesNothing() async throws {
        let stop = StopSignal()
        stop.request()
        let sink = RecordingSink()
        await #expect(throws: FramePipeline.StoppedBeforeFirstFrameError.self) {
            _ = try await FramePipeline(inputPolicy: .dropOldest)
                .run(source: TickingSource(count: 10, interval: 0), processor: SlowProcessor(delay: 0), sink: sink,
                     pool: VideoFramePool(width: 8, height: 8), stop: stop)
        }
        #expect(sink.state.withLock { $0 } == "discarded")
    }

    @Test func latencyPercentilesComeFromTheHistogram() {
        let statistics = PipelineStatistics()
        let now: UInt64 = 100_000_000_000
        for ms in [10, 20, 30, 40, 1000] {
            statistics.recordWritten(captureTime: now - UInt64(ms) * 1_000_000, now: now)
        }
        #expect(statistics.latencyPercentile(0.5) == 30)
        #expect(statistics.latencyPercentile(0.95) == 1000)
        statistics.recordWritten(captureTime: 0, now: now)  // a file frame: counted, no latency
        #expect(statistics.snapshot.written == 6)
        #expect(statistics.latencyPercentile(0.5) == 30)
    }
}
