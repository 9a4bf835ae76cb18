import CFFmpeg
import Foundation

/// What the IN argument names: a file, a camera, or an input FFmpeg opens by name.
///
/// - A V4L2 device (`/dev/video0`, or any character device of the video4linux major) is
///   captured live through libv4l2.
/// - `FORMAT:SPEC`, where FORMAT is one of FFmpeg's demuxers or input devices
///   (`lavfi:testsrc2=size=640x480:rate=30`, `v4l2:/dev/video1`, `x11grab::0.0`), is opened with
///   that demuxer; a URL (`http://...`, `rtsp://...`, `file:name.mp4`) with FFmpeg's protocols.
/// - `-` is standard input, as in ffmpeg (FFmpeg's `pipe:0`); a file named `-` is `./-`.
/// - Anything else is a file path. A file that exists always wins, so a file named `a:b` still
///   opens as a file.
public enum MediaInput: Equatable, Sendable, CustomStringConvertible {
    case file(String)
    case camera(String)
    case ffmpeg(format: String?, url: String)

    public init(_ text: String, isCamera: (String) -> Bool = MediaInput.isVideoDevice) {
        if text == "-" {
            self = .ffmpeg(format: nil, url: MediaInput.standardInput)
            return
        }
        if isCamera(text) {
            self = .camera(text)
            return
        }
        if FileManager.default.fileExists(atPath: text) {
            self = .file(text)
            return
        }
        // A numbered image sequence (`frames_%04d.png`), read by FFmpeg's image2 demuxer.
        if VideoWriter.isSequencePattern((text as NSString).lastPathComponent) {
            self = .ffmpeg(format: "image2", url: text)
            return
        }
        if let colon = text.firstIndex(of: ":"), colon != text.startIndex {
            let prefix = String(text[..<colon])
            let rest = String(text[text.index(after: colon)...])
            let isName = prefix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            if isName && !rest.hasPrefix("//") && MediaInput.isInputFormat(prefix) {
                self = .ffmpeg(format: prefix, url: rest)
                return
            }
            if isName && MediaInput.isProtocol(prefix) {
                self = .ffmpeg(format: nil, url: text)
                return
            }
        }
        self = .file(text)
    }

    public var description: String {
        switch self {
        case .file(let path), .camera(let path): path
        case .ffmpeg(nil, MediaInput.standardInput): "standard input"
        case .ffmpeg(let format?, let url): "\(format):\(url)"
        case .ffmpeg(nil, let url): url
        }
    }

    /// FFmpeg's name for standard input.
    static let standardInput = "pipe:0"

    /// Inputs that run at their own pace and cannot be paused (always read in real time).
    public var isInherentlyLive: Bool {
        switch self {
        case .camera: true
        case .ffmpeg(let format?, _): MediaInput.liveFormats.contains(format)
        default: false
        }
    }

    /// FFmpeg's capture devices, which deliver frames in real time by nature.
    static let liveFormats: Set<String> = ["v4l2", "video4linux2", "x11grab", "kmsgrab", "fbdev", "pulse", "alsa"]

    /// `/dev/video*`, or a character device whose major number is V4L2's (81).
    public static func isVideoDevice(_ path: String) -> Bool {
        if path.hasPrefix("/dev/video") { return true }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFCHR else { return false }
        return (info.st_rdev >> 8) & 0xfff == 81
    }

    static func isInputFormat(_ name: String) -> Bool {
        _ = FFmpegDevices.registered
        return av_find_input_format(name) != nil
    }

    static func isProtocol(_ name: String) -> Bool {
        var opaque: UnsafeMutableRawPointer?
        while let next = avio_enum_protocols(&opaque, 0) {
            if String(cString: next) == name { return true }
        }
        return false
    }
}

/// FFmpeg's input devices (lavfi, v4l2, x11grab...) exist only once libavdevice registered them.
enum FFmpegDevices {
    static let registered: Void = { avdevice_register_all() }()
}
