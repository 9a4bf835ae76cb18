import Foundation

/// Makes something on a thread of lower scheduling priority, so the threads it starts inherit
/// that priority: Linux keeps the nice value per thread, and a new thread takes its creator's.
///
/// Used for the recording beside a virtual camera (`--to-camera`): x264 starts its encoder
/// threads when the encoder opens, and at the same priority they take cores from the stylizer's
/// oneDNN threads mid-pass, where one thread held up stalls the other at the next barrier. At a
/// lower priority they run in the gaps instead (raising a nice value needs no privilege).
enum BackgroundPriority {
    /// Runs `body` on a new thread whose nice value is `niceness` above the caller's, waits for
    /// it, and returns what it made (or throws what it threw).
    static func make<T>(niceness: Int32, _ body: @escaping () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let body = body
        let thread = Thread {
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            // Who 0 is the calling thread on Linux.
            _ = setpriority(which, 0, getpriority(which, 0) + niceness)
            box.result = Result { try body() }
            done.signal()
        }
        thread.name = "vidstyle.background-start"
        thread.start()
        done.wait()
        return try box.result!.get()
    }
}

/// What the starting thread made, handed back once it signalled (the semaphore orders it).
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
