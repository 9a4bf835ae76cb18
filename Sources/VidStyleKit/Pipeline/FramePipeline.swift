import AsyncAlgorithms
import Foundation

/// Runs decode → stylize → encode as three actors on their own threads, joined by bounded
/// channels, and completes the output only if every stage succeeded.
///
/// It knows nothing of FFmpeg or oneDNN: sources, processors and sinks are protocols, so tests
/// drive it with fakes (as swift-nio tests handlers in an embedded channel).
public struct FramePipeline: Sendable {
    /// What happens when the stylizer is slower than the source.
    public enum InputPolicy: Sendable, Equatable {
        /// The source waits (files: every frame is kept).
        case block
        /// The newest frame wins and waiting ones are dropped and counted (live sources, which
        /// cannot wait: a queue would only add latency).
        case dropOldest
    }

    /// Frames waiting between two stages, besides the one each stage holds. Small, so memory
    /// stays flat however long the video is.
    public var queueDepth: Int
    public var inputPolicy: InputPolicy
    /// Whether a stopped run still completes its output with the frames done so far. A folder
    /// run turns this off: there a file that exists must be whole, or a rerun would skip it.
    public var keepsStoppedOutput: Bool

    public init(queueDepth: Int = 2, inputPolicy: InputPolicy = .block, keepsStoppedOutput: Bool = true) {
        self.queueDepth = queueDepth
        self.inputPolicy = inputPolicy
        self.keepsStoppedOutput = keepsStoppedOutput
    }

    /// The source ended without a single video frame (an empty or badly damaged input); the
    /// output is discarded, as a file without pictures would only look like a result.
    public struct NoFramesError: Error {}

    /// The stop signal came before any frame was written; the output is discarded.
    public struct StoppedBeforeFirstFrameError: Error {}

    /// The stop signal ended the input early and `keepsStoppedOutput` is off; the output is
    /// discarded.
    public struct StoppedIncompleteError: Error {}

    /// A live source failed before any frame was written; the output is discarded.
    public struct SourceLostBeforeFirstFrameError: Error {
        public var reason: String
    }

    /// What a run did.
    public struct Outcome: Sendable, Equatable {
        public var framesWritten: Int
        public var endReason: EndReason
        /// The stop signal ended the input early; the output holds the frames done so far.
        public var stoppedEarly: Bool { endReason == .stopRequested }
    }

    /// Runs the stages to the end of the source (or until `stop` is requested, or a live
    /// source is lost).
    /// - Throws: the first stage error; the sink is then discarded.
    public func run(source: sending any MediaSource, processor: sending any FrameProcessor,
                    sink: sending any MediaSink, pool: VideoFramePool, stop: StopSignal,
                    statistics: PipelineStatistics = PipelineStatistics(),
                    progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> Outcome {
        let decode = DecodeStage(source: source, pool: pool)
        let stylize = StylizeStage(processor: processor)
        let encode = EncodeStage(sink: sink, pool: pool)
        let painted = AsyncChannel<MediaItem>()
        let depth = queueDepth
        let policy = inputPolicy

        enum StageResult: Sendable {
            case decoded(EndReason)
            case painted
            case written(Int)
        }
        var outcome = Outcome(framesWritten: 0, endReason: .endOfInput)
        do {
            try await withThrowingTaskGroup(of: StageResult.self) { group in
                switch policy {
                case .block:
                    let decoded = AsyncChannel<MediaItem>()
                    group.addTask { .decoded(try await decode.run(into: decoded, stop: stop)) }
                    group.addTask {
                        try await stylize.run(from: decoded.buffer(policy: .bounded(depth)), into: painted)
                        return .painted
                    }
                case .dropOldest:
                    let (frames, continuation) = AsyncStream.makeStream(of: MediaItem.self,
                                                                        bufferingPolicy: .bufferingNewest(max(1, depth)))
                    group.addTask { .decoded(try await decode.runLive(into: continuation, stop: stop, statistics: statistics).get()) }
                    group.addTask {
                        try await stylize.run(from: frames, into: painted)
                        return .painted
                    }
                }
                group.addTask {
                    .written(try await encode.run(from: painted.buffer(policy: .bounded(depth)), statistics: statistics,
                                                  progress: progress))
                }
                for try await result in group {
                    switch result {
                    case .decoded(let reason): outcome.endReason = reason
                    case .painted: break
                    case .written(let count): outcome.framesWritten = count
                    }
                }
            }
            try Task.checkCancellation()
            if outcome.framesWritten == 0 {
                if outcome.endReason == .stopRequested { throw StoppedBeforeFirstFrameError() }
                if case .sourceLost(let reason) = outcome.endReason { throw SourceLostBeforeFirstFrameError(reason: reason) }
                throw NoFramesError()
            }
            if outcome.endReason == .stopRequested && !keepsStoppedOutput { throw StoppedIncompleteError() }
            try await encode.finish()
        } catch {
            await encode.discard()
            throw error
        }
        return outcome
    }
}
