import CFFmpeg

/// Every video frame's presentation time and every keyframe of an input, read from its packets
/// without decoding, so each machine computes the same split from the input alone.
///
/// Times are as `VideoReader` hands frames out (the file's start shifted to 0); each keyframe
/// also keeps the raw stream time a seek must aim at (the earlier of its pts and dts: demuxers
/// index by either, and a seek that lands after the keyframe would lose frames).
public struct FrameIndex: Sendable, Equatable {
    public struct Keyframe: Sendable, Equatable {
        /// Presentation time, shifted like the reader's frames.
        public var pts: Int64
        /// Where `VideoReader.seek(toStreamTime:)` must aim to start decoding at it.
        public var seekTime: Int64
    }

    /// Frame times in presentation order (the order the reader hands frames out).
    public var frames: [Int64]
    public var keyframes: [Keyframe]
    public var timeBase: Rational

    public init(frames: [Int64], keyframes: [Keyframe], timeBase: Rational) {
        self.frames = frames
        self.keyframes = keyframes
        self.timeBase = timeBase
    }

    /// Reads `path`'s video packets.
    /// - Throws: `MediaError.notMedia`, `.noVideoStream`, or `OptionError` for an input whose
    ///   frames carry no timestamps (it cannot be split the same way on every machine).
    public init(path: String) throws {
        _ = FFmpegLogging.applied
        var fmt: UnsafeMutablePointer<AVFormatContext>?
        var ret = avformat_open_input(&fmt, path, nil, nil)
        guard ret >= 0, let context = fmt else { throw MediaError.notMedia(path: path, reason: ffmpegMessage(ret)) }
        defer { avformat_close_input(&fmt) }
        ret = avformat_find_stream_info(context, nil)
        if ret < 0 { throw MediaError.notMedia(path: path, reason: ffmpegMessage(ret)) }
        let index = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard index >= 0 else { throw MediaError.noVideoStream(path: path) }
        for i in 0..<Int(context.pointee.nb_streams) where i != Int(index) {
            context.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
        }
        let stream = context.pointee.streams[Int(index)]!
        let timeBase = stream.pointee.time_base
        let start = context.pointee.start_time == vs_nopts_value() ? 0 : context.pointee.start_time
        let offset = av_rescale_q(start, vs_time_base_q(), timeBase)
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let packet else { throw MediaError.decodeFailed(path: path, message: "out of memory") }
        var frames: [Int64] = []
        var keyframes: [Keyframe] = []
        while av_read_frame(context, packet) >= 0 {
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == index else { continue }
            let pts = packet.pointee.pts != vs_nopts_value() ? packet.pointee.pts : packet.pointee.dts
            guard pts != vs_nopts_value() else {
                throw OptionError("input \(path) has video frames without timestamps; it cannot be split into parts "
                                  + "(remux it first, e.g. ffmpeg -i IN -c copy IN.mkv)")
            }
            frames.append(pts - offset)
            if packet.pointee.flags & AV_PKT_FLAG_KEY != 0 {
                let dts = packet.pointee.dts == vs_nopts_value() ? pts : packet.pointee.dts
                keyframes.append(Keyframe(pts: pts - offset, seekTime: min(pts, dts)))
            }
        }
        self.init(frames: frames.sorted(), keyframes: keyframes.sorted { $0.pts < $1.pts }, timeBase: Rational(timeBase))
    }

    /// What the parts of one input agree on: a digest of its frame times.
    public var digest: String {
        var text = "\(timeBase) \(frames.count)"
        for pts in frames { text += " \(pts)" }
        return Fingerprint.of(text)
    }
}
