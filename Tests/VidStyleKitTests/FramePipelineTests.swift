import Foundation
import Synchronization
import Testing
@testable import VidStyleKit

/// Drives the pipeline with fake stages: no FFmpeg, no oneDNN.
@Suite struct FramePipelineTests {
    struct Failure: Error {}

    final class CountingSource: MediaSource {
        let count: Int
        let failAt: Int?
        let stopAt: (Int, StopSignal)?
        private(set) var produced = 0

        init(count: Int, failAt: Int? = nil, stopAt: (Int, StopSignal)? = nil) {
            self.count = count
            self.failAt = failAt
            self.stopAt = stopAt
        }

        func next(pool: VideoFramePool) throws -> MediaItem? {
            if produced == failAt { throw Failure() }
            guard produced < count else { return nil }
            if let (at, stop) = stopAt, produced == at { stop.request() }
            let frame = pool.take()
            frame.pts = Int64(produced * 1000 + produced * produced)  // irregular: never a fixed rate
            frame.row(0)[0] = UInt8(produced % 256)
            produced += 1
            return .video(frame)
        }
    }

    final class InvertingProcessor: FrameProcessor {
        let delay: useconds_t
        init(delay: useconds_t = 0) { self.delay = delay }
        func process(_ frame: VideoFrame) throws {
            if delay > 0 { usleep(delay) }
            frame.row(0)[1] = 255 &- frame.row(0)[0]
        }
    }

    final class RecordingSink: MediaSink, @unchecked Sendable {
        struct Record: Equatable { var pts: Int64; var first: UInt8; var painted: UInt8 }
        let records = Mutex<[Record]>([])
        let state = Mutex<String>("open")
        let failAt: Int?
        init(failAt: Int? = nil) { self.failAt = failAt }
        func write(_ frame: VideoFrame) throws {
            let n = records.withLock { $0.count }
            if n == failAt { throw Failure() }
            records.withLock { $0.append(Record(pts: frame.pts, first: frame.row(0)[0], painted: frame.row(0)[1])) }
        }
        func write(_ packet: CopiedPacket) throws {}
        func finish() throws { state.withLock { $0 = "finished" } }
        func discard() { state.withLock { $0 = "discarded" } }
    }

    @Test func everyFrameArrivesOnceInOrderWithItsTimestamp() async throws {
        let sink = RecordingSink()
        let pool = VideoFramePool(width: 16, height: 8)
        let outcome = try await FramePipeline().run(source: CountingSource(count: 40), processor: InvertingProcessor(),
                                                    sink: sink, pool: pool, stop: StopSignal())
        #expect(outcome == .init(framesWritten: 40, endReason: .endOfInput))
        let records = sink.records.withLock { $0 }
        let expectedTimes: [Int64] = (0..<40).map { (n: Int) -> Int64 in Int64(n * 1000 + n * n) }
        #expect(records.map(\.pts) == expectedTimes)
        #expect(records.allSatisfy { $0.painted == 255 &- $0.first })
        #expect(sink.state.withLock { $0 } == "finished")
    }

    /// A slow stylizer pushes back: frames are recycled, so the pool never grows past the
    /// few frames the bounded queues hold.
    @Test func slowStageBoundsFramesInFlight() async throws {
        let pool = VideoFramePool(width: 16, height: 8, limit: 64)
        let sink = RecordingSink()
        _ = try await FramePipeline(queueDepth: 2).run(source: CountingSource(count: 60), processor: InvertingProcessor(delay: 2000),
                                                       sink: sink, pool: pool, stop: StopSignal())
        // Frames ever created = frames idle in the pool at the end (all were recycled).
        #expect(pool.idleCount <= 10, "pool grew to \(pool.idleCount) frames for a 60-frame clip")
        #expect(sink.records.withLock { $0.count } == 60)
    }

    @Test func sourceFailureDiscardsTheOutput() async {
        let sink = RecordingSink()
        await #expect(throws: Failure.self) {
            _ = try await FramePipeline().run(source: CountingSource(count: 40, failAt: 10), processor: InvertingProcessor(),
                                              sink: sink, pool: VideoFramePool(width: 8, height: 8), stop: StopSignal())
        }
        #expect(sink.state.withLock { $0 } == "discarded")
    }

    @Test func sinkFailureStopsEveryStageAndDiscards() async {
        let sink = RecordingSink(failAt: 5)
        await #expect(throws: Failure.self) {
            _ = try await FramePipeline().run(source: CountingSource(count: 10_000), processor: InvertingProcessor(),
                                              sink: sink, pool: VideoFramePool(width: 8, height: 8), stop: StopSignal())
        }
        #expect(sink.state.withLock { $0 } == "discarded")
    }

    /// Ctrl-C: the frames read so far are painted and the file is finished, not discarded.
    @Test func stopFinishesWithTheFramesDone() async throws {
        let stop = StopSignal()
        let sink = RecordingSink()
        let outcome = try await FramePipeline().run(source: CountingSource(count: 1000, stopAt: (25, stop)),
                                                    processor: InvertingProcessor(), sink: sink,
                                                    pool: VideoFramePool(width: 8, height: 8), stop: stop)
        #expect(outcome.stoppedEarly)
        #expect(outcome.framesWritten == 26)
        #expect(sink.state.withLock { $0 } == "finished")
    }

    /// A folder run: a stop in the middle of a file discards it, so no output under its final
    /// name is ever partial.
    @Test func stopWithoutKeepingDiscardsTheOutput() async {
        let stop = StopSignal()
        let sink = RecordingSink()
        await #expect(throws: FramePipeline.StoppedIncompleteError.self) {
            _ = try await FramePipeline(keepsStoppedOutput: false).run(source: CountingSource(count: 1000, stopAt: (25, stop)),
                                                                      processor: InvertingProcessor(), sink: sink,
                                                                      pool: VideoFramePool(width: 8, height: 8), stop: stop)
        }
        #expect(sink.state.withLock { $0 } == "discarded")
    }

    /// A source without a single frame is an error, not an empty file that looks like a result.
    @Test func noFramesIsAnErrorAndDiscards() async {
        let sink = RecordingSink()
        await #expect(throws: FramePipeline.NoFramesError.self) {
            _ = try await FramePipeline().run(source: CountingSource(count: 0), processor: InvertingProcessor(),
                                              sink: sink, pool: VideoFramePool(width: 8, height: 8), stop: StopSignal())
        }
        #expect(sink.state.withLock { $0 } == "discarded")
    }
}
