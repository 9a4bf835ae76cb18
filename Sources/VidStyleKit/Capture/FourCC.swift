/// A V4L2 pixel format code: four ASCII characters packed little-endian ("YUYV", "MJPG").
public struct FourCC: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// - Returns: nil unless `text` is exactly four ASCII characters.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 4, bytes.allSatisfy({ $0 < 128 }) else { return nil }
        rawValue = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }

    public var description: String {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (8 * $0)) }
        return String(decoding: bytes.map { (32..<127).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
    }

    public static let yuyv = FourCC("YUYV")!
    public static let uyvy = FourCC("UYVY")!
    public static let mjpeg = FourCC("MJPG")!
    public static let jpeg = FourCC("JPEG")!
    public static let rgb24 = FourCC("RGB3")!
    public static let bgr24 = FourCC("BGR3")!
    public static let nv12 = FourCC("NV12")!
    public static let yuv420 = FourCC("YU12")!
    public static let grey = FourCC("GREY")!

    /// The names users type for `--input-format` (as ffmpeg's v4l2 `-input_format` takes
    /// them), or the four characters themselves.
    public init?(userName: String) {
        switch userName.lowercased() {
        case "yuyv", "yuyv422", "yuy2": self = .yuyv
        case "uyvy", "uyvy422": self = .uyvy
        case "mjpeg", "mjpg": self = .mjpeg
        case "jpeg": self = .jpeg
        case "rgb24", "rgb3": self = .rgb24
        case "bgr24", "bgr3": self = .bgr24
        case "nv12": self = .nv12
        case "yuv420p", "yu12", "i420": self = .yuv420
        case "gray", "grey": self = .grey
        default:
            guard userName.count == 4, let code = FourCC(userName.uppercased()) else { return nil }
            self = code
        }
    }

    /// The name `vidstyle devices` shows and `--input-format` takes.
    public var userName: String {
        switch self {
        case .yuyv: "yuyv"
        case .uyvy: "uyvy"
        case .mjpeg: "mjpeg"
        case .jpeg: "jpeg"
        case .rgb24: "rgb24"
        case .bgr24: "bgr24"
        case .nv12: "nv12"
        case .yuv420: "yuv420p"
        case .grey: "gray"
        default: description.lowercased()
        }
    }

    /// Whether vidstyle can turn frames of this format into RGB.
    public var isConvertible: Bool {
        [FourCC.yuyv, .uyvy, .mjpeg, .jpeg, .rgb24, .bgr24, .nv12, .yuv420, .grey].contains(self)
    }
}
