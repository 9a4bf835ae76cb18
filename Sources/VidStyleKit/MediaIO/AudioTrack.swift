import CFFmpeg

/// The input's audio stream as the writer needs it to copy packets untouched (or to re-encode
/// them when the output container cannot hold the codec): a private copy of the stream's codec
/// parameters, its time base and its codec name.
///
/// It owns its `AVCodecParameters` (freed in deinit) so it outlives the reader that made it.
/// Nothing mutates it after creation, which is what makes `@unchecked Sendable` sound.
public final class AudioTrack: @unchecked Sendable {
    /// Owned copy of the input stream's codec parameters.
    let parameters: UnsafeMutablePointer<AVCodecParameters>
    /// Time base of every `AudioPacket` the reader hands out for this track.
    public let timeBase: Rational
    /// FFmpeg's short codec name ("aac", "mp2", "pcm_s16le"...).
    public let codecName: String
    /// Samples per second (0 when the container does not say).
    public let sampleRate: Int
    /// Channels (2 for stereo); more than 2 are mixed to stereo if the audio must be re-encoded.
    public let channelCount: Int

    /// Copies `source`; throws if FFmpeg cannot allocate the copy.
    init(copying source: UnsafePointer<AVCodecParameters>, timeBase: Rational) throws {
        guard let par = avcodec_parameters_alloc() else {
            throw MediaError.codecNotAvailable(name: "audio parameters (out of memory)")
        }
        let ret = avcodec_parameters_copy(par, source)
        if ret < 0 {
            var p: UnsafeMutablePointer<AVCodecParameters>? = par
            avcodec_parameters_free(&p)
            throw MediaError.codecNotAvailable(name: "audio parameters (\(ffmpegMessage(ret)))")
        }
        self.parameters = par
        self.timeBase = timeBase
        self.codecName = String(cString: avcodec_get_name(par.pointee.codec_id))
        self.sampleRate = Int(par.pointee.sample_rate)
        self.channelCount = Int(par.pointee.ch_layout.nb_channels)
    }

    /// The codec id (`AVCodecID` raw value).
    public var codecID: UInt32 { parameters.pointee.codec_id.rawValue }

    deinit {
        var p: UnsafeMutablePointer<AVCodecParameters>? = parameters
        avcodec_parameters_free(&p)
    }
}
