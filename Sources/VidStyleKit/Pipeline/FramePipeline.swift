import AsyncAlgorithms
import Foundation

/// Runs decode → stylize → encode as three actors on their own threads, joined by bounded
/// channels, and completes the output only if every stage succeeded.
///
/// It knows nothing of FFmpeg or oneDNN: sources, processors and sinks are protocols, so tests
/// drive it with fakes (as swift-nio tests handlers in an embedded channel).
public struct FramePipeline: Sendable {
    /// Frames waiting between two stages, besides the one each stage holds. Small, so memory
    /// stays flat however long the video is.
    public var queueDepth: Int

    public init(queueDepth: Int = 2) {
        self.queueDepth = queueDepth
    }

    /// The source ended without a single video frame (an empty or badly damaged input); the
    /// output is discarded, as a file without pictures would only look like a result.
    public struct NoFramesError: Error {}

    /// What a run did.
    public struct Outcome: Sendable, Equatable {
        public var framesWritten: Int
        /// The stop signal ended the input early; the output holds the frames done so far.
        public var stoppedEarly: Bool
    }

    /// Runs the stages to the end of the source (or until `stop` is requested).
    /// - Throws: the first stage error; the sink is then discarded.
    public func run(source: sending any MediaSource, processor: sending any FrameProcessor,
                    sink: sending any MediaSink, pool: VideoFramePool, stop: StopSignal,
                    progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> Outcome {
        let decode = DecodeStage(source: source, pool: pool)
        let stylize = StylizeStage(processor: processor)
        let encode = EncodeStage(sink: sink, pool: pool)
        let decoded = AsyncChannel<MediaItem>()
        let painted = AsyncChannel<MediaItem>()
        let depth = queueDepth

        enum StageResult: Sendable {
            case decoded(stoppedEarly: Bool)
            case painted
            case written(Int)
        }
        var outcome = Outcome(framesWritten: 0, stoppedEarly: false)
        do {
            try await withThrowingTaskGroup(of: StageResult.self) { group in
                group.addTask {
                    .decoded(stoppedEarly: try await decode.run(into: decoded, stop: stop))
                }
                group.addTask {
                    try await stylize.run(from: decoded.buffer(policy: .bounded(depth)), into: painted)
                    return .painted
                }
                group.addTask {
                    .written(try await encode.run(from: painted.buffer(policy: .bounded(depth)), progress: progress))
                }
                for try await result in group {
                    switch result {
                    case .decoded(let early): outcome.stoppedEarly = early
                    case .painted: break
                    case .written(let count): outcome.framesWritten = count
                    }
                }
            }
            try Task.checkCancellation()
            if outcome.framesWritten == 0 { throw NoFramesError() }
            try await encode.finish()
        } catch {
            await encode.discard()
            throw error
        }
        return outcome
    }
}
