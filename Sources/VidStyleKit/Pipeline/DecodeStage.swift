import AsyncAlgorithms

/// Reads frames and audio packets from a source on its own thread and sends them on.
///
/// From a file, the channel it sends into is bounded, so when the stylizer is slower the
/// decoder waits instead of filling memory. From a live source, which cannot be paused, it
/// never waits: the newest frame replaces the oldest waiting one, and each replaced frame is
/// counted and given back to the pool, so latency and memory stay flat.
actor DecodeStage {
    private let executor = ThreadExecutor(name: "vidstyle.decode")
    private let source: any MediaSource
    private let pool: VideoFramePool

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    init(source: sending any MediaSource, pool: VideoFramePool) {
        self.source = source
        self.pool = pool
    }

    /// Sends every item, then finishes the channel (also when it fails or is stopped).
    func run(into channel: AsyncChannel<MediaItem>, stop: StopSignal) async throws -> EndReason {
        defer {
            channel.finish()
            executor.shutdown()
        }
        while !Task.isCancelled {
            if stop.isRequested { return .stopRequested }
            let item: MediaItem?
            do {
                item = try source.next(pool: pool)
            } catch where stop.isRequested {
                // A blocking read the stop interrupted (FFmpeg's interrupt callback).
                return .stopRequested
            }
            guard let item else { return stop.isRequested ? .stopRequested : .endOfInput }
            await channel.send(item)
        }
        return .endOfInput
    }

    /// Yields every item into a newest-wins stream without ever waiting for the stylizer.
    /// A `SourceLostError` ends the run as `.sourceLost` instead of failing it, so the frames
    /// recorded so far are kept.
    func runLive(into continuation: AsyncStream<MediaItem>.Continuation, stop: StopSignal,
                 statistics: PipelineStatistics) -> Result<EndReason, any Error> {
        defer {
            continuation.finish()
            executor.shutdown()
        }
        while !Task.isCancelled {
            if stop.isRequested { return .success(.stopRequested) }
            let item: MediaItem?
            do {
                item = try source.next(pool: pool)
            } catch let lost as any SourceLostError {
                statistics.recordSkippedBySource(source.framesSkippedBySource)
                // A read cut short by the stop (a camera that gave nothing yet) is the stop's doing.
                return .success(stop.isRequested ? .stopRequested : .sourceLost(lost.description))
            } catch {
                return stop.isRequested ? .success(.stopRequested) : .failure(error)
            }
            guard let item else {
                statistics.recordSkippedBySource(source.framesSkippedBySource)
                return .success(stop.isRequested ? .stopRequested : .endOfInput)
            }
            if case .video = item { statistics.recordCaptured(skippedBySource: source.framesSkippedBySource) }
            if case .dropped(let stale) = continuation.yield(item), case .video(let frame) = stale {
                statistics.recordStaleDrop()
                pool.recycle(frame)
            }
        }
        return .success(.endOfInput)
    }
}
