extension VideoCodec {
    /// The codec a user means by `name`, accepting the common aliases (avc, x264, hevc, x265), so
    /// the command line and preset files read codec names the same way.
    public init?(name: String) {
        switch name.lowercased() {
        case "h264", "avc", "x264": self = .h264
        case "h265", "hevc", "x265": self = .h265
        case "vp9": self = .vp9
        default: return nil
        }
    }
}
