/// How `VideoWriter` encodes: codec, quality and speed, and whether audio goes along.
public struct EncodingOptions: Sendable, Hashable {
    public var codec: VideoCodec
    /// Constant-quality factor; nil picks the codec's default (20 for H.264/H.265, 32 for VP9).
    /// Lower is better and bigger.
    public var crf: Int?
    /// Encoder speed preset; nil picks a fast one ("veryfast" for x264/x265; VP9 runs with
    /// deadline=realtime, cpu-used=8). For VP9 a number here sets cpu-used (0 slowest ... 8).
    public var preset: String?
    /// False drops the input's audio.
    public var keepAudio: Bool

    public init(codec: VideoCodec = .h264, crf: Int? = nil, preset: String? = nil, keepAudio: Bool = true) {
        self.codec = codec
        self.crf = crf
        self.preset = preset
        self.keepAudio = keepAudio
    }
}
