import AsyncAlgorithms

/// Reads frames and audio packets from a source on its own thread and sends them on.
///
/// The channel it sends into is bounded, so when the stylizer is slower the decoder waits
/// instead of filling memory.
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
    /// - Returns: whether it stopped early because `stop` was requested.
    func run(into channel: AsyncChannel<MediaItem>, stop: StopSignal) async throws -> Bool {
        defer {
            channel.finish()
            executor.shutdown()
        }
        while !Task.isCancelled {
            if stop.isRequested { return true }
            guard let item = try source.next(pool: pool) else { return false }
            await channel.send(item)
        }
        return false
    }
}
