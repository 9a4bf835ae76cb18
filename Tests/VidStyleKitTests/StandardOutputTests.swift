import Foundation
import Testing
@testable import VidStyleKit

/// `-` as OUT streams to standard output and `-` as IN reads standard input, as in ffmpeg:
/// checked by piping the built binary straight into ffprobe, into a reader that leaves early,
/// and through Ctrl-C; and, in the library, that every frame reaches a pipe as soon as it is
/// written (what a live `vidstyle /dev/video0 - | ffplay -` needs).
@Suite(.serialized) struct StandardOutputTests {
    let model = TestMedia.fixture("tiny-model.safetensors")
    static let streamEntries = ["-count_frames", "-show_entries", "format=format_name:stream=codec_name,codec_type,width,height,nb_read_frames",
                                "-of", "csv=p=0"]

    /// `vidstyle ARGS | ffprobe -v error ENTRIES -i pipe:0`, run in `folder`.
    func streamIntoFFprobe(_ arguments: [String], input: String? = nil, in folder: String) throws
        -> (vidstyle: TestMedia.CommandResult, probe: [String]) {
        let (vidstyle, ffprobe) = try TestMedia.runPipeline([CLITests.binary] + arguments + ["--model", model],
                                                            into: ["ffprobe", "-v", "error"] + Self.streamEntries + ["-i", "pipe:0"],
                                                            input: input, in: folder)
        #expect(ffprobe.status == 0 && ffprobe.stderr.isEmpty, "ffprobe: \(ffprobe.stderr)")
        return (vidstyle, ffprobe.stdout.split(separator: "\n").map(String.init))
    }

