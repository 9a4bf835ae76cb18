import Foundation
import Synchronization
import Testing
@testable import VidStyleKit

/// Live keys on a real (pseudo-)terminal: the reader in this process, then `vidstyle` itself
/// with a pseudo-terminal as its standard input, pressed, stopped, and killed.
@Suite(.serialized) struct TerminalKeysTests {
    let model = TestMedia.fixture("tiny-model.safetensors")

    @Test func theReaderTakesSingleKeysAndGivesTheTerminalBack() throws {
        let pty = try PseudoTerminal()
        let original = pty.settings
        #expect(pty.isCooked)
        let keys = Mutex<[LiveKey]>([])
        let reader = try TerminalKeyReader(descriptor: pty.slave) { key in keys.withLock { $0.append(key) } }
        #expect(!pty.isCooked, "keys must arrive one by one, unechoed")
        pty.type("2m+")
        #expect(PseudoTerminal.wait(2) { keys.withLock { $0.count } == 3 })
        pty.type("\u{1B}[A")  // an arrow key: nothing
        pty.type("\u{1B}")    // a lone Esc: stop, once nothing follows
        #expect(PseudoTerminal.wait(2) { keys.withLock { $0.count } == 4 })
        #expect(keys.withLock { $0 } == [.style(2), .cycleMix, .strengthUp, .stop])
        reader.stop()
        #expect(pty.isCooked)
        let restored = pty.settings
        #expect(restored.c_lflag == original.c_lflag && restored.c_iflag == original.c_iflag)
    }

    @Test func afterCtrlZAndFgTheKeysModeComesBack() throws {
        let pty = try PseudoTerminal()
        var cooked = pty.settings
        let reader = try TerminalKeyReader(descriptor: pty.slave) { _ in }
        defer { reader.stop() }
        #expect(!pty.isCooked)
        // What a shell does while the job is stopped, then `fg` continues it.
        tcsetattr(pty.slave, TCSANOW, &cooked)
        #expect(pty.isCooked)
        kill(getpid(), SIGCONT)
        #expect(PseudoTerminal.wait(5) { !pty.isCooked })
    }

