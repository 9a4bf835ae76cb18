/// The video encoders vidstyle offers: the ones every player decodes, with FFmpeg's fast
/// software encoders behind them.
public enum VideoCodec: String, Sendable, CaseIterable {
    /// H.264 through libx264: plays everywhere (the default).
    case h264
    /// H.265/HEVC through libx265: about half the size at equal quality, slower, fewer players.
    case h265
    /// VP9 through libvpx: the only one of these that WebM can hold.
    case vp9

    /// FFmpeg's encoder name.
    var encoderName: String {
        switch self {
        case .h264: return "libx264"
        case .h265: return "libx265"
        case .vp9: return "libvpx-vp9"
        }
    }
}
