import Synchronization

/// A request to stop reading new frames and finish the output with what is done so far.
///
/// Set from a signal handler (Ctrl-C, SIGTERM) or a test; the decode stage checks it before
/// every read, and FFmpeg polls it (`pollFromFFmpeg()`) while it blocks in an open or a read,
/// so the stages behind it drain and the file is finished playable.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    private let onPoll: (@Sendable (StopSignal) -> Void)?

    public init() {
        onPoll = nil
    }

    /// A signal that runs `onPoll` each time FFmpeg's interrupt callback asks whether to give
    /// up, before it answers: a test (or `VIDSTYLE_TEST_STOP_DURING_OPEN`) can make a stop arrive
    /// inside an open at a known point instead of by timing a signal.
    public init(onPoll: @escaping @Sendable (StopSignal) -> Void) {
        self.onPoll = onPoll
    }

    public func request() {
        flag.store(true, ordering: .relaxed)
    }

    public var isRequested: Bool {
        flag.load(ordering: .relaxed)
    }

    /// What FFmpeg's interrupt callback answers: whether to abandon the blocking call.
    func pollFromFFmpeg() -> Bool {
        onPoll?(self)
        return isRequested
    }
}
