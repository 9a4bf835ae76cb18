import Foundation
import Testing

/// Unusual and broken inputs a new user reaches first, run through the built binary: each gives
/// a complete output (every frame, spacing and track) or a one-line error with an exit status
/// below 128, nothing left behind and the input untouched.
@Suite(.serialized) struct RobustnessTests {
    let model = TestMedia.fixture("tiny-model.safetensors")

    func vidstyle(_ args: [String], environment extra: [String: String] = [:]) throws -> TestMedia.CommandResult {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { $1 }
        return try TestMedia.run(CLITests.binary, args + ["--model", model], environment: environment)
    }

    func expectOneLineError(_ result: TestMedia.CommandResult, mentioning words: [String],
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status > 0 && result.status < 128, "status \(result.status)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count == 1, "expected one line: \(result.stderr)", sourceLocation: sourceLocation)
        for word in words {
            #expect(result.stderr.contains(word), "'\(word)' missing from: \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    func leftovers(_ dir: String) -> [String] {
        TestMedia.contents(dir).filter { $0.contains("vidstyle-tmp") }
    }

    func frameTimes(_ path: String) throws -> [Double] {
        try TestMedia.frameTimes(path).compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ", "))) }
    }

    @Test func timestampsThatJumpBackKeepOnePlaybackTimeline() throws {
        // Two MPEG-TS recordings joined, the second starting 1 s before the first one ended.
        let dir = try TestMedia.temporaryFolder()
        for (name, start) in [("a", "10"), ("b", "9")] {
            try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=1", "-f", "lavfi", "-i", "sine=duration=1",
                                  "-c:v", "libx264", "-c:a", "aac", "-output_ts_offset", start, "\(dir)/\(name).ts"])
        }
        let joined = "\(dir)/joined.ts"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.ts")) + Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.ts"))
        try bytes.write(to: URL(fileURLWithPath: joined))
        let result = try vidstyle([joined, "\(dir)/out.mp4"])
        #expect(result.status == 0, "\(result.stderr)")
        let times = try frameTimes("\(dir)/out.mp4")
        #expect(times.count == 50)
        let steps = zip(times.dropFirst(), times).map { $0 - $1 }
        #expect(steps.allSatisfy { abs($0 - 0.04) < 0.002 }, "steps \(steps)")
        let audio = Double(try TestMedia.probe("\(dir)/out.mp4", stream: "a", entry: "duration")) ?? 0
        #expect(abs(audio - 2) < 0.1, "audio lasts \(audio) s")
    }

    @Test func fileURLsWorkAndUnreachableURLsSaySo() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let viaURL = try vidstyle(["file:\(dir)/in.mp4", "\(dir)/out.mp4", "--quiet"])
        #expect(viaURL.status == 0, "\(viaURL.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.mp4", stream: "v", entry: "nb_read_frames", countFrames: true) == "10")
        let sameFile = try vidstyle(["file:\(dir)/in.mp4", "\(dir)/in.mp4", "-y"])
        expectOneLineError(sameFile, mentioning: ["is the input file"])
        let unreachable = try vidstyle(["http://127.0.0.1:9/clip.mp4", "\(dir)/web.mp4"])
        expectOneLineError(unreachable, mentioning: ["http://127.0.0.1:9/clip.mp4", "could not open", "Connection refused"])
        #expect(!unreachable.stderr.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/web.mp4"))
    }

    @Test func aLongLegalOutputNameWorks() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let name = String(repeating: "n", count: 236) + ".mp4"  // 240 bytes, under the 255 limit
        let result = try vidstyle(["\(dir)/in.mp4", "\(dir)/\(name)", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/\(name)"))
        #expect(leftovers(dir).isEmpty)
    }

    @Test func aFolderAsOutputIsRefusedBeforeStarting() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        try FileManager.default.createDirectory(atPath: "\(dir)/out.mp4", withIntermediateDirectories: false)
        let result = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "-y"])
        expectOneLineError(result, mentioning: ["\(dir)/out.mp4 is a folder", "give a file name"])
        #expect(leftovers(dir).isEmpty)
    }

    @Test func messagesNameTheRealProblem() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let folderModel = try TestMedia.run(CLITests.binary, ["\(dir)/in.mp4", "\(dir)/a.mp4", "--model", dir])
        expectOneLineError(folderModel, mentioning: ["it is a folder"])
        #expect(!folderModel.stderr.contains("NSCocoaErrorDomain"))
        let zero = try vidstyle(["/dev/zero", "\(dir)/b.mp4"])
        expectOneLineError(zero, mentioning: ["/dev/zero", "a device"])
        #expect(!zero.stderr.contains("empty"))
        let negative = try vidstyle(["\(dir)/in.mp4", "\(dir)/c.mp4", "--style", "-1"])
        expectOneLineError(negative, mentioning: ["style -1 is out of range"])
        #expect(!negative.stderr.contains("Missing value"))
    }

    @Test func aVideoIntoOneStillIsRefusedAndAnImageSequenceWorksBothWays() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let still = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.png"])
        expectOneLineError(still, mentioning: ["holds one picture", "is a video (10 frames)", "out_%04d.png"])
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.png"))
        let sequence = try vidstyle(["\(dir)/in.mp4", "\(dir)/frame_%04d.png"])
        #expect(sequence.status == 0, "\(sequence.stderr)")
        #expect(TestMedia.contents(dir).filter { $0.hasPrefix("frame_") }.sorted() == (1...10).map { String(format: "frame_%04d.png", $0) })
        #expect(leftovers(dir).isEmpty)
        let again = try vidstyle(["\(dir)/in.mp4", "\(dir)/frame_%04d.png"])
        expectOneLineError(again, mentioning: ["frame_0001.png already exists", "--overwrite"])
        let back = try vidstyle(["\(dir)/frame_%04d.png", "\(dir)/back.mp4", "--quiet"])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(try TestMedia.probe("\(dir)/back.mp4", stream: "v", entry: "nb_read_frames", countFrames: true) == "10")
    }

    @Test func theSummaryGivesTheSizeActuallyWritten() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=80x48", "-vf", "scale=3:7", "-frames:v", "2", "-c:v", "ffv1", "\(dir)/odd.mkv"])
        let result = try vidstyle(["\(dir)/odd.mkv", "\(dir)/odd.mp4"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("2 frames (2x6)"), "\(result.stderr)")
        #expect(try TestMedia.probe("\(dir)/odd.mp4", stream: "v", entry: "width,height") == "2,6")
    }

    /// Banners and audio-visualizer strips: smoothing on (the default), every frame written at
    /// its size; OpenCV's flow once failed on a 4000x16 strip. A 2-row strip is too thin to
    /// follow motion in, which the summary says once.
    @Test func stripsAreStylizedWithSmoothingOn() throws {
        let dir = try TestMedia.temporaryFolder()
        for size in ["4000x16", "16x4000", "64x2"] {
            try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=\(size):rate=10:duration=0.3", "-c:v", "ffv1", "\(dir)/\(size).mkv"])
            let result = try vidstyle(["\(dir)/\(size).mkv", "\(dir)/\(size).mp4"])
            #expect(result.status == 0, "\(size): \(result.stderr)")
            #expect(result.stderr.contains("3 frames (\(size))"), "\(result.stderr)")
            let skipped = result.stderr.components(separatedBy: "without smoothing").count - 1
            #expect(skipped == (size == "64x2" ? 1 : 0), "\(result.stderr)")
            #expect(try TestMedia.probe("\(dir)/\(size).mp4", stream: "v", entry: "width,height") == size.replacingOccurrences(of: "x", with: ","))
        }
    }

    @Test func everyAudioTrackAndTheSubtitlesAreKeptOrNamed() throws {
        let dir = try TestMedia.temporaryFolder()
        try "1\n00:00:00,000 --> 00:00:00,800\nhello\n".write(toFile: "\(dir)/s.srt", atomically: false, encoding: .utf8)
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10:duration=1", "-f", "lavfi", "-i", "sine=f=440:duration=1",
                              "-f", "lavfi", "-i", "sine=f=880:duration=1", "-i", "\(dir)/s.srt",
                              "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-c:v", "libx264", "-c:a", "aac", "-c:s", "srt",
                              "-metadata:s:a:1", "language=fra", "\(dir)/multi.mkv"])
        let mkv = try vidstyle(["\(dir)/multi.mkv", "\(dir)/out.mkv"])
        #expect(mkv.status == 0, "\(mkv.stderr)")
        #expect(try TestMedia.ffprobe(["-show_entries", "stream=codec_type,codec_name:stream_tags=language", "-of", "csv=p=0",
                                       "\(dir)/out.mkv"]).split(separator: "\n") == ["h264,video", "aac,audio", "aac,audio,fra", "subrip,subtitle"])
        let mp4 = try vidstyle(["\(dir)/multi.mkv", "\(dir)/out.mp4"])
        #expect(mp4.status == 0, "\(mp4.stderr)")
        #expect(mp4.stderr.contains("subtitles: subrip can't go into mp4; not kept"), "\(mp4.stderr)")
        #expect(try TestMedia.ffprobe(["-select_streams", "a", "-show_entries", "stream=codec_name", "-of", "csv=p=0", "\(dir)/out.mp4"])
            .split(separator: "\n").count == 2)
    }

    @Test func stoppedBeforeTheFirstFrameSaysSoWritesNothingAndExits130() throws {
        // A camera that never sends a frame; SIGTERM comes while vidstyle waits for the first.
        let dir = try TestMedia.temporaryFolder()
        let cameras = "\(dir)/cameras.json"
        try """
            [{"path": "/dev/video0", "stallAtFrame": 0, "formats": [
              {"fourcc": "YUYV", "sizes": [{"width": 160, "height": 120, "framesPerSecond": [30]}]}]}]
            """.write(toFile: cameras, atomically: false, encoding: .utf8)
        // Well inside the 3 s the first frame may take, after start-up (slow on a loaded machine).
        let result = try TestMedia.runAndTerminate(CLITests.binary, ["/dev/video0", "\(dir)/out.mp4", "--model", model], after: 2,
                                                   environment: ProcessInfo.processInfo.environment.merging(["VIDSTYLE_FAKE_V4L2": cameras]) { $1 })
        let stderr = result.stderr
        #expect(result.status == 130, "\(stderr)")
        #expect(stderr.contains("interrupted before any frame was done; nothing was written"), "\(stderr)")
        #expect(!stderr.contains("no decodable") && !stderr.contains("gave no video frames"))
        #expect(TestMedia.contents(dir) == ["cameras.json"])
    }
}
