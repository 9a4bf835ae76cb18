import Foundation
import Testing
@testable import VidStyleKit

/// The capture code against the scripted fake camera: negotiation, streaming, and every way a
/// real camera misbehaves.
@Suite struct V4L2CameraTests {
    func fake(_ configure: (inout FakeCamera) -> Void = { _ in }) -> FakeV4L2Interface {
        var camera = FakeCamera.typicalWebcam()
        configure(&camera)
        return FakeV4L2Interface(cameras: [camera])
    }

    @Test func listsFormatsSizesAndRates() throws {
        let camera = try V4L2Camera(path: "/dev/video0", interface: fake())
        let offer = camera.describe()
        #expect(offer.name == "vidstyle fake camera")
        #expect(offer.formats.map(\.name) == ["yuyv", "mjpeg"])
        #expect(offer.formats[0].sizes.map(\.summary) == ["320x240 (30, 15 fps)", "640x480 (30, 15 fps)", "1280x720 (10 fps)"])
        #expect(offer.formats[1].compressed && !offer.formats[0].compressed)
    }

    @Test func picksTheFormatThatReachesTheRate() throws {
        let formats = try V4L2Camera(path: "/dev/video0", interface: fake()).describe().formats
        // 640x480: both give 30 fps; raw YUYV wins (no decoding).
        #expect(try CaptureMode.choose(from: formats, request: CaptureRequest(), path: "c")
                == CaptureMode(format: .yuyv, width: 640, height: 480, framesPerSecond: 30))
        // 1280x720: YUYV gives only 10 fps, MJPEG 30.
        #expect(try CaptureMode.choose(from: formats, request: CaptureRequest(width: 1280, height: 720), path: "c")
                == CaptureMode(format: .mjpeg, width: 1280, height: 720, framesPerSecond: 30))
        #expect(try CaptureMode.choose(from: formats, request: CaptureRequest(framesPerSecond: 15), path: "c")
                == CaptureMode(format: .yuyv, width: 640, height: 480, framesPerSecond: 15))
        #expect(try CaptureMode.choose(from: formats, request: CaptureRequest(width: 1280, height: 720, format: .yuyv), path: "c")
                == CaptureMode(format: .yuyv, width: 1280, height: 720, framesPerSecond: 10))
    }

    @Test func refusesWhatTheCameraCannotGiveListingWhatItCan() throws {
        let camera = try V4L2Camera(path: "/dev/video0", interface: fake())
        for request in [CaptureRequest(width: 1920, height: 1080), CaptureRequest(framesPerSecond: 60),
                        CaptureRequest(format: .nv12)] {
            do {
                try camera.configure(request)
                Issue.record("\(request) was accepted")
            } catch {
                guard case .unsupported = error else { Issue.record("wrong error \(error)"); continue }
                #expect(error.description.contains("it offers yuyv 320x240 (30, 15 fps), 640x480 (30, 15 fps), 1280x720 (10 fps); mjpeg"))
            }
        }
    }

    @Test func acceptsTheDriversAdjustedSizeOnlyWhenNoneWasAsked() throws {
        // A camera whose only size is odd: S_FMT adjusts 640x480 to it, as drivers do.
        let io = fake { $0.formats = [FakeCamera.Format(fourcc: "YUYV", sizes: [CameraFrameSize(width: 352, height: 288, framesPerSecond: [25])])] }
        let camera = try V4L2Camera(path: "/dev/video0", interface: io)
        let mode = try camera.configure(CaptureRequest())
        #expect(mode == CaptureMode(format: .yuyv, width: 352, height: 288, framesPerSecond: 25))
        #expect(camera.bytesPerLine == 704)
    }

    @Test func openErrorsNameTheProblem() throws {
        #expect(throws: CameraError.noSuchDevice(path: "/dev/video7")) { try V4L2Camera(path: "/dev/video7", interface: fake()) }
        #expect(throws: CameraError.permissionDenied(path: "/dev/video0")) {
            try V4L2Camera(path: "/dev/video0", interface: fake { $0.openError = "EACCES" })
        }
        #expect(throws: CameraError.notCaptureDevice(path: "/dev/video0", name: "vidstyle fake camera")) {
            try V4L2Camera(path: "/dev/video0", interface: fake { $0.canCapture = false })
        }
        let busy = try V4L2Camera(path: "/dev/video0", interface: fake { $0.busy = true })
        #expect(throws: CameraError.busy(path: "/dev/video0")) { try busy.configure(CaptureRequest()) }
        #expect(CameraError.busy(path: "/dev/video0").description.contains("another program"))
    }

    @Test func streamsFramesWithSequenceAndMonotonicStamps() throws {
        let io = fake { $0.eagainEvery = 3 }
        let source = try CameraSource(path: "/dev/video0", request: CaptureRequest(width: 320, height: 240),
                                      duration: nil, interface: io)
        let pool = VideoFramePool(width: 320, height: 240)
        var pts: [Int64] = []
        for _ in 0..<10 {
            guard case .video(let frame) = try source.next(pool: pool) else { Issue.record("no frame"); return }
            pts.append(frame.pts)
            #expect(frame.captureTime > 0)
            pool.recycle(frame)
        }
        // 30 fps: 33333 µs apart, from 0, whatever EAGAIN the driver gave in between.
        for (i, value) in pts.enumerated() {
            #expect(abs(Double(value) - Double(i) * 1_000_000 / 30) <= 1, "frame \(i) at \(value) µs")
        }
        #expect(source.framesSkippedBySource == 0)
    }

    @Test func countsSequenceGapsAndDamagedFramesAsSkipped() throws {
        let io = fake { $0.sequenceGapsBefore = [3, 7]; $0.damagedFrames = [5] }
        let source = try CameraSource(path: "/dev/video0", request: CaptureRequest(width: 320, height: 240),
                                      duration: nil, interface: io)
        let pool = VideoFramePool(width: 320, height: 240)
        var pts: [Int64] = []
        for _ in 0..<8 {
            guard case .video(let frame) = try source.next(pool: pool) else { return }
            pts.append(frame.pts / 33333)
        }
        // Two frames the driver skipped (the time goes on without them), one damaged frame left out.
        #expect(pts == [0, 1, 2, 4, 5, 7, 9, 10])
        #expect(source.framesSkippedBySource == 3)
    }

    @Test func stopsAtTheDurationOfCaptureTime() throws {
        let source = try CameraSource(path: "/dev/video0", request: CaptureRequest(width: 320, height: 240),
                                      duration: 0.5, interface: fake())
        let pool = VideoFramePool(width: 320, height: 240)
        var count = 0
        while case .video = try source.next(pool: pool) { count += 1 }
        #expect(count == 15)  // frames at 0 ... 0.467 s
    }

    @Test func anUnpluggedOrHungCameraIsLostNotAnEndlessWait() throws {
        for (configure, reason) in [({ (c: inout FakeCamera) in c.unplugAtFrame = 4 }, "unplugged"),
                                    ({ (c: inout FakeCamera) in c.stallAtFrame = 4 }, "no frame for")] {
            let source = try CameraSource(path: "/dev/video0", request: CaptureRequest(width: 320, height: 240),
                                          duration: nil, interface: fake(configure))
            let pool = VideoFramePool(width: 320, height: 240)
            var count = 0
            do {
                while case .video = try source.next(pool: pool) { count += 1 }
                Issue.record("the source ended instead of reporting the loss")
            } catch let error as CameraError {
                guard case .lost = error else { Issue.record("\(error)"); continue }
                #expect(error.description.contains(reason), "\(error)")
            }
            #expect(count == 4)
        }
    }

    @Test func convertsYUYVAndMJPEGToRGB() throws {
        let dir = try TestMedia.temporaryFolder()
        let jpeg = "\(dir)/frame.jpg"
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "color=c=0xff0000:size=320x240", "-frames:v", "1", jpeg])
        var camera = FakeCamera(formats: [FakeCamera.Format(fourcc: "MJPG", sizes: [CameraFrameSize(width: 320, height: 240, framesPerSecond: [30])])])
        camera.jpegPath = jpeg
        let source = try CameraSource(path: "/dev/video0", request: CaptureRequest(), duration: nil,
                                      interface: FakeV4L2Interface(cameras: [camera]))
        #expect(source.mode.format == .mjpeg)
        let pool = VideoFramePool(width: 320, height: 240)
        guard case .video(let frame) = try source.next(pool: pool) else { Issue.record("no frame"); return }
        let p = frame.row(120) + 3 * 160
        #expect(p[0] > 240 && p[1] < 15 && p[2] < 15, "red came out as \(p[0]),\(p[1]),\(p[2])")

        // The fake's YUYV: luma bands, constant chroma (U 90, V 170: a warm tone), so R > B.
        let yuyv = try CameraSource(path: "/dev/video0", request: CaptureRequest(width: 320, height: 240), duration: nil,
                                    interface: fake())
        guard case .video(let raw) = try yuyv.next(pool: pool) else { Issue.record("no frame"); return }
        let q = raw.row(10) + 3 * 10
        #expect(q[0] > q[2])
    }
}
