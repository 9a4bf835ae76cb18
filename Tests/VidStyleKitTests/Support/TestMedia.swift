import Foundation
import XCTest

/// The one helper for tests that touch media or the file system: run commands, make small clips
/// with ffmpeg's lavfi sources, probe results with ffprobe, and hand out temporary folders.
///
/// Every temporary folder lives under one root per test process (`vidstyle-tests-<pid>` in the
/// system temporary folder), removed when the process exits; roots left by earlier runs whose
/// process is gone (a crash, a kill) are removed the first time a folder is asked for.
/// Write files in them with `atomically: false`: Foundation's atomic write on Linux leaks a
/// `TemporaryDirectory.*` folder per file.
enum TestMedia {
    struct CommandResult {
        var command: [String]
        var status: Int32
        var stdout: String
        var stderr: String

        /// This result, or a `TestMediaError` with the command and its stderr when it failed.
        @discardableResult
        func checked() throws -> CommandResult {
            guard status == 0 else {
                throw TestMediaError("\(command.joined(separator: " ")) failed (status \(status)): \(stderr)")
            }
            return self
        }
    }

    // MARK: commands

    /// Runs a program (a path, or a name looked up on PATH) to completion and captures its output.
    /// A failing status is returned, not thrown: use `checked()` where failure is an error.
    /// `input` names a file given as standard input (nothing when nil).
    @discardableResult
    static func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil,
                    in folder: String? = nil, input: String? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.contains("/") ? program : which(program))
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = try input.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) } ?? FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting, so a chatty process cannot fill one and block.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(command: [program] + arguments, status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `producer | consumer` as a shell pipeline does: the producer's standard output goes
    /// straight into the consumer's standard input through a pipe (nothing is buffered here),
    /// the producer reads `input` (a file) or nothing. Each is a program and its arguments.
    /// A producer still running after `timeout` seconds is killed (its status then says so).
    static func runPipeline(_ producer: [String], into consumer: [String], input: String? = nil, in folder: String? = nil,
                            timeout: Double = 120) throws -> (producer: CommandResult, consumer: CommandResult) {
        func process(_ command: [String]) -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command[0].contains("/") ? command[0] : which(command[0]))
            process.arguments = Array(command.dropFirst())
            if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
            return process
        }
        let first = process(producer), second = process(consumer)
        let link = Pipe(), firstErr = Pipe(), secondOut = Pipe(), secondErr = Pipe()
        first.standardInput = try input.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) } ?? FileHandle.nullDevice
        first.standardOutput = link
        first.standardError = firstErr
        second.standardInput = link
        second.standardOutput = secondOut
        second.standardError = secondErr
        try second.run()
        try first.run()
        // Only the two programs may hold the pipe, or the consumer never sees its end and the
        // producer never sees the consumer leave (Foundation may have closed ours already).
        try? link.fileHandleForReading.close()
        try? link.fileHandleForWriting.close()
        let watchdog = DispatchWorkItem { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let outputs = [firstErr, secondOut, secondErr].map { pipe in
            let box = DataBox()
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                done.signal()
            }
            return (box, done)
        }
        outputs.forEach { $0.1.wait() }
        first.waitUntilExit()
        second.waitUntilExit()
        watchdog.cancel()
        let text = outputs.map { String(decoding: $0.0.data, as: UTF8.self) }
        return (CommandResult(command: producer, status: first.terminationStatus, stdout: "", stderr: text[0]),
                CommandResult(command: consumer, status: second.terminationStatus, stdout: text[1], stderr: text[2]))
    }

    /// Output read on another thread, handed back once that thread is done.
    private final class DataBox: @unchecked Sendable {
        var data = Data()
    }

    /// Starts a program, sends it SIGTERM (as `kill` and service managers do) after `seconds`,
    /// and waits for it to finish: for checking what an interrupted job leaves behind.
    static func runAndTerminate(_ program: String, _ arguments: [String], after seconds: Double,
                                environment: [String: String]? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: seconds)
        process.terminate()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(command: [program] + arguments, status: process.terminationStatus, stdout: "",
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts a program, reads its stderr until `ready` holds for what it printed so far (or it
    /// ends), then sends it SIGINT, as Ctrl-C would, and waits for it: for checking what a stop
    /// at a known point leaves behind. stdout is discarded.
    static func runAndInterrupt(_ program: String, _ arguments: [String], environment: [String: String]? = nil,
                                in folder: String? = nil, when ready: (String) -> Bool) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !ready(text) {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        text += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return CommandResult(command: [program] + arguments, status: process.terminationStatus, stdout: "", stderr: text)
    }

    /// The path of `name` on PATH (`/usr/bin/NAME` when it is not found).
    static func which(_ name: String) -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "/usr/bin/\(name)"
    }

    /// `ffmpeg -nostdin -v error -y ARGS`, throwing with its stderr when it fails.
    static func ffmpeg(_ arguments: [String]) throws {
        try run("ffmpeg", ["-nostdin", "-v", "error", "-y"] + arguments).checked()
    }

    /// A test clip: testsrc2 video, optionally a sine tone.
    static func clip(_ path: String, size: String = "64x48", rate: Int = 10, seconds: Double = 1,
                     audio: Bool = true, extra: [String] = []) throws {
        var args = ["-f", "lavfi", "-i", "testsrc2=size=\(size):rate=\(rate):duration=\(seconds)"]
        if audio { args += ["-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds)"] }
        args += ["-pix_fmt", "yuv420p"] + extra + [path]
        try ffmpeg(args)
    }

    // MARK: probing

    /// `ffprobe -v error ARGS` output, throwing with its stderr when it fails.
    static func ffprobe(_ arguments: [String]) throws -> String {
        try run("ffprobe", ["-v", "error"] + arguments).checked().stdout
    }

    /// One trimmed, non-empty line per value of `-show_entries ENTRIES -of csv=p=0` on the streams
    /// `stream` selects (e.g. "v:0", "a"); `countFrames` adds `-count_frames`.
    static func probeLines(_ path: String, stream: String, entries: String, countFrames: Bool = false) throws -> [String] {
        let args = (countFrames ? ["-count_frames"] : [])
            + ["-select_streams", stream, "-show_entries", entries, "-of", "csv=p=0", path]
        return try ffprobe(args).split(separator: "\n")
            .map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// ffprobe's value for `stream=ENTRY` of the first stream of a kind, e.g. ("v", "nb_read_frames");
    /// empty when there is no such stream.
    static func probe(_ path: String, stream: String, entry: String, countFrames: Bool = false) throws -> String {
        try probeLines(path, stream: "\(stream):0", entries: "stream=\(entry)", countFrames: countFrames)
            .joined(separator: "\n")
    }

    /// Presentation times of every video frame, as ffprobe reads them.
    static func frameTimes(_ path: String) throws -> [String] {
        try probeLines(path, stream: "v:0", entries: "frame=pts_time")
    }

    // MARK: files

    /// A new empty folder for one test, under this process's root; `label` (letters and digits
    /// kept) makes it easier to recognise.
    static func temporaryFolder(_ label: String = "test") throws -> String {
        let clean = String(label.filter { $0.isLetter || $0.isNumber }.prefix(60))
        let path = root + "/\(clean.isEmpty ? "test" : clean)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Names in `folder`, hidden ones included (to catch leftover temporary files), sorted.
    static func contents(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    static func fixture(_ name: String) -> String {
        Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures")!
    }

    // MARK: the per-process root

    private static let rootPrefix = "vidstyle-tests-"

    /// This process's root folder: made (after clearing stale roots) and registered for removal
    /// at exit on first use. A `static let` is initialised once, even from concurrent tests.
    static let root: String = {
        let parent = NSTemporaryDirectory()
        removeStaleRoots(in: parent)
        let path = (parent.hasSuffix("/") ? parent : parent + "/") + rootPrefix + String(getpid())
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // A C function pointer cannot capture anything; the handler reads the static instead.
        atexit { TestMedia.remove(TestMedia.root) }
        return path
    }()

    /// Removes `vidstyle-tests-<pid>` folders whose process no longer exists.
    private static func removeStaleRoots(in parent: String) {
        for name in contents(parent) where name.hasPrefix(rootPrefix) {
            let digits = name.dropFirst(rootPrefix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                  let pid = pid_t(digits), pid != getpid() else { continue }
            // kill(pid, 0) probes without signalling; ESRCH means no such process (EPERM: alive).
            if kill(pid, 0) != 0 && errno == ESRCH {
                remove((parent.hasSuffix("/") ? parent : parent + "/") + name)
            }
        }
    }
}

struct TestMediaError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An XCTest case with a fresh, empty `folder` (a `TestMedia.temporaryFolder`) for each test,
/// removed after it.
class TemporaryFolderTestCase: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        folder = try TestMedia.temporaryFolder(name)
    }

    override func tearDown() {
        TestMedia.remove(folder)
        super.tearDown()
    }
}