    @Test func aFileStreamsAsMatroskaWithEveryFrameAndTheAudio() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", size: "96x64", rate: 10, seconds: 1.5, extra: ["-c:a", "aac"])
        let (vidstyle, probe) = try streamIntoFFprobe(["in.mp4", "-"], in: dir)
        #expect(vidstyle.status == 0, "\(vidstyle.stderr)")
        #expect(probe.contains("h264,video,96,64,15"), "\(probe)")
        #expect(probe.contains { $0.hasPrefix("aac,audio") }, "\(probe)")
        #expect(probe.last == "\"matroska,webm\"", "\(probe)")
        // stderr has the messages, stdout only the stream (ffprobe read all of it as media).
        #expect(vidstyle.stderr.hasPrefix("vidstyle: wrote standard output: 15 frames (96x64)"), "\(vidstyle.stderr)")
        #expect(TestMedia.contents(dir) == ["in.mp4"], "no -.mp4 or temporary file")
    }

    /// IN `-` and OUT `-` together, as a filter, in every container that streams; MP4 is
    /// fragmented: index first, then one fragment after another, nothing to seek back for.
    @Test(arguments: [(nil, "matroska,webm", "h264"), ("mkv", "matroska,webm", "h264"), ("webm", "matroska,webm", "vp9"),
                      ("mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264")])
    func standardInToStandardOut(container: String?, format: String, codec: String) throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mkv", size: "64x48", rate: 10, seconds: 1, audio: false)
        let options = container.map { ["--container", $0] } ?? []
        let (vidstyle, probe) = try streamIntoFFprobe(["-", "-"] + options, input: "\(dir)/in.mkv", in: dir)
        #expect(vidstyle.status == 0, "\(vidstyle.stderr)")
        #expect(probe == ["\(codec),video,64,48,10", "\"\(format)\""], "\(probe)")
        #expect(TestMedia.contents(dir) == ["in.mkv"])
        if container == "mp4" {
            let saved = try TestMedia.runPipeline([CLITests.binary, "-", "-", "--container", "mp4", "--model", model],
                                                  into: ["sh", "-c", "cat > out.mp4"], input: "\(dir)/in.mkv", in: dir)
            #expect(saved.producer.status == 0, "\(saved.producer.stderr)")
            let boxes = Self.topLevelBoxes(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out.mp4")))
            #expect(Array(boxes.prefix(3)) == ["ftyp", "moov", "moof"], "\(boxes)")
            #expect(boxes.filter { $0 == "moof" }.count >= 10, "a fragment per frame: \(boxes)")
        }
    }

    /// The names of an MP4's top-level boxes, in order.
    static func topLevelBoxes(_ data: Data) -> [String] {
        var boxes: [String] = [], offset = 0
        let bytes = [UInt8](data)
        while offset + 8 <= bytes.count {
            let size = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            boxes.append(String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self))
            guard size >= 8 else { break }
            offset += size
        }
        return boxes
    }

    @Test func aContainerThatMustSeekIsRefused() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let result = try TestMedia.run(CLITests.binary, ["in.mp4", "-", "--container", "mov", "--model", model], in: dir)
        #expect(result.status > 0 && result.status < 128)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("--container mov cannot be written to standard output"), "\(result.stderr)")
        #expect(TestMedia.contents(dir) == ["in.mp4"])
    }

    /// `| head -c 1000`: the reader leaves after the first kilobyte of an endless input, and
    /// the job ends at once, quietly, with 141 (the shell's status for a SIGPIPE death, here
    /// without the signal); it would otherwise run until the watchdog kills it.
    @Test func aReaderThatLeavesEndsTheJobWith141() throws {
        let dir = try TestMedia.temporaryFolder()
        let started = Date()
        let (vidstyle, head) = try TestMedia.runPipeline(
            [CLITests.binary, "lavfi:testsrc2=size=160x120:rate=25", "-", "--model", model],
            into: ["head", "-c", "1000"], in: dir, timeout: 60)
        #expect(vidstyle.status == 141, "\(vidstyle.stderr)")
        #expect(vidstyle.stderr.isEmpty, "\(vidstyle.stderr)")
        #expect(head.status == 0)
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(TestMedia.contents(dir).isEmpty)
    }

    /// Ctrl-C while streaming an endless input: the stream is finished (trailer written) and
    /// decodes to its end without an error; the exit status is 130 as for files.
    @Test func ctrlCFinishesTheStream() throws {
        let dir = try TestMedia.temporaryFolder()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["lavfi:testsrc2=size=160x120:rate=25", "-", "--model", model]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var stream = Data()
        while stream.count < 30_000 {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            stream.append(chunk)
        }
        process.interrupt()
        stream.append(out.fileHandleForReading.readDataToEndOfFile())
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted; standard output is complete and playable with the"), "\(stderr)")
        try stream.write(to: URL(fileURLWithPath: "\(dir)/stream.mkv"))
        let decoded = try TestMedia.run("ffmpeg", ["-v", "error", "-i", "pipe:0", "-f", "null", "-"], input: "\(dir)/stream.mkv")
        #expect(decoded.status == 0 && decoded.stderr.isEmpty, "\(decoded.stderr)")
        let probe = try TestMedia.run("ffprobe", ["-v", "error"] + Self.streamEntries + ["-i", "pipe:0"], input: "\(dir)/stream.mkv")
        let video = probe.stdout.split(separator: "\n").first { $0.hasPrefix("h264,video,160,120,") }
        #expect((video?.split(separator: ",").last).flatMap { Int($0) } ?? 0 > 0, "\(probe.stdout)")
    }

    /// `vidstyle /dev/video0 - | player`, with the scripted fake camera: the first Matroska
    /// cluster (a painted frame) follows the header within a second, not after the encoder's
    /// look-ahead or a whole cluster's worth of frames, and the stream holds every frame.
    @Test func aCameraStreamsEachFrameAsItIsPainted() throws {
        let dir = try TestMedia.temporaryFolder()
        let cameras = "\(dir)/cameras.json"
        try """
            [{"path": "/dev/video0", "name": "Desk Cam", "realTime": true, "formats": [
              {"fourcc": "YUYV", "sizes": [{"width": 160, "height": 120, "framesPerSecond": [15]}]}]}]
            """.write(toFile: cameras, atomically: false, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["/dev/video0", "-", "--duration", "3", "--model", model]
        process.environment = ProcessInfo.processInfo.environment.merging(["VIDSTYLE_FAKE_V4L2": cameras]) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let tracks = Data([0x16, 0x54, 0xAE, 0x6B]), cluster = Data([0x1F, 0x43, 0xB6, 0x75])
        var stream = Data(), headerAt: Date?, firstClusterAt: Date?
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            stream.append(chunk)
            if headerAt == nil, stream.range(of: tracks) != nil { headerAt = Date() }
            if firstClusterAt == nil, stream.range(of: cluster) != nil { firstClusterAt = Date() }
        }
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        let header = try #require(headerAt), first = try #require(firstClusterAt)
        #expect(first.timeIntervalSince(header) < 1, "first frame \(first.timeIntervalSince(header)) s after the header")
        try stream.write(to: URL(fileURLWithPath: "\(dir)/cam.mkv"))
        let probe = try TestMedia.run("ffprobe", ["-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0",
                                                  "-i", "pipe:0"], input: "\(dir)/cam.mkv")
        #expect(stderr.contains("wrote standard output: \(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) frames"),
                "\(probe.stdout) \(stderr)")
    }

    /// `script` gives the job a pseudo-terminal as standard output.
    @Test func aTerminalIsNotFilledWithBinary() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let result = try TestMedia.run("script", ["-q", "-e", "-c", "\(CLITests.binary) \(dir)/in.mp4 - --model \(model)", "/dev/null"])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("standard output, which is a terminal"), "\(result.stdout)")
        #expect(result.stdout.split(separator: "\n").count == 1, "\(result.stdout)")
    }

    @Test func helpSaysWhatDashMeans() throws {
        let help = try TestMedia.run(CLITests.binary, ["stylize", "--help"])
        let text = help.stdout.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        #expect(text.contains("or - for standard input"), "\(help.stdout)")
        #expect(text.contains("or - for standard output"), "\(help.stdout)")
        #expect(text.contains("exit status 141"), "\(help.stdout)")
    }

    /// The library: with OUT `-`, each frame can be decoded from what has reached the pipe as
    /// soon as `write` returns: no encoder look-ahead, no cluster or fragment held back.
    @Test(arguments: ["mkv", "mp4", "webm"])
    func everyFrameReachesThePipeWhenWritten(container: String) throws {
        let dir = try TestMedia.temporaryFolder()
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        let info = VideoStreamInfo(width: 64, height: 48, timeBase: Rational(num: 1, den: 25))
        let writer = try VideoWriter(path: "-", video: info, tracks: [], options: EncodingOptions(container: container),
                                     streamDescriptor: ends[1])
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        func drain() {
            while true {
                let count = read(ends[0], &buffer, buffer.count)
                guard count > 0 else { return }
                received.append(contentsOf: buffer[0..<count])
            }
        }
        for n in 1...3 {
            let frame = VideoFrame(width: 64, height: 48, pts: Int64(n - 1), duration: 1)
            for y in 0..<48 { memset(frame.row(y), Int32(40 * n + y), 64 * 3) }
            try writer.write(frame)
            drain()
            try received.write(to: URL(fileURLWithPath: "\(dir)/so-far"))
            let probe = try TestMedia.run("ffprobe", ["-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames",
                                                      "-of", "csv=p=0", "-i", "pipe:0"], input: "\(dir)/so-far")
            #expect(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(n)",
                    "\(container): after frame \(n) the pipe holds \(received.count) bytes: \(probe.stdout) \(probe.stderr)")
        }
        try writer.finish()
        close(ends[1])
        drain()
    }
}
