import CFFmpeg

/// The containers `VideoWriter` writes, chosen from the output file's extension.
enum OutputContainer: String, CaseIterable {
    case mp4, mov, mkv, webm, png, jpeg

    /// Every extension accepted, for error messages.
    static let supportedExtensions = ["mp4", "m4v", "mov", "mkv", "webm", "png", "jpg", "jpeg"]

    init?(extension ext: String) {
        switch ext.lowercased() {
        case "mp4", "m4v": self = .mp4
        case "mov": self = .mov
        case "mkv": self = .mkv
        case "webm": self = .webm
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }

    /// FFmpeg's muxer, named explicitly because the temporary file's name is not the output's.
    var muxerName: String {
        switch self {
        case .mp4: return "mp4"
        case .mov: return "mov"
        case .mkv: return "matroska"
        case .webm: return "webm"
        case .png, .jpeg: return "image2"
        }
    }

    /// Combinations avformat_query_codec accepts but the muxer refuses at write_header time
    /// (FFmpeg 5.1's mov muxer writes VP9 only in MP4 mode).
    func canHold(encoderName: String) -> Bool {
        !(self == .mov && encoderName == "libvpx-vp9")
    }

    /// Whether the muxer writes a display matrix (rotation). FFmpeg 5.1's Matroska/WebM muxers
    /// drop it, and images have none.
    var storesDisplayMatrix: Bool { self == .mp4 || self == .mov }

    /// Whether it can be written front to back with no seeking, as a pipe needs: Matroska and
    /// WebM (no cues), MP4 fragmented (index first, one per fragment). MOV writes its index
    /// at the end, and stills are not streams.
    var isStreamable: Bool { self == .mkv || self == .webm || self == .mp4 }

    /// A still image: one picture, the last frame written.
    var isStill: Bool { self == .png || self == .jpeg }

    /// The audio encoder used when the input's audio codec cannot be copied into this container.
    var audioEncoder: (name: String, label: String)? {
        switch self {
        case .mp4, .mov, .mkv: return ("aac", "AAC")
        case .webm: return ("libopus", "Opus")
        case .png, .jpeg: return nil
        }
    }
}
