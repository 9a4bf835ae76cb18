import Foundation

/// A scripted camera for `FakeV4L2Interface`: what it offers and how it misbehaves.
///
/// Tests build one in code; the command line reads a JSON list of them from the file named by
/// `VIDSTYLE_FAKE_V4L2`, so end-to-end tests can drive `vidstyle /dev/video0 ...` with no
/// camera (this machine's kernel has no V4L2). Every field but `formats` has a default.
public struct FakeCamera: Codable, Sendable {
    public struct Format: Codable, Sendable {
        /// "YUYV", "MJPG", "RGB3"...
        public var fourcc: String
        public var sizes: [CameraFrameSize]

        public init(fourcc: String, sizes: [CameraFrameSize]) {
            self.fourcc = fourcc
            self.sizes = sizes
        }
    }

    public var path = "/dev/video0"
    public var name = "vidstyle fake camera"
    /// False: a node that cannot capture (a metadata node, as UVC cameras have beside each camera).
    public var canCapture = true
    public var formats: [Format]
    /// An errno name `open` fails with: "EACCES", "EBUSY", "ENOENT".
    public var openError: String?
    /// Another program streams from it: setting the format and requesting buffers give EBUSY.
    public var busy = false
    /// Frames (0-based, counted as delivered) before which the driver skipped one sequence number.
    public var sequenceGapsBefore: [Int] = []
    /// Frames delivered with the error flag (a damaged transfer).
    public var damagedFrames: [Int] = []
    /// From this frame on, dequeueing fails with ENODEV (the camera was unplugged).
    public var unplugAtFrame: Int?
    /// From this frame on, no frame comes (a hung camera): poll times out.
    public var stallAtFrame: Int?
    /// Before every Nth frame a dequeue first gives EAGAIN (a wake-up with nothing ready).
    public var eagainEvery: Int?
    /// Deliver frames at the camera's rate, as a real one does; false: as fast as asked.
    public var realTime = false
    /// The picture every MJPEG frame carries (a JPEG file of the mode's size).
    public var jpegPath: String?
    /// Drivers that stamp buffers with something other than CLOCK_MONOTONIC.
    public var monotonicTimestamps = true

    public init(path: String = "/dev/video0", formats: [Format]) {
        self.path = path
        self.formats = formats
    }

    private enum CodingKeys: String, CodingKey {
        case path, name, canCapture, formats, openError, busy, sequenceGapsBefore, damagedFrames, unplugAtFrame,
             stallAtFrame, eagainEvery, realTime, jpegPath, monotonicTimestamps
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formats = try c.decode([Format].self, forKey: .formats)
        path = try c.decodeIfPresent(String.self, forKey: .path) ?? path
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? name
        canCapture = try c.decodeIfPresent(Bool.self, forKey: .canCapture) ?? canCapture
        openError = try c.decodeIfPresent(String.self, forKey: .openError)
        busy = try c.decodeIfPresent(Bool.self, forKey: .busy) ?? busy
        sequenceGapsBefore = try c.decodeIfPresent([Int].self, forKey: .sequenceGapsBefore) ?? []
        damagedFrames = try c.decodeIfPresent([Int].self, forKey: .damagedFrames) ?? []
        unplugAtFrame = try c.decodeIfPresent(Int.self, forKey: .unplugAtFrame)
        stallAtFrame = try c.decodeIfPresent(Int.self, forKey: .stallAtFrame)
        eagainEvery = try c.decodeIfPresent(Int.self, forKey: .eagainEvery)
        realTime = try c.decodeIfPresent(Bool.self, forKey: .realTime) ?? realTime
        jpegPath = try c.decodeIfPresent(String.self, forKey: .jpegPath)
        monotonicTimestamps = try c.decodeIfPresent(Bool.self, forKey: .monotonicTimestamps) ?? true
    }

    /// A webcam like many: YUYV up to 30 fps at 640x480 but 10 at 1280x720, MJPEG 30 at both.
    public static func typicalWebcam(path: String = "/dev/video0") -> FakeCamera {
        FakeCamera(path: path, formats: [
            Format(fourcc: "YUYV", sizes: [CameraFrameSize(width: 320, height: 240, framesPerSecond: [30, 15]),
                                           CameraFrameSize(width: 640, height: 480, framesPerSecond: [30, 15]),
                                           CameraFrameSize(width: 1280, height: 720, framesPerSecond: [10])]),
            Format(fourcc: "MJPG", sizes: [CameraFrameSize(width: 640, height: 480, framesPerSecond: [30]),
                                           CameraFrameSize(width: 1280, height: 720, framesPerSecond: [30])]),
        ])
    }
}
