import Foundation
import Glibc

/// Reads live keys from a terminal on a thread of its own and hands each to `onKey`.
///
/// It switches the terminal to single-key mode (`TerminalMode`) for as long as it runs and
/// puts it back in `stop()`, at exit, or on a fatal signal. The thread waits in `poll` on the
/// terminal and on a pipe of its own, so `stop()` ends it at once; a terminal that goes away
/// (hang-up, end of input) ends it too, without stopping the recording. After Ctrl-Z and `fg`
/// (SIGCONT) it sets single-key mode again, in case the shell put its own settings back.
public final class TerminalKeyReader: @unchecked Sendable {
    private let mode: TerminalMode
    private let wake: (read: Int32, write: Int32)
    private let done = DispatchSemaphore(value: 0)
    private var stopped = false
    /// Resumed after Ctrl-Z: single-key mode again.
    private let resumed: DispatchSourceSignal

    /// - Parameters:
    ///   - descriptor: the terminal (standard input).
    ///   - onKey: called on the reader's thread for every key.
    /// - Throws: `TerminalMode.Failure` when the descriptor is not a terminal.
    public init(descriptor: Int32, onKey: @escaping @Sendable (LiveKey) -> Void) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TerminalMode.Failure(call: "pipe", errno: errno) }
        wake = (fds[0], fds[1])
        do {
            mode = try TerminalMode(descriptor: descriptor)
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        let mode = self.mode
        resumed = DispatchSource.makeSignalSource(signal: SIGCONT, queue: .global())
        resumed.setEventHandler { mode.reapply() }
        resumed.resume()
        let wakeRead = wake.read
        let done = self.done
        let thread = Thread {
            Self.readKeys(descriptor: descriptor, wake: wakeRead, onKey: onKey)
            done.signal()
        }
        thread.name = "vidstyle.keys"
        thread.start()
    }

    /// Ends the thread and restores the terminal. Safe to call more than once.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        resumed.cancel()
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        done.wait()
        mode.restore()
        close(wake.read)
        close(wake.write)
    }

    deinit { stop() }

    private static func readKeys(descriptor: Int32, wake: Int32, onKey: @Sendable (LiveKey) -> Void) {
        var decoder = KeyDecoder()
        var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        var bytes = [UInt8](repeating: 0, count: 64)
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let timeout = decoder.isWaiting ? KeyDecoder.escapeTimeoutMilliseconds : -1
            let ready = poll(&fds, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents != 0 { return }
            if ready == 0 {
                if let key = decoder.flush() { onKey(key) }
                continue
            }
            let count = read(descriptor, &bytes, bytes.count)
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if count <= 0 { return }  // hang-up or end of input: no more keys
            for byte in bytes[0..<count] {
                if let key = decoder.feed(byte) { onKey(key) }
            }
        }
    }
}
