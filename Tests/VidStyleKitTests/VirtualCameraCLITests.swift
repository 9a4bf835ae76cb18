import Foundation
import Testing

/// `vidstyle` feeding a virtual camera, run as a user runs it: the scripted fake camera and fake
/// loopback (`VIDSTYLE_FAKE_V4L2`) stand in for a webcam and v4l2loopback, lavfi for other sources.
@Suite(.serialized) struct VirtualCameraCLITests {
    let model = TestMedia.fixture("tiny-model.safetensors")

    func vidstyle(_ args: [String], devices: String) throws -> TestMedia.CommandResult {
        var environment = ProcessInfo.processInfo.environment
        environment["VIDSTYLE_FAKE_V4L2"] = devices
        return try TestMedia.run(CLITests.binary, args + ["--model", model], environment: environment)
    }

    /// A scenario: a 160x120 webcam at /dev/video0, a second camera at /dev/video1, and a
    /// loopback at /dev/video10 recording to DIR/cam.yuv (plus whatever `extra` sets on it).
    func devices(in dir: String, output extra: String = "") throws -> String {
        let path = "\(dir)/devices.json"
        let json = """
            [{"path": "/dev/video0", "name": "Desk Cam", "realTime": true, "formats": [
              {"fourcc": "YUYV", "sizes": [{"width": 160, "height": 120, "framesPerSecond": [30, 15]}]}]},
             {"path": "/dev/video1", "name": "Other Cam", "formats": [
              {"fourcc": "YUYV", "sizes": [{"width": 160, "height": 120, "framesPerSecond": [30]}]}]},
             {"path": "/dev/video10", "name": "vidstyle", "output": true, "recordTo": "\(dir)/cam.yuv"\(extra),
              "formats": [{"fourcc": "YUYV", "sizes": []}, {"fourcc": "YU12", "sizes": []}]}]
            """
        try json.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// The loopback's sidecar: (size, format, seconds since the first frame) per frame.
    func cameraFrames(_ dir: String) throws -> [(size: Int, format: String, time: Double)] {
        let text = (try? String(contentsOfFile: "\(dir)/cam.yuv.jsonl", encoding: .utf8)) ?? ""
        let lines = try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let first = lines.first?["monotonicNanoseconds"] as? Int ?? 0
        return lines.map { ($0["size"] as! Int, $0["format"] as! String, Double(($0["monotonicNanoseconds"] as! Int) - first) / 1e9) }
    }

    /// Frames the camera got in each whole second from its first frame.
    func perSecond(_ frames: [(size: Int, format: String, time: Double)]) -> [Int] {
        guard let last = frames.last?.time, last >= 1 else { return [] }
        return (0..<Int(last)).map { second in frames.filter { $0.time >= Double(second) && $0.time < Double(second + 1) }.count }
    }

    @Test func aWebcamFeedsTheVirtualCameraAtTheCaptureRateFromTheFirstSecond() throws {
        let dir = try TestMedia.temporaryFolder("vcamcli")
        let result = try vidstyle(["/dev/video0", "/dev/video10", "--fps", "30", "--duration", "3"], devices: try devices(in: dir))
        #expect(result.status == 0, "\(result.stderr)")
        let frames = try cameraFrames(dir)
        #expect(frames.allSatisfy { $0.size == 160 * 120 * 2 && $0.format == "YUYV" })
        let seconds = perSecond(frames)
        #expect(seconds.count >= 2 && seconds.allSatisfy { $0 >= 29 }, "frames per second: \(seconds)")
        #expect(result.stderr.contains("virtual camera /dev/video10 (yuyv 160x120 at 30 fps): \(frames.count) frames"), "\(result.stderr)")
        #expect(result.stderr.contains("painted,") && result.stderr.contains("latency capture to camera median"))
        // No file is made when OUT is the camera.
        #expect(TestMedia.contents(dir) == ["cam.yuv", "cam.yuv.jsonl", "devices.json"])
    }

    @Test func toCameraRecordsTheFileAndFeedsTheSamePaintedFramesToTheCamera() throws {
        let dir = try TestMedia.temporaryFolder("vcamtee")
        let out = "\(dir)/out.mkv"
        let result = try vidstyle(["lavfi:testsrc2=size=160x120:rate=25", out, "--live", "--duration", "2", "--to-camera", "/dev/video10",
                                   "--crf", "0", "--pixel-format", "yuv422p"], devices: try devices(in: dir))
        #expect(result.status == 0, "\(result.stderr)")
        let recorded = try TestMedia.frameTimes(out).count
        #expect(result.stderr.contains("stylized \(recorded),"), "\(result.stderr)")
        // The camera shows every painted frame at the source's pace; on a loaded machine the
        // first tick can come before the first painting (a blank frame), and the camera stops
        // with the source, so one or two of the last paintings may not get a tick of their own.
        let painted = result.stderr.firstMatch(of: /\((\d+) painted,/).flatMap { Int($0.1) } ?? -1
        #expect(painted <= recorded && painted >= recorded - 2, "\(result.stderr)")
        let frames = try cameraFrames(dir)
        #expect(frames.count >= recorded && perSecond(frames).allSatisfy { $0 >= 24 }, "\(perSecond(frames))")
        // The camera's last frame is the file's last painted frame (lossless here): YUYV is 4:2:2.
        try TestMedia.ffmpeg(["-i", out, "-vf", "reverse", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuyv422", "\(dir)/last.yuv"])
        let fileLast = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/last.yuv")))
        let camera = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/cam.yuv")))
        let cameraLast = Array(camera.suffix(160 * 120 * 2))
        #expect(fileLast.count == cameraLast.count)
        let difference = zip(fileLast, cameraLast).map { abs(Int($0) - Int($1)) }.reduce(0, +) / max(1, fileLast.count)
        #expect(difference <= 2, "mean difference \(difference)")
        // ... and not the unpainted input's.
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-frames:v", "1", "-f", "rawvideo",
                              "-pix_fmt", "yuyv422", "\(dir)/input.yuv"])
        let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/input.yuv")))
        #expect(zip(input, cameraLast).map { abs(Int($0) - Int($1)) }.reduce(0, +) / input.count > 10)
    }

    @Test func aFileIsPlayedIntoTheCameraInRealTime() throws {
        let dir = try TestMedia.temporaryFolder("vcamfile")
        try TestMedia.clip("\(dir)/in.mp4", size: "96x64", rate: 20, seconds: 2, audio: false)
        let result = try vidstyle(["\(dir)/in.mp4", "/dev/video10"], devices: try devices(in: dir))
        #expect(result.status == 0, "\(result.stderr)")
        let frames = try cameraFrames(dir)
        // Paced at the file's own rate, not as fast as it decodes: 2 s of frames take ~2 s.
        #expect((frames.last?.time ?? 0) >= 1.8, "\(frames.last?.time ?? 0) s")
        #expect(frames.count >= 38, "\(frames.count) frames")
    }

    @Test func aGoneConsumerStopsTheCameraWhileTheRecordingGoesOn() throws {
        let dir = try TestMedia.temporaryFolder("vcamgone")
        let out = "\(dir)/out.mp4"
        let result = try vidstyle(["/dev/video0", out, "--duration", "2", "--to-camera", "/dev/video10"],
                                  devices: try devices(in: dir, output: #", "goneAtFrame": 20, "goneError": "EPIPE""#))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try cameraFrames(dir).count == 20)
        #expect(result.stderr.contains("vidstyle: virtual camera /dev/video10 stopped taking frames after 0."), "\(result.stderr)")
        #expect(result.stderr.contains("its consumer went away (broken pipe); the recording to \(out) went on"), "\(result.stderr)")
        let length = Double(try TestMedia.ffprobe(["-show_entries", "format=duration", "-of", "csv=p=0", out])
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(abs(length - 2) <= 0.15, "recorded \(length) s")
    }

    @Test func aGoneCameraEndsACameraOnlyRunInOneLine() throws {
        let dir = try TestMedia.temporaryFolder("vcamonly")
        let result = try vidstyle(["/dev/video0", "/dev/video10", "--duration", "3"],
                                  devices: try devices(in: dir, output: #", "goneAtFrame": 10"#))
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("virtual camera /dev/video10 stopped taking frames after 0.")
                && result.stderr.contains("(10 frames): the device is gone"), "\(result.stderr)")
    }

    @Test func sigtermStopsACameraFeedWithStatus130() throws {
        let dir = try TestMedia.temporaryFolder("vcamstop")
        var environment = ProcessInfo.processInfo.environment
        environment["VIDSTYLE_FAKE_V4L2"] = try devices(in: dir)
        let result = try TestMedia.runAndTerminate(CLITests.binary, ["/dev/video0", "/dev/video10", "--model", model],
                                                   after: 3, environment: environment)
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("interrupted; the virtual camera /dev/video10 got the"), "\(result.stderr)")
        // Fed until the stop (at least a second of the 30 fps camera after start-up).
        let fed = try cameraFrames(dir).count
        #expect(fed >= 30, "\(fed) frames")
    }

    @Test func sigtermWithToCameraFinishesThePlayableFile() throws {
        let dir = try TestMedia.temporaryFolder("vcamteestop")
        let out = "\(dir)/stopped.mp4"
        var environment = ProcessInfo.processInfo.environment
        environment["VIDSTYLE_FAKE_V4L2"] = try devices(in: dir)
        let result = try TestMedia.runAndTerminate(CLITests.binary, ["/dev/video0", out, "--to-camera", "/dev/video10", "--model", model],
                                                   after: 3, environment: environment)
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("interrupted; \(out) is complete and playable"), "\(result.stderr)")
        #expect(result.stderr.contains("vidstyle: virtual camera /dev/video10 (yuyv 160x120 at 30 fps)"), "\(result.stderr)")
        let times = try TestMedia.frameTimes(out)
        #expect(times.count > 10, "\(times.count) frames")
        #expect(try cameraFrames(dir).count >= times.count)
        #expect(TestMedia.contents(dir).filter { $0.contains("vidstyle-tmp") }.isEmpty)
    }

    @Test func virtualCameraProblemsAreOneLineErrorsAndLeaveNoFile() throws {
        let dir = try TestMedia.temporaryFolder("vcamerr")
        let out = "\(dir)/never.mp4"
        try FileManager.default.createDirectory(atPath: "\(dir)/folder", withIntermediateDirectories: true)
        let cases: [(args: [String], extra: String, words: [String])] = [
            (["/dev/video0", "/dev/video11"], "", ["no virtual camera at /dev/video11", "modprobe v4l2loopback"]),
            (["/dev/video0", out, "--to-camera", "/dev/video11"], "", ["no virtual camera at /dev/video11"]),
            (["/dev/video0", out, "--to-camera", "/dev/video1"], "", ["/dev/video1 (Other Cam) is not a video output device"]),
            (["/dev/video0", out, "--to-camera", "/dev/video10"], #", "refuses": ["YUYV", "YU12"]"#,
             ["virtual camera /dev/video10 refused yuyv and yuv420p at 160x120; it accepts yuyv, yuv420p"]),
            (["/dev/video0", out, "--to-camera", "/dev/video10"], #", "openError": "EBUSY""#, ["/dev/video10 is busy"]),
            (["/dev/video0", "/dev/video10", "--codec", "h265"], "", ["--codec applies to a recorded file", "--to-camera /dev/video10"]),
            (["/dev/video0", "/dev/video10", "--to-camera", "/dev/video10"], "", ["already the virtual camera"]),
            (["/dev/video0", out, "--to-camera", "/dev/video0"], "", ["is both IN and the virtual camera"]),
            (["\(dir)/folder", "\(dir)/outfolder", "--to-camera", "/dev/video10"], "", ["a folder cannot feed a virtual camera"]),
        ]
        for c in cases {
            let result = try vidstyle(c.args, devices: try devices(in: dir, output: c.extra))
            #expect(result.status != 0 && result.status < 128, "\(c.args): \(result.status)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(c.args): \(result.stderr)")
            for word in c.words { #expect(result.stderr.contains(word), "\(c.args): \(result.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: out))
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/outfolder"))
            #expect(TestMedia.contents(dir).filter { $0.contains("vidstyle-tmp") || $0.hasPrefix("cam.yuv") }.isEmpty, "\(c.args)")
        }
    }

    @Test func devicesListsOutputDevicesApartFromCameras() throws {
        let dir = try TestMedia.temporaryFolder("vcamlist")
        let scenario = try devices(in: dir)
        let listing = try TestMedia.run(CLITests.binary, ["devices"], environment: ["VIDSTYLE_FAKE_V4L2": scenario])
        #expect(listing.status == 0)
        #expect(listing.stdout == """
            /dev/video0: Desk Cam (vidstyle-fake, fake:/dev/video0)
              yuyv: 160x120 (30, 15 fps)
            /dev/video1: Other Cam (vidstyle-fake, fake:/dev/video1)
              yuyv: 160x120 (30 fps)

            output devices (virtual cameras; give one as OUT or --to-camera):
            /dev/video10: vidstyle (v4l2 loopback, fake:/dev/video10)
              takes yuyv, yuv420p (any size from 2x2 to 8192x8192)
              vidstyle writes yuyv

            """, "\(listing.stdout)")
        let json = try TestMedia.run(CLITests.binary, ["devices", "--json"], environment: ["VIDSTYLE_FAKE_V4L2": scenario])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(parsed?.map { $0["kind"] as? String } == ["camera", "camera", "output"])
        #expect(parsed?.last?["path"] as? String == "/dev/video10" && parsed?.last?["writes"] as? String == "yuyv")
    }
}
