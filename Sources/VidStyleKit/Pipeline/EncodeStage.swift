/// Encodes and muxes on its own thread, gives written frames back to the pool, and reports
/// progress after every frame.
///
/// The file is completed by `finish()` only once every stage has succeeded; the pipeline
/// calls `discard()` instead when any stage failed, so no half-written file is left behind.
actor EncodeStage {
    private let executor = ThreadExecutor(name: "vidstyle.encode")
    private let sink: any MediaSink
    private let pool: VideoFramePool
    private(set) var framesWritten = 0

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    init(sink: sending any MediaSink, pool: VideoFramePool) {
        self.sink = sink
        self.pool = pool
    }

    /// Writes every item until the input ends.
    /// - Returns: the number of video frames written.
    func run<Input: AsyncSequence & Sendable>(from input: Input, statistics: PipelineStatistics,
                                              progress: @Sendable (Int) -> Void) async throws -> Int
    where Input.Element == MediaItem {
        for try await item in input {
            switch item {
            case .video(let frame):
                try sink.write(frame)
                statistics.recordWritten(captureTime: frame.captureTime, now: MonotonicClock.nanoseconds())
                pool.recycle(frame)
                framesWritten += 1
                progress(framesWritten)
            case .copied(let packet):
                try sink.write(packet)
            }
        }
        return framesWritten
    }

    func finish() throws {
        defer { executor.shutdown() }
        try sink.finish()
    }

    func discard() {
        defer { executor.shutdown() }
        sink.discard()
    }
}
