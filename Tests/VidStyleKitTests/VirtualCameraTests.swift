import Foundation
import Synchronization
import Testing
@testable import VidStyleKit

/// The virtual camera against the scripted fake output device: negotiation on the OUTPUT
/// buffer type, conversion, pacing at the source's rate with repeats, and every way a
/// loopback misbehaves.
@Suite struct VirtualCameraTests {
    /// A fake loopback recording into a fresh folder; `configure` scripts its misbehaviour.
    func loopback(_ configure: (inout FakeOutputDevice) -> Void = { _ in }) throws -> (FakeV4L2Interface, String) {
        let record = try TestMedia.temporaryFolder("vcam") + "/cam.raw"
        var device = FakeOutputDevice.loopback(recordTo: record)
        configure(&device)
        return (FakeV4L2Interface(cameras: [FakeCamera.typicalWebcam()], outputs: [device]), record)
    }

    /// The sidecar's lines, parsed.
    func sidecar(_ record: String) throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: record + ".jsonl", encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// A frame of one RGB colour.
    func solid(_ width: Int, _ height: Int, _ rgb: (UInt8, UInt8, UInt8), captureTime: UInt64 = 0) -> VideoFrame {
        let frame = VideoFrame(width: width, height: height)
        for y in 0..<height {
            let row = frame.row(y)
            for x in 0..<width { (row[3 * x], row[3 * x + 1], row[3 * x + 2]) = rgb }
        }
        frame.captureTime = captureTime
        return frame
    }