    @Test func aReaderOnSomethingThatIsNotATerminalIsRefused() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        #expect(throws: TerminalMode.Failure.self) { _ = try TerminalKeyReader(descriptor: fds[0]) { _ in } }
    }

    // MARK: the command

    func cameras(in dir: String) throws -> String {
        let path = "\(dir)/cameras.json"
        try """
            [{"path": "/dev/video0", "name": "Desk Cam", "realTime": true, "formats": [
              {"fourcc": "YUYV", "sizes": [{"width": 160, "height": 120, "framesPerSecond": [15]}]}]}]
            """.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Starts `vidstyle` recording the fake camera with the pseudo-terminal as standard input
    /// and standard error.
    func start(_ pty: PseudoTerminal, out: String, dir: String, extra: [String] = [],
               environment more: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["/dev/video0", out, "--size", "160x120", "--model", model] + extra
        var environment = ProcessInfo.processInfo.environment
        environment["VIDSTYLE_FAKE_V4L2"] = try cameras(in: dir)
        environment.merge(more) { $1 }
        process.environment = environment
        let terminal = FileHandle(fileDescriptor: pty.slave, closeOnDealloc: false)
        process.standardInput = terminal
        process.standardError = terminal
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func keysChangeTheRecordingAndQFinishesIt() throws {
        let dir = try TestMedia.temporaryFolder()
        let out = "\(dir)/keys.mp4"
        let pty = try PseudoTerminal()
        let process = try start(pty, out: out, dir: dir, extra: ["--duration", "20"])
        var seen = ""
        #expect(PseudoTerminal.wait(30) { seen += pty.drain(); return seen.contains("recording 0:01") }, "\(seen)")
        pty.type("1")
        #expect(PseudoTerminal.wait(10) { seen += pty.drain(); return seen.contains("style 1 (") }, "\(seen)")
        pty.type("-c")
        Thread.sleep(forTimeInterval: 1)
        pty.type("q")
        #expect(PseudoTerminal.wait(30) { seen += pty.drain(); return !process.isRunning })
        process.waitUntilExit()
        seen += pty.drain()
        #expect(process.terminationStatus == 0, "\(seen)")
        #expect(pty.isCooked)
        #expect(seen.contains("vidstyle: keys: 0-9 style, m mix, +/- strength, c colour, s smoothing, q stop"), "\(seen)")
        #expect(seen.contains("strength 0.9  colour kept"), "the status line shows what is painted: \(seen)")
        #expect(seen.contains("stopped; \(out) is complete and playable"), "\(seen)")
        // The summary lists each change at its recording time, within 2 painted frames of its key.
        let changes = seen.split(whereSeparator: \.isNewline).filter { $0.contains("painted frame") }
        #expect(changes.count == 2, "\(seen)")
        #expect(changes.first?.contains(": style 1 (fixture-1) (") == true, "\(seen)")
        #expect(changes.last?.contains(": strength 0.9, preserve colour on (") == true, "\(seen)")
        for line in changes {
            #expect(line.contains("(1 painted frame after the key)") || line.contains("(2 painted frames after the key)"), "\(line)")
        }
        let length = Double(try TestMedia.ffprobe(["-show_entries", "format=duration", "-of", "csv=p=0", out])
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(length > 1.5 && length < 15, "q ended the recording early: \(length) s")
    }

    @Test func anErrorBeforeTheRecordingIsStillOneLineAndLeavesTheTerminalAlone() throws {
        let dir = try TestMedia.temporaryFolder()
        let pty = try PseudoTerminal()
        let process = try start(pty, out: "\(dir)/never.mp4", dir: dir, extra: ["--input-format", "mjpeg"])
        var seen = ""
        #expect(PseudoTerminal.wait(30) { seen += pty.drain(); return !process.isRunning })
        process.waitUntilExit()
        seen += pty.drain()
        #expect(process.terminationStatus == 1)
        let lines = seen.split(whereSeparator: \.isNewline).filter { !$0.isEmpty }
        #expect(lines.count == 1 && seen.contains("cannot give the mjpeg format"), "\(seen)")
        #expect(pty.isCooked)
    }

    /// Starts a recording on a pseudo-terminal and waits until its keys are on.
    func startWithKeys(_ pty: PseudoTerminal, dir: String, environment: [String: String] = [:]) throws -> Process {
        let process = try start(pty, out: "\(dir)/killed.mp4", dir: dir, extra: ["--duration", "60", "-y"], environment: environment)
        var seen = ""
        #expect(PseudoTerminal.wait(30) { seen += pty.drain(); return seen.contains("recording 0:00") }, "\(seen)")
        #expect(!pty.isCooked)
        return process
    }

    /// The signals that end a process, with the Swift runtime's crash reporter off so each
    /// takes its default action (the process dies of it).
    @Test(arguments: [SIGQUIT, SIGHUP, SIGABRT, SIGSEGV, SIGBUS, SIGILL])
    func theTerminalIsRestoredWhenASignalKillsTheProcess(signal: Int32) throws {
        let dir = try TestMedia.temporaryFolder()
        let pty = try PseudoTerminal()
        let original = pty.settings
        let process = try startWithKeys(pty, dir: dir, environment: ["SWIFT_BACKTRACE": "enable=no"])
        kill(process.processIdentifier, signal)
        #expect(PseudoTerminal.wait(30) { _ = pty.drain(); return !process.isRunning })
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal,
                "signal \(signal) must still end the process")
        #expect(pty.isCooked, "signal \(signal) left the terminal without echo")
        #expect(pty.settings.c_lflag == original.c_lflag)
    }

    /// SIGTERM (like Ctrl-C) stops the recording cleanly; the terminal is restored on the way out.
    @Test func sigtermFinishesTheFileAndRestoresTheTerminal() throws {
        let dir = try TestMedia.temporaryFolder()
        let pty = try PseudoTerminal()
        let stopped = try startWithKeys(pty, dir: dir)
        kill(stopped.processIdentifier, SIGTERM)
        var seen = ""
        #expect(PseudoTerminal.wait(30) { seen += pty.drain(); return !stopped.isRunning })
        stopped.waitUntilExit()
        #expect(stopped.terminationStatus == 130, "\(seen)")
        #expect(pty.isCooked)
    }

    @Test func withoutATerminalKeysAreOffAndStandardInputIsNotRead() throws {
        let dir = try TestMedia.temporaryFolder()
        let out = "\(dir)/piped.mp4"
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let kept = dup(fds[0])  // our own look at the pipe, whatever Foundation closes
        defer { close(kept); close(fds[1]) }
        #expect(write(fds[1], "q1", 2) == 2)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["/dev/video0", out, "--size", "160x120", "--duration", "2", "--model", model]
        var environment = ProcessInfo.processInfo.environment
        environment["VIDSTYLE_FAKE_V4L2"] = try cameras(in: dir)
        process.environment = environment
        process.standardInput = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(!stderr.contains("keys:"), "\(stderr)")
        #expect(!stderr.contains("painted frame"), "\(stderr)")
        // Nobody took the bytes: they are still in the pipe.
        var left = [UInt8](repeating: 0, count: 8)
        _ = fcntl(kept, F_SETFL, O_NONBLOCK)
        let count = read(kept, &left, left.count)
        #expect(count == 2 && left[0..<2] == [UInt8(ascii: "q"), UInt8(ascii: "1")])
        let length = Double(try TestMedia.ffprobe(["-show_entries", "format=duration", "-of", "csv=p=0", out])
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(abs(length - 2) < 0.2, "q in a pipe must not stop the recording: \(length) s")
    }
}
