import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with a clean signal state, its standard output and error read as
/// lines.
///
/// Foundation's `Process` starts the child with the spawning thread's signal mask, and the
/// threads Swift concurrency and Dispatch run on block SIGINT and SIGTERM: a learner started that
/// way never sees Ctrl-C (it finished its whole budget in a test that stopped it). Here the child
/// gets an empty mask and default handlers, as a shell would give it.
final class ChildProcess {
    let pid: pid_t
    private let output: FileHandle

    /// Starts `executable` with `arguments` and `environment`; stdout and stderr share one pipe.
    init(executable: String, arguments: [String], environment: [String: String]) throws {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw OptionError("cannot start \(executable): no pipe (\(String(cString: strerror(errno))))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        close(pipeEnds[1])
        guard status == 0 else {
            close(pipeEnds[0])
            throw OptionError("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        output = FileHandle(fileDescriptor: pipeEnds[0], closeOnDealloc: true)
    }

    /// Calls `line` for each line the child prints, until it closes its output.
    func readLines(_ line: (String) -> Void) {
        var buffer = Data()
        while true {
            let chunk = output.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                line(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer.removeSubrange(buffer.startIndex...newline)
            }
        }
        if !buffer.isEmpty { line(String(decoding: buffer, as: UTF8.self)) }
    }

    /// Waits for the child to end. - Returns: its exit status (128 + the signal when one ended it).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// Whether the child has not been waited for yet and still exists.
    var isRunning: Bool { kill(pid, 0) == 0 }
}
