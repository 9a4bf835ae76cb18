import Glibc

/// Puts a terminal into the mode live keys need (each key arrives at once and is not echoed)
/// and guarantees its settings come back: when `restore()` runs, when the process exits
/// (`atexit`), and when a signal that would end it arrives (a crash: SIGSEGV, SIGBUS, SIGILL,
/// SIGFPE, SIGABRT, SIGTRAP; or SIGQUIT, SIGHUP). A shell left without echo after a crash is
/// the classic bug of programs that read single keys.
///
/// Signals still work as usual in the new mode (ISIG stays on), so Ctrl-C still stops the job
/// through its own handler, and output still gets its newlines translated (OPOST stays on).
///
/// The saved settings live in memory allocated once, before any handler is installed, so the
/// handlers only call `tcsetattr` (async-signal-safe) and then hand the signal on to whatever
/// handled it before (the Swift runtime's crash reporter, or the default action).
public final class TerminalMode: @unchecked Sendable {
    public let descriptor: Int32
    private var restored = false
    private var raw = termios()

    /// Saves `descriptor`'s settings and switches it to unbuffered input without echo.
    /// - Throws: `Failure` when it is not a terminal or its settings cannot be read or set.
    public init(descriptor: Int32) throws {
        var saved = termios()
        guard tcgetattr(descriptor, &saved) == 0 else { throw Failure(call: "tcgetattr", errno: errno) }
        self.descriptor = descriptor
        EmergencyRestore.arm(descriptor: descriptor, saved: saved)
        raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(descriptor, TCSANOW, &raw) == 0 else {
            let code = errno
            EmergencyRestore.disarm()
            throw Failure(call: "tcsetattr", errno: code)
        }
    }

    /// Sets the single-key mode again (after Ctrl-Z and `fg`, the shell may have put its own
    /// settings on the terminal). Does nothing once restored.
    public func reapply() {
        guard !restored else { return }
        tcsetattr(descriptor, TCSANOW, &raw)
    }

    /// Puts the saved settings back (once; later calls do nothing).
    public func restore() {
        guard !restored else { return }
        restored = true
        EmergencyRestore.restoreNow()
        EmergencyRestore.disarm()
    }

    deinit { restore() }

    public struct Failure: Error, CustomStringConvertible {
        public var call: String
        public var errno: Int32
        public var description: String { "\(call): \(String(cString: strerror(errno)))" }
    }
}

/// The process-wide part of `TerminalMode`: one saved terminal, and the signal and exit
/// handlers that put it back. Installed once per process, on first use.
enum EmergencyRestore {
    /// Signals whose default action ends the process. SIGINT and SIGTERM are left alone: the
    /// command turns them into a clean stop, after which the mode is restored normally.
    static let signals: [Int32] = [SIGQUIT, SIGHUP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]

    /// Memory the handlers read: allocated once, never freed, so no handler ever allocates or
    /// touches a Swift lazy global that is not yet made.
    struct Storage {
        var armed: Int32
        var descriptor: Int32
        var saved: termios
        var previous: (sigaction, sigaction, sigaction, sigaction, sigaction, sigaction, sigaction, sigaction)
    }

    nonisolated(unsafe) static let storage: UnsafeMutablePointer<Storage> = {
        let pointer = UnsafeMutablePointer<Storage>.allocate(capacity: 1)
        pointer.initialize(to: Storage(armed: 0, descriptor: -1, saved: termios(),
                                       previous: (sigaction(), sigaction(), sigaction(), sigaction(),
                                                  sigaction(), sigaction(), sigaction(), sigaction())))
        return pointer
    }()

    private static let installed: Void = {
        _ = storage
        atexit { EmergencyRestore.restoreNow() }
        withUnsafeMutableBytes(of: &storage.pointee.previous) { raw in
            let previous = raw.bindMemory(to: sigaction.self)
            for (i, number) in signals.enumerated() {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = { number in
                    EmergencyRestore.restoreNow()
                    EmergencyRestore.handOn(number)
                }
                sigemptyset(&action.sa_mask)
                action.sa_flags = 0
                sigaction(number, &action, &previous[i])
            }
        }
    }()

    static func arm(descriptor: Int32, saved: termios) {
        _ = installed
        storage.pointee.descriptor = descriptor
        storage.pointee.saved = saved
        storage.pointee.armed = 1
    }

    static func disarm() {
        storage.pointee.armed = 0
    }

    /// Async-signal-safe: one `tcsetattr`.
    static func restoreNow() {
        guard storage.pointee.armed != 0 else { return }
        tcsetattr(storage.pointee.descriptor, TCSANOW, &storage.pointee.saved)
    }

    /// Gives the signal to whoever had it before: their handler, or the default action, runs
    /// when this handler returns (a fault repeats; a sent signal is pending and delivered).
    static func handOn(_ number: Int32) {
        withUnsafeMutableBytes(of: &storage.pointee.previous) { raw in
            let previous = raw.bindMemory(to: sigaction.self)
            guard let i = signals.firstIndex(of: number) else { return }
            sigaction(number, &previous[i], nil)
        }
        raise(number)
    }
}
