import Foundation

/// A scripted V4L2 output device (a virtual camera such as a v4l2loopback node) for
/// `FakeV4L2Interface`: what it accepts, where it records what it is given, and how it fails.
///
/// The kernel here has no v4l2loopback, so this is how the virtual camera code is tested. It is
/// an entry with `"output": true` in the same `VIDSTYLE_FAKE_V4L2` JSON list as the fake cameras:
///
/// ```json
/// {"path": "/dev/video10", "name": "vidstyle", "output": true,
///  "formats": [{"fourcc": "YUYV", "sizes": []}, {"fourcc": "YU12", "sizes": []}],
///  "recordTo": "/tmp/cam.yuv", "goneAtFrame": 40, "goneError": "EPIPE"}
/// ```
///
/// `formats` are listed as cameras list them; a format whose `sizes` is empty takes any size
/// (as a loopback does), otherwise `VIDIOC_S_FMT` adjusts the size to the nearest listed one, as
/// drivers do. Every frame written is appended to `recordTo` as raw bytes in the negotiated
/// format, and a line per frame goes to `recordTo` + `.jsonl`:
/// `{"index":0,"size":614400,"format":"YUYV","width":640,"height":480,"monotonicNanoseconds":...}`.
public struct FakeOutputDevice: Codable, Sendable {
    public var path = "/dev/video10"
    public var name = "vidstyle fake virtual camera"
    public var formats: [FakeCamera.Format]
    /// The raw recording of every frame written (and its `.jsonl` sidecar); nil records nothing.
    public var recordTo: String?
    /// An errno name `open` fails with: "EACCES", "EBUSY", "ENOENT", "ENODEV".
    public var openError: String?
    /// Formats (fourcc) for which `VIDIOC_S_FMT` fails with EINVAL, though they are listed.
    public var refuses: [String] = []
    /// From this frame on (0-based, counted as written), `write` fails with `goneError`: the
    /// device was removed or its consumer went away mid-stream.
    public var goneAtFrame: Int?
    /// "EPIPE" or "ENODEV" (the default) for `goneAtFrame`.
    public var goneError = "ENODEV"

    public init(path: String = "/dev/video10", formats: [FakeCamera.Format], recordTo: String? = nil) {
        self.path = path
        self.formats = formats
        self.recordTo = recordTo
    }

    /// A loopback node like v4l2loopback's: YUYV and I420 at any size.
    public static func loopback(path: String = "/dev/video10", recordTo: String? = nil) -> FakeOutputDevice {
        FakeOutputDevice(path: path, formats: [FakeCamera.Format(fourcc: "YUYV", sizes: []),
                                               FakeCamera.Format(fourcc: "YU12", sizes: [])], recordTo: recordTo)
    }

    private enum CodingKeys: String, CodingKey {
        case path, name, output, formats, recordTo, openError, refuses, goneAtFrame, goneError
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formats = try c.decode([FakeCamera.Format].self, forKey: .formats)
        path = try c.decodeIfPresent(String.self, forKey: .path) ?? path
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? name
        recordTo = try c.decodeIfPresent(String.self, forKey: .recordTo)
        openError = try c.decodeIfPresent(String.self, forKey: .openError)
        refuses = try c.decodeIfPresent([String].self, forKey: .refuses) ?? []
        goneAtFrame = try c.decodeIfPresent(Int.self, forKey: .goneAtFrame)
        goneError = try c.decodeIfPresent(String.self, forKey: .goneError) ?? goneError
        guard ["EPIPE", "ENODEV"].contains(goneError) else {
            throw DecodingError.dataCorruptedError(forKey: .goneError, in: c, debugDescription: "goneError must be EPIPE or ENODEV")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(true, forKey: .output)
        try c.encode(path, forKey: .path)
        try c.encode(name, forKey: .name)
        try c.encode(formats, forKey: .formats)
        try c.encodeIfPresent(recordTo, forKey: .recordTo)
        try c.encodeIfPresent(openError, forKey: .openError)
        try c.encode(refuses, forKey: .refuses)
        try c.encodeIfPresent(goneAtFrame, forKey: .goneAtFrame)
        try c.encode(goneError, forKey: .goneError)
    }
}
