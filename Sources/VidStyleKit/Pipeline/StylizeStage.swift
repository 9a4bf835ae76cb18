import AsyncAlgorithms

/// Paints each video frame on its own thread (oneDNN blocks for the whole forward pass) and
/// passes audio packets through untouched, in order.
actor StylizeStage {
    private let executor = ThreadExecutor(name: "vidstyle.stylize")
    private let processor: any FrameProcessor

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    init(processor: sending any FrameProcessor) {
        self.processor = processor
    }

    func run<Input: AsyncSequence & Sendable>(from input: Input, into output: AsyncChannel<MediaItem>) async throws
    where Input.Element == MediaItem {
        defer {
            output.finish()
            executor.shutdown()
        }
        for try await item in input {
            if case .video(let frame) = item {
                try processor.process(frame)
            }
            await output.send(item)
            if Task.isCancelled { return }
        }
    }
}
