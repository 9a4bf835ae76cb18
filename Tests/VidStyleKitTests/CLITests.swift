import Foundation
import Testing

/// Runs the built `vidstyle` binary as a user would and checks its whole output and exit code.
/// Every job uses the small random-weight fixture model, so these stay fast.
@Suite(.serialized) struct CLITests {
    static let binary: String = {
        let here = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        let candidates = [here.appendingPathComponent("vidstyle").path,
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent(".build/debug/vidstyle").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }()
    let model = TestMedia.fixture("tiny-model.safetensors")

    func vidstyle(_ args: [String]) throws -> TestMedia.CommandResult {
        try TestMedia.run(Self.binary, args + ["--model", model])
    }

    func leftovers(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("vidstyle-tmp") }
    }

    /// A one-line error on stderr, nothing on stdout, a non-zero exit.
    func expectOneLineError(_ result: TestMedia.CommandResult, mentioning words: [String],
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.stderr)", sourceLocation: sourceLocation)
        for word in words {
            #expect(result.stderr.contains(word), "'\(word)' missing from: \(result.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!result.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    @Test func stylizesAVideoKeepingFramesTimestampsAndAudio() throws {
        let dir = try TestMedia.temporaryFolder()
        let input = "\(dir)/in.mp4", output = "\(dir)/out.mp4"
        try TestMedia.clip(input, size: "96x64", rate: 10, seconds: 1.5, extra: ["-c:a", "aac"])
        let result = try vidstyle([input, output, "--style", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("wrote \(output): 15 frames"))
        #expect(try TestMedia.probe(output, stream: "v", entry: "nb_read_frames", countFrames: true) == "15")
        #expect(try TestMedia.probe(output, stream: "v", entry: "width,height") == "96,64")
        #expect(try TestMedia.frameTimes(output) == TestMedia.frameTimes(input))
        #expect(try TestMedia.probe(output, stream: "a", entry: "codec_name") == "aac")
        #expect(try leftovers(in: dir).isEmpty)
    }

    @Test func stillImageInAndOut() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=80x48", "-vf", "scale=75:41", "-frames:v", "1", "\(dir)/photo.png"])
        let result = try vidstyle(["\(dir)/photo.png", "\(dir)/out.png", "--style", "2", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(try TestMedia.probe("\(dir)/out.png", stream: "v", entry: "width,height") == "75,41")
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=80x48", "-frames:v", "1", "\(dir)/photo.jpg"])
        let jpeg = try vidstyle(["\(dir)/photo.jpg", "\(dir)/out.jpg", "--quiet"])
        #expect(jpeg.status == 0, "\(jpeg.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.jpg", stream: "v", entry: "codec_name,width,height") == "mjpeg,80,48")
    }

    @Test func stylesListsIndexNameAndPainter() throws {
        let table = try vidstyle(["styles"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("fixture-2"))
        #expect(table.stdout.contains("Painter 1"))
        let json = try vidstyle(["styles", "--json"])
        let list = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(list?.count == 3)
        #expect(list?[2]["index"] as? Int == 2)
        #expect(list?[1]["painter"] as? String == "Painter 1")
        #expect(list?[0]["image"] as? String == "fixture_0.jpg")
    }

    @Test func missingInput() throws {
        let dir = try TestMedia.temporaryFolder()
        expectOneLineError(try vidstyle(["\(dir)/nope.mp4", "\(dir)/out.mp4"]), mentioning: ["nope.mp4", "does not exist"])
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.mp4"))
    }

    @Test(arguments: ["text", "empty"])
    func inputThatIsNotMedia(kind: String) throws {
        let dir = try TestMedia.temporaryFolder()
        let input = "\(dir)/bad.mp4"
        try (kind == "text" ? "hello, this is not a video\n" : "").write(toFile: input, atomically: false, encoding: .utf8)
        expectOneLineError(try vidstyle([input, "\(dir)/out.mp4"]), mentioning: ["bad.mp4"])
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.mp4"))
        #expect(try leftovers(in: dir).isEmpty)
    }

    /// `cut.mkv` in `dir`: the first half of a 3 s H.264 clip.
    func truncatedClip(in dir: String) throws -> String {
        let whole = "\(dir)/whole.mkv", cut = "\(dir)/cut.mkv"
        try TestMedia.clip(whole, size: "64x48", rate: 10, seconds: 3, audio: false, extra: ["-c:v", "libx264"])
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        return cut
    }

    /// A truncated file either fails clearly or yields the frames that could be decoded.
    @Test func truncatedInput() throws {
        let dir = try TestMedia.temporaryFolder()
        let cut = try truncatedClip(in: dir)
        let result = try vidstyle([cut, "\(dir)/out.mp4"])
        if result.status == 0 {
            let frames = Int(try TestMedia.probe("\(dir)/out.mp4", stream: "v", entry: "nb_read_frames", countFrames: true)) ?? 0
            #expect(frames > 0 && frames < 30)
        } else {
            expectOneLineError(result, mentioning: ["cut.mkv"])
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.mp4"))
        }
        #expect(!result.stderr.contains("Fatal error"))
    }

    /// FFmpeg's own diagnosis of a damaged file is hidden unless asked for with --verbose.
    @Test func verboseLetsFFmpegWarningsThrough() throws {
        let dir = try TestMedia.temporaryFolder()
        let cut = try truncatedClip(in: dir)
        let plain = try vidstyle([cut, "\(dir)/out.mp4"])
        #expect(!plain.stderr.contains("[matroska"))
        let verbose = try vidstyle([cut, "\(dir)/out.mp4", "--verbose"])
        #expect(verbose.stderr.contains("[matroska,webm @"), "\(verbose.stderr)")
        #expect(verbose.status == plain.status)
        expectOneLineError(try vidstyle([cut, "\(dir)/out.mp4", "--verbose", "--quiet"]), mentioning: ["--quiet", "--verbose"])
    }

    /// A phone-style rotated video keeps its display matrix in mp4; mkv cannot store one, so the
    /// pixels are turned upright there, exactly as ffmpeg's own autorotation shows them.
    @Test func rotationIsKeptOrTurnedIntoThePixels() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "color=blue:s=96x64:r=10:d=0.5,drawbox=x=0:y=0:w=24:h=16:color=red:t=fill",
                              "-c:v", "libx264", "-pix_fmt", "yuv420p", "\(dir)/flat.mp4"])
        try TestMedia.ffmpeg(["-i", "\(dir)/flat.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=90", "\(dir)/in.mp4"])
        let rotation = "stream_side_data=rotation"
        // ffprobe's csv adds an empty field for the side data section: keep width and height.
        func size(_ file: String) throws -> String {
            try TestMedia.probe(file, stream: "v", entry: "width,height").split(separator: ",").prefix(2).joined(separator: ",")
        }

        let mp4 = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--strength", "0"])
        #expect(mp4.status == 0, "\(mp4.stderr)")
        #expect(try size("\(dir)/out.mp4") == "96,64")
        #expect(try TestMedia.probeLines("\(dir)/out.mp4", stream: "v:0", entries: rotation) == ["90"])

        let mkv = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mkv", "--strength", "0"])
        #expect(mkv.status == 0, "\(mkv.stderr)")
        #expect(mkv.stderr.contains("turned upright (64x96)"), "\(mkv.stderr)")
        #expect(try size("\(dir)/out.mkv") == "64,96")
        #expect(try TestMedia.probeLines("\(dir)/out.mkv", stream: "v:0", entries: rotation).isEmpty)
        // Where the red corner is: ffmpeg autorotates the input when it decodes it.
        func corners(_ file: String) throws -> [Bool] {
            let raw = "\(dir)/\(UUID().uuidString).rgb"
            try TestMedia.ffmpeg(["-i", file, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", raw])
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw)))
            return [(4, 4), (59, 4), (4, 91), (59, 91)].map { x, y in
                let p = (y * 64 + x) * 3
                return bytes[p] > 150 && bytes[p + 2] < 100
            }
        }
        let expected = try corners("\(dir)/in.mp4")
        #expect(expected.filter { $0 }.count == 1)
        #expect(try corners("\(dir)/out.mkv") == expected)
    }

    /// `vidstyle bench` times the stylizer and says what size the network ran at (frame plus
    /// 24 px margins, rounded up to 4), which tools/bench.sh hands to the other engines.
    @Test func benchReportsTimeAndNetworkSize() throws {
        let result = try vidstyle(["bench", "--width", "40", "--height", "30", "--runs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("stylizer: 40x30 network=88x80 median_ms="), "\(result.stdout)")
    }

    /// `--steps` adds one line per step of the forward pass, with its kernel, and a total whose
    /// count matches the lines.
    @Test func benchTimesEachStep() throws {
        let result = try vidstyle(["bench", "--width", "40", "--height", "30", "--runs", "2", "--steps"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let steps = lines.filter { $0.hasPrefix("step: ") }
        #expect(steps.contains { $0.contains(" ms  conv enc1") && $0.hasSuffix(")") }, "\(result.stdout)")
        #expect(steps.contains { $0.contains(" ms  norm ") }, "\(result.stdout)")
        let total = try #require(lines.last { $0.hasPrefix("steps: total_ms=") }, "\(result.stdout)")
        #expect(total.hasSuffix(" count=\(steps.count)"), "\(total)")
        #expect(!(try vidstyle(["bench", "--width", "40", "--height", "30", "--runs", "1"])).stdout.contains("step: "))
    }

    @Test func versionIsPrinted() throws {
        let result = try TestMedia.run(Self.binary, ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == "vidstyle 0.1.0\n")
    }

    @Test func inputWithoutVideo() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "sine=duration=1", "\(dir)/tone.m4a"])
        expectOneLineError(try vidstyle(["\(dir)/tone.m4a", "\(dir)/out.mp4"]), mentioning: ["tone.m4a", "video"])
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.mp4"))
    }

    @Test func unknownOutputExtension() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.xyz"]), mentioning: [".xyz"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["in.mp4"])
    }

    @Test func styleOutOfRange() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--style", "7"]),
                           mentioning: ["7", "0-2", "vidstyle styles"])
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.mp4"))
    }

    @Test func outputEqualToInputIsRefusedAndInputUntouched() throws {
        let dir = try TestMedia.temporaryFolder()
        let input = "\(dir)/in.mp4"
        try TestMedia.clip(input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        for out in [input, "\(dir)/./in.mp4"] {
            expectOneLineError(try vidstyle([input, out, "--overwrite"]), mentioning: ["input"])
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
    }

    @Test func existingOutputNeedsOverwrite() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        try "keep me".write(toFile: "\(dir)/out.mp4", atomically: false, encoding: .utf8)
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4"]), mentioning: ["exists", "--overwrite"])
        #expect(try String(contentsOfFile: "\(dir)/out.mp4", encoding: .utf8) == "keep me")
        let replaced = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "-y", "--quiet"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.mp4", stream: "v", entry: "codec_name") == "h264")
    }

    @Test func unwritableOutputFolder() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        for out in ["\(dir)/no/such/folder/out.mp4", "/proc/vidstyle-out.mp4"] {
            expectOneLineError(try vidstyle(["\(dir)/in.mp4", out]), mentioning: [out.split(separator: "/").dropLast().joined(separator: "/")])
        }
    }

    @Test func missingAndCorruptModel() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        let missing = try TestMedia.run(Self.binary, ["\(dir)/in.mp4", "\(dir)/out.mp4", "--model", "\(dir)/none.safetensors"])
        expectOneLineError(missing, mentioning: ["none.safetensors"])
        try Data([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).write(to: URL(fileURLWithPath: "\(dir)/bad.safetensors"))
        let corrupt = try TestMedia.run(Self.binary, ["\(dir)/in.mp4", "\(dir)/out.mp4", "--model", "\(dir)/bad.safetensors"])
        expectOneLineError(corrupt, mentioning: ["bad.safetensors"])
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.mp4"))
    }

    /// SIGTERM (as Ctrl-C) mid-job: a complete, playable file with the frames done so far.
    @Test func interruptFinishesAPlayableFile() throws {
        let dir = try TestMedia.temporaryFolder()
        let input = "\(dir)/long.mp4", output = "\(dir)/out.mp4"
        try TestMedia.clip(input, size: "320x240", rate: 25, seconds: 60, audio: true, extra: ["-c:v", "libx264", "-preset", "ultrafast"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [input, output, "--model", model]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait until the job is under way: its temporary output exists and has grown.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let temps = (try? leftovers(in: dir)) ?? []
            if let temp = temps.first,
               let size = try? FileManager.default.attributesOfItem(atPath: "\(dir)/\(temp)")[.size] as? Int, size > 20_000 {
                break
            }
            usleep(100_000)
        }
        process.terminate()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted"))
        let frames = Int(try TestMedia.probe(output, stream: "v", entry: "nb_read_frames", countFrames: true)) ?? 0
        #expect(frames > 0 && frames < 1500, "got \(frames) frames")
        let check = try TestMedia.run("ffmpeg", ["-v", "error", "-i", output, "-f", "null", "-"])
        #expect(check.status == 0 && check.stderr.isEmpty, "\(check.stderr)")
        #expect(try leftovers(in: dir).isEmpty)
    }

    /// On a terminal, progress (frames, fps, ETA) is drawn on stderr; piped, and with --quiet,
    /// it is not. `script` gives the job a pseudo-terminal.
    @Test func progressOnlyOnATerminal() throws {
        let dir = try TestMedia.temporaryFolder()
        let input = "\(dir)/in.mp4"
        try TestMedia.clip(input, size: "320x240", rate: 25, seconds: 4, audio: false)
        let command = "\(Self.binary) \(input) \(dir)/out.mp4 --model \(model)"
        let onTerminal = try TestMedia.run("script", ["-q", "-e", "-c", command, "/dev/null"])
        #expect(onTerminal.status == 0, "\(onTerminal.stdout)")
        #expect(onTerminal.stdout.contains("\rframe "), "\(onTerminal.stdout)")
        #expect(onTerminal.stdout.contains("/100"))
        #expect(onTerminal.stdout.contains(" fps"))
        #expect(onTerminal.stdout.contains("wrote \(dir)/out.mp4: 100 frames"))
        let piped = try vidstyle([input, "\(dir)/piped.mp4"])
        #expect(!piped.stderr.contains("\rframe"))
        #expect(piped.stderr.split(separator: "\n").count == 1)
    }
}
