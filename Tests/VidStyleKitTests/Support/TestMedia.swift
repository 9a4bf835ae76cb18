import Foundation

/// Small media made on the fly with ffmpeg's lavfi sources, and a way to run commands.
enum TestMedia {
    struct CommandResult {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion and captures its output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting, so a chatty process cannot fill one and block.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    static func which(_ name: String) -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "/usr/bin/\(name)"
    }

    /// Runs ffmpeg with `arguments`, failing loudly if it fails.
    static func ffmpeg(_ arguments: [String]) throws {
        let result = try run(which("ffmpeg"), ["-nostdin", "-v", "error", "-y"] + arguments)
        guard result.status == 0 else { throw TestMediaError("ffmpeg failed: \(result.stderr)") }
    }

    /// A test clip: testsrc2 video, optionally a sine tone.
    static func clip(_ path: String, size: String = "64x48", rate: Int = 10, seconds: Double = 1,
                     audio: Bool = true, extra: [String] = []) throws {
        var args = ["-f", "lavfi", "-i", "testsrc2=size=\(size):rate=\(rate):duration=\(seconds)"]
        if audio { args += ["-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds)"] }
        args += ["-pix_fmt", "yuv420p"] + extra + [path]
        try ffmpeg(args)
    }

    /// ffprobe's value for one entry of the first stream of a kind, e.g. ("v", "nb_read_frames").
    static func probe(_ path: String, stream: String, entry: String, countFrames: Bool = false) throws -> String {
        var args = ["-v", "error", "-select_streams", "\(stream):0", "-show_entries", "stream=\(entry)", "-of", "csv=p=0"]
        if countFrames { args.insert("-count_frames", at: 0) }
        let result = try run(which("ffprobe"), args + [path])
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Presentation times of every video frame, as ffprobe reads them.
    static func frameTimes(_ path: String) throws -> [String] {
        let result = try run(which("ffprobe"), ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                                "frame=pts_time", "-of", "csv=p=0", path])
        return result.stdout.split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A new empty folder for one test.
    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "vidstyle-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func fixture(_ name: String) -> String {
        Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures")!
    }
}

struct TestMediaError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