    @Test func negotiatesYUYVOnTheOutputSideAndWritesOneWholeFramePerWrite() throws {
        let (io, record) = try loopback()
        let output = try V4L2Output(path: "/dev/video10", interface: io)
        #expect(output.name == "vidstyle fake virtual camera")
        let format = try output.configure(width: 640, height: 480, framesPerSecond: 30)
        #expect(format == OutputFormat(format: .yuyv, width: 640, height: 480, bytesPerLine: 1280, imageSize: 614_400,
                                       framesPerSecond: 30))
        let frame = [UInt8](repeating: 7, count: format.imageSize)
        #expect(output.write(frame, count: frame.count) == 0)
        #expect(output.write(frame, count: frame.count) == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: record)).count == 2 * 614_400)
        let lines = try sidecar(record)
        #expect(lines.map { $0["index"] as? Int } == [0, 1])
        #expect(lines.allSatisfy { $0["size"] as? Int == 614_400 && $0["format"] as? String == "YUYV" })
        #expect((lines[1]["monotonicNanoseconds"] as! Int) >= (lines[0]["monotonicNanoseconds"] as! Int))
    }

    @Test func fallsBackToI420WhenTheDeviceRefusesYUYV() throws {
        let (io, _) = try loopback { $0.refuses = ["YUYV"] }
        let format = try V4L2Output(path: "/dev/video10", interface: io).configure(width: 320, height: 240, framesPerSecond: 15)
        #expect(format.format == .yuv420 && format.bytesPerLine == 320 && format.imageSize == 320 * 240 * 3 / 2)
    }

    @Test func refusesWhatTheDeviceCannotTakeSayingWhatItTakes() throws {
        let (noneOfOurs, _) = try loopback { $0.formats = [FakeCamera.Format(fourcc: "MJPG", sizes: [])] }
        #expect(throws: VirtualCameraError.self) {
            try V4L2Output(path: "/dev/video10", interface: noneOfOurs).configure(width: 640, height: 480, framesPerSecond: 30)
        }
        do {
            try V4L2Output(path: "/dev/video10", interface: noneOfOurs).configure(width: 640, height: 480, framesPerSecond: 30)
        } catch {
            #expect(error.description.contains("refused every format vidstyle writes (yuyv, yuv420p); it accepts mjpeg"), "\(error)")
        }
        let (bothRefused, _) = try loopback { $0.refuses = ["YUYV", "YU12"] }
        do {
            try V4L2Output(path: "/dev/video10", interface: bothRefused).configure(width: 640, height: 480, framesPerSecond: 30)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("refused yuyv and yuv420p at 640x480"), "\(error)")
        }
        // A device with one fixed size adjusts ours, as drivers do: refused, never scaled silently.
        let (fixed, _) = try loopback {
            $0.formats = [FakeCamera.Format(fourcc: "YUYV", sizes: [CameraFrameSize(width: 1280, height: 720, framesPerSecond: [30])])]
        }
        do {
            try V4L2Output(path: "/dev/video10", interface: fixed).configure(width: 640, height: 480, framesPerSecond: 30)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("refused yuyv (it gives 1280x720) at 640x480; it accepts yuyv 1280x720"), "\(error)")
        }
    }

    @Test func openErrorsNameTheProblem() throws {
        let (io, _) = try loopback()
        #expect(throws: VirtualCameraError.noSuchDevice(path: "/dev/video11")) { try V4L2Output(path: "/dev/video11", interface: io) }
        #expect(throws: VirtualCameraError.notOutputDevice(path: "/dev/video0", name: "vidstyle fake camera")) {
            try V4L2Output(path: "/dev/video0", interface: io)
        }
        let (locked, _) = try loopback { $0.openError = "EACCES" }
        #expect(throws: VirtualCameraError.permissionDenied(path: "/dev/video10")) { try V4L2Output(path: "/dev/video10", interface: locked) }
        // And the other way round: a virtual camera is no camera to capture from.
        #expect(throws: CameraError.notCaptureDevice(path: "/dev/video10", name: "vidstyle fake virtual camera")) {
            try V4L2Camera(path: "/dev/video10", interface: io)
        }
        #expect(VirtualCameraError.noSuchDevice(path: "/dev/video10").description.contains("modprobe v4l2loopback"))
    }

    @Test(arguments: [false, true]) func convertsPaintedRGBToBT601LimitedRange(i420: Bool) throws {
        let (io, record) = try loopback { if i420 { $0.refuses = ["YUYV"] } }
        // 62 wide: rows of 124 (YUYV) or 62 and 31 bytes (I420), not multiples of 64, so the
        // padded staging path runs.
        let sink = try VirtualCameraSink(path: "/dev/video10", width: 62, height: 6, framesPerSecond: 1000, interface: io)
        #expect(sink.format.format == (i420 ? .yuv420 : .yuyv))
        try sink.write(solid(62, 6, (255, 0, 0)))
        sink.start()
        Thread.sleep(forTimeInterval: 0.05)
        try sink.finish()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: record)))
        let size = sink.format.imageSize
        #expect(bytes.count >= size && bytes.count % size == 0)
        let frame = Array(bytes.prefix(size))
        // BT.601 limited range red: Y 81, Cb 90, Cr 240 (±2 for rounding).
        func near(_ value: UInt8, _ expected: Int) -> Bool { abs(Int(value) - expected) <= 2 }
        if i420 {
            let luma = 62 * 6, chroma = 31 * 3
            #expect(frame[..<luma].allSatisfy { near($0, 81) })
            #expect(frame[luma..<luma + chroma].allSatisfy { near($0, 90) })
            #expect(frame[(luma + chroma)...].allSatisfy { near($0, 240) })
        } else {
            for i in stride(from: 0, to: size, by: 4) {
                #expect(near(frame[i], 81) && near(frame[i + 1], 90) && near(frame[i + 2], 81) && near(frame[i + 3], 240),
                        "pixel pair \(i / 4): \(frame[i..<i + 4])")
            }
        }
    }

    @Test func anOddSizeLosesItsLastRowAndColumn() throws {
        let (io, record) = try loopback()
        let sink = try VirtualCameraSink(path: "/dev/video10", width: 161, height: 121, framesPerSecond: 30, interface: io)
        #expect(sink.format.width == 160 && sink.format.height == 120)
        try sink.write(solid(161, 121, (0, 0, 0)))
        sink.start()
        Thread.sleep(forTimeInterval: 0.05)
        try sink.finish()
        #expect(try sidecar(record).allSatisfy { $0["width"] as? Int == 160 && $0["height"] as? Int == 120 && $0["size"] as? Int == 38_400 })
    }

    @Test func blackFramesFlowAtTheSourceRateUntilTheFirstPainting() throws {
        let (io, record) = try loopback()
        let sink = try VirtualCameraSink(path: "/dev/video10", width: 64, height: 48, framesPerSecond: 50, interface: io)
        sink.start()
        Thread.sleep(forTimeInterval: 0.5)
        try sink.finish()
        let counts = sink.statistics.snapshot
        #expect(counts.painted == 0 && counts.repeated == 0)
        // 0.5 s at 50 fps: 25 ticks (the first at once); a late wake-up on a busy machine may skip one or two.
        #expect(counts.blank >= 22 && counts.blank <= 27, "\(counts)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: record)))
        #expect(bytes.count == counts.blank * 64 * 48 * 2)
        #expect(bytes.enumerated().allSatisfy { $0.element == ($0.offset & 1 == 0 ? 16 : 128) })
    }

    @Test func aSlowStylizerGetsItsLastFrameRepeatedAtTheSourceRate() throws {
        let (io, record) = try loopback()
        let sink = try VirtualCameraSink(path: "/dev/video10", width: 64, height: 48, framesPerSecond: 50, interface: io)
        sink.start()
        // Painted at 10 fps for 1.2 s, each a different grey, against a 50 fps source.
        for i in 0..<12 {
            let grey = UInt8(40 + 15 * i)
            try sink.write(solid(64, 48, (grey, grey, grey), captureTime: MonotonicClock.nanoseconds() - 30_000_000))
            Thread.sleep(forTimeInterval: 0.1)
        }
        try sink.finish()
        let counts = sink.statistics.snapshot
        #expect(counts.painted == 12, "\(counts)")
        #expect(counts.repeated >= 40, "\(counts)")
        // Every whole second got at least the source's rate (one tick of slack for a busy machine).
        #expect((counts.lowestPerSecond ?? 0) >= 49, "\(counts)")
        #expect(counts.framesPerSecond >= 49, "\(counts)")
        // Latency counts painted frames only, from their capture time (30 ms before the write).
        #expect((counts.latencyMedianMilliseconds ?? 0) >= 30 && (counts.latencyMedianMilliseconds ?? 999) < 200, "\(counts)")
        // The recording: each repeat is the painted frame before it, byte for byte.
        let size = 64 * 48 * 2
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: record)))
        #expect(bytes.count == counts.delivered * size)
        var distinct = 0
        var previous: ArraySlice<UInt8>?
        for start in stride(from: 0, to: bytes.count, by: size) {
            let frame = bytes[start..<start + size]
            if frame != previous { distinct += 1 }
            previous = frame
        }
        #expect(distinct == 12 + (counts.blank > 0 ? 1 : 0), "\(counts)")
    }

    @Test(arguments: ["EPIPE", "ENODEV"]) func aGoneConsumerStopsTheCameraAndItsNextWriteSaysWhy(error: String) throws {
        let (io, record) = try loopback {
            $0.goneAtFrame = 5
            $0.goneError = error
        }
        let sink = try VirtualCameraSink(path: "/dev/video10", width: 64, height: 48, framesPerSecond: 100, interface: io)
        sink.start()
        Thread.sleep(forTimeInterval: 0.3)
        do {
            try sink.write(solid(64, 48, (9, 9, 9)))
            Issue.record("write went on after the device stopped")
        } catch let failure as VirtualCameraError {
            guard case .stopped(let path, let frames, _, let reason) = failure else { Issue.record("\(failure)"); return }
            #expect(path == "/dev/video10" && frames == 5)
            #expect(reason == (error == "EPIPE" ? "its consumer went away (broken pipe)"
                                                : "the device is gone (the v4l2loopback node was removed?)"))
        }
        try sink.finish()
        #expect(sink.statistics.snapshot.stopReason != nil && sink.statistics.snapshot.stoppedAfterSeconds != nil)
        #expect(try sidecar(record).count == 5)
    }

    final class RecordingSink: MediaSink, @unchecked Sendable {
        let frames = Mutex(0)
        let state = Mutex("open")
        func write(_ frame: VideoFrame) throws { frames.withLock { $0 += 1 } }
        func write(_ packet: CopiedPacket) throws {}
        func finish() throws { state.withLock { $0 = "finished" } }
        func discard() { state.withLock { $0 = "discarded" } }
    }

    @Test func theTeeKeepsRecordingWhenTheCameraStops() throws {
        let (io, record) = try loopback { $0.goneAtFrame = 3 }
        let camera = try VirtualCameraSink(path: "/dev/video10", width: 64, height: 48, framesPerSecond: 100, interface: io)
        let recording = RecordingSink()
        let tee = TeeSink(recording: recording, camera: camera)
        camera.start()
        for i in 0..<20 {
            try tee.write(solid(64, 48, (UInt8(i), 0, 0)))
            Thread.sleep(forTimeInterval: 0.01)
        }
        try tee.finish()
        #expect(recording.frames.withLock { $0 } == 20)
        #expect(recording.state.withLock { $0 } == "finished")
        #expect(camera.statistics.snapshot.stopReason == "the device is gone (the v4l2loopback node was removed?)")
        #expect(try sidecar(record).count == 3)
    }

    /// Threads of this process whose nice value is at least `nice` (from /proc/self/task).
    func threads(niceAtLeast nice: Int) -> Int {
        TestMedia.contents("/proc/self/task").filter { task in
            guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 16 && (Int(fields[16]) ?? 0) >= nice
        }.count
    }

    @Test func threadsStartedAtBackgroundPriorityInheritIt() throws {
        let nice = try BackgroundPriority.make(niceness: 7) { () -> Int32 in
            let result = Mutex<Int32>(0)
            let thread = Thread { result.withLock { $0 = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) } }
            thread.start()
            while thread.isExecuting || !thread.isFinished { usleep(1000) }
            return result.withLock { $0 }
        }
        #expect(nice >= 7)
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) < 7, "the caller keeps its priority")
        #expect(throws: VirtualCameraError.self) {
            try BackgroundPriority.make(niceness: 1) { () -> Int in throw VirtualCameraError.busy(path: "x") }
        }
    }

    @Test func theRecordingBesideACameraEncodesAtALowerPriority() throws {
        let (io, _) = try loopback()
        let dir = try TestMedia.temporaryFolder("vcamnice")
        let before = threads(niceAtLeast: Int(LiveJob.recordingNiceness))
        let job = LiveJob(input: .file("unused"), outputPath: "\(dir)/out.mp4", virtualCamera: "/dev/video10")
        // 640x480: x264 gives a tiny picture no threads of its own.
        let video = VideoStreamInfo(width: 640, height: 480, timeBase: Rational(num: 1, den: 1_000_000),
                                    averageFrameRate: Rational(num: 30, den: 1))
        let made = try job.makeSink(video: video, interface: io)
        // x264's encoder threads, started as the recording's encoder opened.
        #expect(threads(niceAtLeast: Int(LiveJob.recordingNiceness)) > before)
        #expect(made.sink is TeeSink)
        made.sink.discard()
        #expect(TestMedia.contents(dir).isEmpty)
    }

    @Test func secondsWithoutAnyWriteCountAsZero() {
        let statistics = VirtualCameraStatistics(path: "/dev/video10")
        let start: UInt64 = 1_000_000_000_000
        for i in 0..<30 { statistics.recordWrite(.painted, captureTime: 0, now: start + UInt64(i) * 33_000_000) }
        #expect(statistics.snapshot.lowestPerSecond == nil)  // no whole second yet
        statistics.recordWrite(.repeated, captureTime: 0, now: start + 1_100_000_000)
        #expect(statistics.snapshot.lowestPerSecond == 30)
        statistics.recordWrite(.repeated, captureTime: 0, now: start + 3_100_000_000)  // second 2 had none
        #expect(statistics.snapshot.lowestPerSecond == 0)
        #expect(statistics.snapshot.delivered == 32 && statistics.snapshot.painted == 30)
    }
}
