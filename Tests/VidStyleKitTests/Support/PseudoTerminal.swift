import Foundation
import Glibc

/// A pseudo-terminal pair for tests of terminal handling: the slave side plays the user's
/// terminal (a program's standard input), the master side types into it.
final class PseudoTerminal {
    let master: Int32
    let slave: Int32
    let slavePath: String

    // glibc declares these only for _XOPEN_SOURCE, which Swift's Glibc module does not set.
    private typealias OpenFunction = @convention(c) (Int32) -> Int32
    private typealias NameFunction = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
    private static func function<T>(_ name: String, as type: T.Type) -> T {
        unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)!, to: type)
    }

    init() throws {
        let openpt = Self.function("posix_openpt", as: OpenFunction.self)
        let grantpt = Self.function("grantpt", as: OpenFunction.self)
        let unlockpt = Self.function("unlockpt", as: OpenFunction.self)
        let ptsname = Self.function("ptsname", as: NameFunction.self)
        master = openpt(O_RDWR | O_NOCTTY)
        guard master >= 0, grantpt(master) == 0, unlockpt(master) == 0, let name = ptsname(master) else {
            throw TestMediaError("cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        slavePath = String(cString: name)
        slave = open(slavePath, O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw TestMediaError("cannot open \(slavePath)") }
    }

    deinit {
        close(slave)
        close(master)
    }

    /// The terminal's settings as the slave side has them now.
    var settings: termios {
        var t = termios()
        tcgetattr(slave, &t)
        return t
    }

    /// Whether lines are cooked and echoed (a shell's terminal) rather than single keys.
    var isCooked: Bool {
        settings.c_lflag & tcflag_t(ICANON | ECHO) == tcflag_t(ICANON | ECHO)
    }

    func type(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, text.utf8.count) }
    }

    /// Everything the program wrote to the terminal so far (without waiting).
    func drain() -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 0) > 0 else { break }
            let count = read(master, &buffer, buffer.count)
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits up to `seconds` for `condition`.
    static func wait(_ seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}
