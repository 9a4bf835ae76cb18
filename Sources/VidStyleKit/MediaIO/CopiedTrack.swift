import CFFmpeg

/// A stream of the input that goes to the output without the stylizer, audio or subtitles, as
/// the writer needs it to copy packets untouched (or to re-encode audio the output container
/// cannot hold): a private copy of the stream's codec parameters, its time base and codec name.
///
/// It owns its `AVCodecParameters` (freed in deinit) so it outlives the reader that made it.
/// Nothing mutates it after creation, which is what makes `@unchecked Sendable` sound.
public final class CopiedTrack: @unchecked Sendable {
    public enum Kind: String, Sendable {
        case audio, subtitle
    }

    public let kind: Kind
    /// Owned copy of the input stream's codec parameters.
    let parameters: UnsafeMutablePointer<AVCodecParameters>
    /// Time base of every `CopiedPacket` the reader hands out for this track.
    public let timeBase: Rational
    /// FFmpeg's short codec name ("aac", "mp2", "subrip"...).
    public let codecName: String
    /// Samples per second (0 for subtitles, or when the container does not say).
    public let sampleRate: Int
    /// Channels (2 for stereo); more than 2 are mixed to stereo if the audio must be re-encoded.
    public let channelCount: Int
    /// The stream's language tag ("eng"), when it has one: kept on the output stream.
    public let language: String?

    /// Copies `source`; throws if FFmpeg cannot allocate the copy.
    init(copying source: UnsafePointer<AVCodecParameters>, timeBase: Rational, kind: Kind = .audio,
         language: String? = nil) throws {
        guard let par = avcodec_parameters_alloc() else {
            throw MediaError.codecNotAvailable(name: "stream parameters (out of memory)")
        }
        let ret = avcodec_parameters_copy(par, source)
        if ret < 0 {
            var p: UnsafeMutablePointer<AVCodecParameters>? = par
            avcodec_parameters_free(&p)
            throw MediaError.codecNotAvailable(name: "stream parameters (\(ffmpegMessage(ret)))")
        }
        self.kind = kind
        self.parameters = par
        self.timeBase = timeBase
        self.codecName = String(cString: avcodec_get_name(par.pointee.codec_id))
        self.sampleRate = Int(par.pointee.sample_rate)
        self.channelCount = Int(par.pointee.ch_layout.nb_channels)
        self.language = language
    }

    /// The codec id (`AVCodecID` raw value).
    public var codecID: UInt32 { parameters.pointee.codec_id.rawValue }

    deinit {
        var p: UnsafeMutablePointer<AVCodecParameters>? = parameters
        avcodec_parameters_free(&p)
    }
}
