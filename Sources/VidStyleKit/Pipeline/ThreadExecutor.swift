import Foundation

/// A serial executor that runs its jobs on one dedicated thread.
///
/// The cooperative pool has only as many threads as cores (2 here). A stage that blocks inside
/// C (decoding, encoding, a oneDNN forward pass) would hold one of them for its whole call and
/// starve the other stages, so every blocking stage actor runs on an executor of its own.
public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var thread: Thread?

    /// - Parameter name: the thread's name, shown by debuggers and `top -H`.
    public init(name: String) {
        // The thread keeps the executor alive until `shutdown()` lets its loop end.
        let thread = Thread { self.runLoop() }
        thread.name = name
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets the thread end once the jobs already queued have run. Call it when the actor that
    /// uses this executor has finished its work; jobs enqueued later are still run first.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping {
                condition.wait()
            }
            if jobs.isEmpty && stopping {
                condition.unlock()
                thread = nil
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedSerialExecutor())
        }
    }
}
