import Synchronization

/// A request to stop reading new frames and finish the output with what is done so far.
///
/// Set from a signal handler (Ctrl-C, SIGTERM) or a test; the decode stage checks it before
/// every read, so the stages behind it drain and the file is finished playable.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func request() {
        flag.store(true, ordering: .relaxed)
    }

    public var isRequested: Bool {
        flag.load(ordering: .relaxed)
    }
}
