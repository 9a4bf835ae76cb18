import Foundation
import Testing

/// `vidstyle` recording live, run as a user runs it: lavfi sources read in real time, and the
/// scripted fake camera (`VIDSTYLE_FAKE_V4L2`) standing in for a webcam.
@Suite(.serialized) struct LiveCLITests {
    let model = TestMedia.fixture("tiny-model.safetensors")

    func vidstyle(_ args: [String], cameras: String? = nil) throws -> TestMedia.CommandResult {
        var environment = ProcessInfo.processInfo.environment
        if let cameras { environment["VIDSTYLE_FAKE_V4L2"] = cameras }
        return try TestMedia.run(CLITests.binary, args + ["--model", model], environment: environment)
    }

    /// A JSON scenario of one fake webcam at /dev/video0 (plus whatever `extra` sets on it).
    func cameras(in dir: String, _ extra: String = "") throws -> String {
        let path = "\(dir)/cameras.json"
        let json = """
            [{"path": "/dev/video0", "name": "Desk Cam", "realTime": true\(extra), "formats": [
              {"fourcc": "YUYV", "sizes": [{"width": 160, "height": 120, "framesPerSecond": [30, 15]},
                                           {"width": 640, "height": 480, "framesPerSecond": [30]}]}]},
             {"path": "/dev/video1", "name": "Desk Cam metadata", "canCapture": false, "formats": []}]
            """
        try json.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func seconds(_ path: String) throws -> Double {
        Double(try TestMedia.ffprobe(["-show_entries", "format=duration", "-of", "csv=p=0", path])
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Strictly increasing frame times, and how many frames.
    func frameTimes(_ path: String) throws -> [Double] {
        try TestMedia.frameTimes(path).compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ", "))) }
    }

    @Test func aLavfiSourceRecordsLiveForTheDuration() throws {
        let dir = try TestMedia.temporaryFolder()
        let out = "\(dir)/live.mp4"
        let result = try vidstyle(["lavfi:testsrc2=size=160x120:rate=30", out, "--live", "--duration", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(abs(try seconds(out) - 2) <= 0.1)
        let times = try frameTimes(out)
        #expect(times == times.sorted() && Set(times).count == times.count)
        // The summary's "stylized" is what the file holds.
        #expect(result.stderr.contains("stylized \(times.count),"), "\(result.stderr)")
        #expect(result.stderr.contains("live: captured 60,"), "\(result.stderr)")
        #expect(result.stderr.contains("latency median"))
    }

    @Test func aCameraRecordsItsOwnTimeAndTheSummarySaysWhatWasDropped() throws {
        let dir = try TestMedia.temporaryFolder()
        let out = "\(dir)/cam.mp4"
        let result = try vidstyle(["/dev/video0", out, "--size", "160x120", "--fps", "15", "--duration", "2"],
                                  cameras: try cameras(in: dir, #", "sequenceGapsBefore": [5, 6]"#))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("from Desk Cam, yuyv 160x120 at 15 fps"), "\(result.stderr)")
        #expect(abs(try seconds(out) - 2) <= 0.1)
        #expect(result.stderr.contains("2 by the source"), "\(result.stderr)")
        #expect(try TestMedia.probe(out, stream: "v", entry: "width,height") == "160,120")
    }

    @Test func aLostCameraStillLeavesAPlayableFileAndSaysWhy() throws {
        let dir = try TestMedia.temporaryFolder()
        let out = "\(dir)/lost.mp4"
        let result = try vidstyle(["/dev/video0", out, "--size", "160x120"], cameras: try cameras(in: dir, #", "unplugAtFrame": 20"#))
        #expect(result.status == 1)
        #expect(result.stderr.contains("camera /dev/video0 lost: the device is gone (unplugged?); \(out) is complete and playable"),
                "\(result.stderr)")
        let times = try frameTimes(out)
        #expect(times.count > 0 && times.count <= 20)
        #expect(try TestMedia.contents(dir).filter { $0.contains("vidstyle-tmp") }.isEmpty)
    }

    @Test func sigtermFinishesThePlayableFileAndExits130() throws {
        let dir = try TestMedia.temporaryFolder()
        let out = "\(dir)/stopped.mp4"
        let result = try TestMedia.runAndTerminate(CLITests.binary, ["lavfi:testsrc2=size=160x120:rate=30", out, "--live",
                                                                     "--model", model], after: 3)
        let stderr = result.stderr
        #expect(result.status == 130, "\(stderr)")
        #expect(stderr.contains("interrupted; \(out) is complete and playable"), "\(stderr)")
        let length = try seconds(out)
        #expect(length > 0.5 && length < 3.5, "recorded \(length) s")
    }

    @Test func cameraProblemsAreOneLineErrorsAndLeaveNoFile() throws {
        let dir = try TestMedia.temporaryFolder()
        let out = "\(dir)/never.mp4"
        let cases: [(args: [String], extra: String, words: [String])] = [
            (["/dev/video5", out], "", ["no camera at /dev/video5", "vidstyle devices"]),
            (["/dev/video1", out], "", ["not a video capture device"]),
            (["/dev/video0", out], #", "openError": "EACCES""#, ["permission denied", "video"]),
            (["/dev/video0", out], #", "busy": true"#, ["busy", "another program"]),
            (["/dev/video0", out, "--size", "1920x1080"], "", ["cannot give 1920x1080", "it offers yuyv 160x120 (30, 15 fps), 640x480 (30 fps)"]),
            (["/dev/video0", out, "--fps", "60"], "", ["cannot give", "60 fps"]),
            (["/dev/video0", out, "--input-format", "mjpeg"], "", ["cannot give the mjpeg format"]),
        ]
        for c in cases {
            let result = try vidstyle(c.args, cameras: try cameras(in: dir, c.extra))
            #expect(result.status != 0 && result.status < 128)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(c.args): \(result.stderr)")
            for word in c.words { #expect(result.stderr.contains(word), "\(c.args): \(result.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: out))
            #expect(try TestMedia.contents(dir).filter { $0.contains("vidstyle-tmp") }.isEmpty)
        }
    }

    @Test func liveOptionsNeedALiveInput() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let result = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--duration", "1"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--duration applies to live inputs"), "\(result.stderr)")
        let fileSize = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--live", "--size", "320x240"])
        #expect(fileSize.status == 1)
        #expect(fileSize.stderr.contains("is a file and plays with its own size and rate"), "\(fileSize.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.mp4"))
        let bad = try vidstyle(["lavfi:testsrc2", "\(dir)/out.mp4", "--live", "--size", "big"])
        #expect(bad.stderr.contains("--size big is not a size"), "\(bad.stderr)")
    }

    @Test func devicesListsCapturingCamerasAndSaysWhenThereIsNone() throws {
        let dir = try TestMedia.temporaryFolder()
        let listing = try TestMedia.run(CLITests.binary, ["devices"],
                                        environment: ["VIDSTYLE_FAKE_V4L2": try cameras(in: dir)])
        #expect(listing.status == 0)
        #expect(listing.stdout == """
            /dev/video0: Desk Cam (vidstyle-fake, fake:/dev/video0)
              yuyv: 160x120 (30, 15 fps), 640x480 (30 fps)

            no output devices (virtual cameras) found; to make one: modprobe v4l2loopback devices=1 video_nr=10 card_label=vidstyle exclusive_caps=1 (docs/usage.md, "Virtual camera")

            """, "\(listing.stdout)")
        let json = try TestMedia.run(CLITests.binary, ["devices", "--json"],
                                     environment: ["VIDSTYLE_FAKE_V4L2": try cameras(in: dir)])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(parsed?.count == 1)
        #expect(parsed?.first?["path"] as? String == "/dev/video0")
        let empty = "\(dir)/none.json"
        try "[]".write(toFile: empty, atomically: false, encoding: .utf8)
        let none = try TestMedia.run(CLITests.binary, ["devices"], environment: ["VIDSTYLE_FAKE_V4L2": empty])
        #expect(none.status == 0)
        #expect(none.stdout.hasPrefix("no video capture devices found"))
    }
}
