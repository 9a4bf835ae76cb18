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
    /// Re-encode the audio (AAC, Opus for webm) even where it could be copied: for players or
    /// editors that do not take the input's audio codec.
    public var reencodeAudio: Bool
    /// FFmpeg's name of the encoded pictures' pixel format (`yuv420p`, `yuv422p`, `yuv444p`);
    /// stills keep their own.
    public var pixelFormat: String
    /// The container (`mkv`, `webm`, `mp4`) for OUT `-`, which has no extension to name one;
    /// nil is Matroska. A file's extension always decides for itself.
    public var container: String?

    public init(codec: VideoCodec = .h264, crf: Int? = nil, preset: String? = nil, keepAudio: Bool = true,
                reencodeAudio: Bool = false, pixelFormat: String = "yuv420p", container: String? = nil) {
        self.container = container
        self.codec = codec
        self.crf = crf
        self.preset = preset
        self.keepAudio = keepAudio
        self.reencodeAudio = reencodeAudio
        self.pixelFormat = pixelFormat
    }
}
