import CFFmpeg
import Foundation

/// Opens a media file, decodes its video stream to packed RGB24 `VideoFrame`s and hands out
/// the packets of every audio and subtitle stream untouched, in file order, so one loop can feed both
/// the stylizer and the muxer.
///
/// **Timestamps.** Every stream is shifted so that the file's start time becomes 0, as the
/// ffmpeg CLI does (an MPEG-PS file that starts at 0.54 s yields a first frame at pts 0). The
/// same shift, in seconds, is applied to the audio packets (rescaled to the audio time base), so
/// audio/video sync is kept. Frame pts are the decoder's best-effort timestamps in
/// `video.timeBase`; nothing assumes a fixed frame rate. A frame with no timestamp at all gets
/// the previous one plus its duration. Durations come from the frame (`pkt_duration`); when the
/// container gives none, from the gap to the next frame's pts (the reader holds one frame back
/// for this), and for the last frame from the average frame rate, else 0.
///
/// **Colour.** swscale is told the stream's YUV matrix and range (BT.709 for untagged HD of
/// height ≥ 720, BT.601 otherwise) and writes full-range RGB.
///
/// **Damage.** Packets the decoder rejects are skipped; a truncated file yields the frames that
/// decode and then ends. If the decoder changes picture size mid-stream, frames are scaled to
/// the stream's initial size, the size of the pool's frames.
///
/// Not `Sendable`: one actor owns a reader and its C contexts.
public final class VideoReader {
    /// The path given to `init`.
    public let path: String
    /// The video stream being decoded.
    public let video: VideoStreamInfo
    /// Every audio stream, then every subtitle stream, in file order; their packets come out of
    /// `next(pool:)` with the track's index.
    public let tracks: [CopiedTrack]
    /// The first audio track, if any.
    public var audio: CopiedTrack? { tracks.first { $0.kind == .audio } }
    /// Streams that are not copied (data streams, attachments, cover art, codecs FFmpeg does not
    /// know), named for a notice.
    public let skippedStreams: [String]
    /// The turn applied to every picture (`upright`), `.none` when the pixels are as decoded.
    public let turn: QuarterTurn
    /// The demuxer FFmpeg picked ("mov,mp4,m4a,3gp,3g2,mj2", "image2", "png_pipe"...).
    public let formatName: String
    /// A single picture (an image file, not a numbered sequence or a video).
    public var isStillImage: Bool {
        (formatName == "image2" || formatName.hasSuffix("_pipe")) && (video.estimatedFrameCount ?? 1) <= 1
    }
    /// Packets the decoder rejected as corrupt (skipped, decoding went on).
    public private(set) var skippedPackets = 0
    /// Hand out only the copied tracks' packets: the joiner needs the input's audio exactly as a
    /// whole run copies it, and decoding the pictures would only cost time.
    public var skipsVideo = false
    /// The shift that makes the file start at 0, in the video time base: frame pts are the
    /// stream's minus this.
    public var videoStartOffset: Int64 { videoOffset }

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var scaler: OpaquePointer?
    private var scalerKey: ScalerKey?
    /// swscale's destination plane pointers and strides, kept so converting a frame allocates nothing.
    private var dstPlanes = [UnsafeMutablePointer<UInt8>?](repeating: nil, count: 4)
    private var dstStrides = [Int32](repeating: 0, count: 4)
    /// The decoded picture before it is turned (only when `turn` is not `.none`).
    private let unturned: VideoFrame?
    private var continuity: TimestampContinuity
    /// Kept alive for FFmpeg's interrupt callback, which holds it unretained.
    private let stop: StopSignal?
    private let videoIndex: Int32
    /// Input stream index → track index, for copied streams.
    private let trackOfStream: [Int32: Int]
    private let videoOffset: Int64
    /// Per track: the shift that makes the file start at 0, in the track's time base.
    private let trackOffsets: [Int64]
    private let fallbackDuration: Int64
    private var previousEnd: Int64?
    /// The last converted frame, held back until the next one gives its duration when the
    /// container stores none (pts gap); handed out last at the end.
    private var held: VideoFrame?
    private var heldHasOwnDuration = false
    private var decoderMayHaveFrames = false
    private var flushing = false
    private var finished = false

    private struct ScalerKey: Equatable {
        var width: Int32, height: Int32, format: Int32, matrix: Int32, fullRange: Bool
    }

    /// Opens and probes `path`.
    ///
    /// With `upright`, a stream whose display matrix turns it by a multiple of 90° is handed out
    /// already turned: `video` then has the turned size and no display matrix, and `turn`
    /// says what was done (for outputs that cannot store the matrix; see `QuarterTurn`).
    /// - Throws: `MediaError.inputMissing`, `.notMedia` (also for empty and text files),
    ///   `.noVideoStream`, `.codecNotAvailable`, `.decodeFailed`.
    public convenience init(path: String, upright: Bool = false) throws {
        try self.init(input: .file(path), upright: upright)
    }

    /// Opens a file, an FFmpeg `FORMAT:SPEC` input or a URL (see `MediaInput`).
    /// - Parameter options: demuxer or device options (`video_size`, `framerate`...); one the
    ///   input does not take is an error, not silently ignored.
    /// - Throws: as `init(path:upright:)`, and `MediaError.cannotOpen` for inputs opened by name;
    ///   `InterruptedError` when opening or probing failed while `stop` was requested.
    /// - Parameter stop: once requested, FFmpeg's blocking opens and reads (a URL that stalls,
    ///   a pipe with no writer) give up instead of hanging.
    public init(input: MediaInput, upright: Bool = false, options: [String: String] = [:], stop: StopSignal? = nil) throws {
        _ = FFmpegLogging.applied
        _ = FFmpegDevices.registered
        let path = input.description
        self.path = path
        var demuxer: UnsafePointer<AVInputFormat>?
        var url = path
        switch input {
        case .file(let file), .camera(let file):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw MediaError.inputMissing(path: file)
            }
            if isDirectory.boolValue { throw MediaError.notMedia(path: file, reason: "it is a folder") }
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
            let type = (try? FileManager.default.attributesOfItem(atPath: file)[.type] as? FileAttributeType) ?? nil
            if type == .typeCharacterSpecial || type == .typeBlockSpecial {
                throw MediaError.notMedia(path: file, reason: "it is a device, not a media file")
            }
            // A pipe has no size; only a regular file of 0 bytes is empty.
            if size == 0 && type == .typeRegular { throw MediaError.notMedia(path: file, reason: "the file is empty") }
            url = file
        case .ffmpeg(let format, let spec):
            if let format {
                guard let found = av_find_input_format(format) else {
                    throw MediaError.cannotOpen(input: path, reason: "FFmpeg has no input format '\(format)'")
                }
                demuxer = found
            }
            url = spec
        }

        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        var fmt = avformat_alloc_context()
        if let stop, let context = fmt {
            context.pointee.interrupt_callback.opaque = Unmanaged.passUnretained(stop).toOpaque()
            context.pointee.interrupt_callback.callback = { opaque in
                guard let opaque else { return 0 }
                return Unmanaged<StopSignal>.fromOpaque(opaque).takeUnretainedValue().pollFromFFmpeg() ? 1 : 0
            }
        }
        self.stop = stop
        var ret = avformat_open_input(&fmt, url, demuxer, &dictionary)
        var unused: [String] = []
        var entry: UnsafeMutablePointer<AVDictionaryEntry>?
        while let next = av_dict_get(dictionary, "", entry, AV_DICT_IGNORE_SUFFIX) {
            unused.append(String(cString: next.pointee.key))
            entry = next
        }
        av_dict_free(&dictionary)
        // An open our interrupt callback cut short (AVERROR_EXIT, "Immediate exit requested"),
        // or one that failed in some other way while a stop was pending, is the user's stop,
        // not a bad input.
        guard ret >= 0, let fmt else {
            if stop?.isRequested == true { throw InterruptedError() }
            if case .file = input { throw MediaError.notMedia(path: path, reason: ffmpegMessage(ret)) }
            throw MediaError.cannotOpen(input: path, reason: ffmpegMessage(ret))
        }
        if !unused.isEmpty {
            var f: UnsafeMutablePointer<AVFormatContext>? = fmt
            avformat_close_input(&f)
            throw MediaError.cannotOpen(input: path, reason: "this input does not take the option "
                                        + unused.sorted().joined(separator: ", "))
        }
        // From here on `fail` frees what exists so far (deinit does not run for a throwing init
        // before every stored property is set). Probing is interrupted too, and then leaves no
        // streams or codecs behind: whatever it would report is the stop's doing.
        func fail(_ error: MediaError, decoder: UnsafeMutablePointer<AVCodecContext>? = nil) -> any Error {
            var f: UnsafeMutablePointer<AVFormatContext>? = fmt
            avformat_close_input(&f)
            var d = decoder
            avcodec_free_context(&d)
            return stop?.isRequested == true ? InterruptedError() : error
        }
        // FFmpeg's "tty" demuxer shows any .txt file as ANSI art; that is not a video.
        if String(cString: fmt.pointee.iformat.pointee.name) == "tty" {
            throw fail(.notMedia(path: path, reason: "it is a text file"))
        }
        ret = avformat_find_stream_info(fmt, nil)
        if ret < 0 { throw fail(.notMedia(path: path, reason: ffmpegMessage(ret))) }

        let streamCount = Int(fmt.pointee.nb_streams)
        let streams = (0..<streamCount).map { fmt.pointee.streams[$0]! }
        let attachedPicture = Int32(AV_DISPOSITION_ATTACHED_PIC)
        var vIndex = Int32(av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0))
        if vIndex < 0 || streams[Int(vIndex)].pointee.disposition & attachedPicture != 0 {
            vIndex = Int32(streams.firstIndex {
                $0.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO
                    && $0.pointee.disposition & attachedPicture == 0
            } ?? -1)
        }
        guard vIndex >= 0 else { throw fail(.noVideoStream(path: path)) }
        // Audio first, then subtitles, each in file order; everything else is not read.
        var copied: [(index: Int, kind: CopiedTrack.Kind)] = []
        var skipped: [String] = []
        for kind in [CopiedTrack.Kind.audio, .subtitle] {
            let type = kind == .audio ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_SUBTITLE
            for (i, st) in streams.enumerated() where st.pointee.codecpar.pointee.codec_type == type {
                if st.pointee.codecpar.pointee.codec_id == AV_CODEC_ID_NONE {
                    skipped.append("stream \(i) (\(kind.rawValue), unknown codec)")
                } else {
                    copied.append((i, kind))
                }
            }
        }
        for (i, st) in streams.enumerated() where Int32(i) != vIndex && !copied.contains(where: { $0.index == i }) {
            st.pointee.discard = AVDISCARD_ALL
            let par = st.pointee.codecpar.pointee
            if par.codec_type == AVMEDIA_TYPE_VIDEO && st.pointee.disposition & attachedPicture != 0 {
                skipped.append("stream \(i) (cover art)")
            } else if par.codec_type != AVMEDIA_TYPE_AUDIO && par.codec_type != AVMEDIA_TYPE_SUBTITLE {
                let type = av_get_media_type_string(par.codec_type).map { String(cString: $0) } ?? "unknown"
                skipped.append("stream \(i) (\(type), \(String(cString: avcodec_get_name(par.codec_id))))")
            }
        }

        let vst = streams[Int(vIndex)]
        let par = vst.pointee.codecpar!
        guard let codec = avcodec_find_decoder(par.pointee.codec_id) else {
            throw fail(.codecNotAvailable(name: String(cString: avcodec_get_name(par.pointee.codec_id))
                                          + " decoder"))
        }
        guard let dec = avcodec_alloc_context3(codec) else {
            throw fail(.decodeFailed(path: path, message: "out of memory"))
        }
        ret = avcodec_parameters_to_context(dec, par)
        if ret < 0 { throw fail(.decodeFailed(path: path, message: ffmpegMessage(ret)), decoder: dec) }
        dec.pointee.pkt_timebase = vst.pointee.time_base
        dec.pointee.thread_count = 0
        dec.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        ret = avcodec_open2(dec, codec, nil)
        if ret < 0 { throw fail(.decodeFailed(path: path, message: ffmpegMessage(ret)), decoder: dec) }
        let width = Int(dec.pointee.width > 0 ? dec.pointee.width : par.pointee.width)
        let height = Int(dec.pointee.height > 0 ? dec.pointee.height : par.pointee.height)
        guard width > 0, height > 0 else {
            throw fail(.notMedia(path: path, reason: "the video stream has no picture size"), decoder: dec)
        }

        var tracks: [CopiedTrack] = []
        var trackOfStream: [Int32: Int] = [:]
        for (index, kind) in copied {
            let st = streams[index]
            let language = av_dict_get(st.pointee.metadata, "language", nil, 0).map { String(cString: $0.pointee.value) }
            guard let track = try? CopiedTrack(copying: st.pointee.codecpar, timeBase: Rational(st.pointee.time_base),
                                               kind: kind, language: language) else { continue }
            trackOfStream[Int32(index)] = tracks.count
            tracks.append(track)
        }

        // The shift that makes the file start at 0, in each stream's time base.
        let start = fmt.pointee.start_time == vs_nopts_value() ? 0 : fmt.pointee.start_time
        let vtb = vst.pointee.time_base
        self.videoOffset = av_rescale_q(start, vs_time_base_q(), vtb)
        self.trackOffsets = tracks.map { av_rescale_q(start, vs_time_base_q(), $0.timeBase.av) }

        func valid(_ r: AVRational) -> Rational? { r.num > 0 && r.den > 0 ? Rational(r) : nil }
        let frameRate = valid(vst.pointee.avg_frame_rate) ?? valid(vst.pointee.r_frame_rate)
        var sar = vst.pointee.sample_aspect_ratio
        if sar.num == 0 { sar = par.pointee.sample_aspect_ratio }
        if sar.num == 0 || sar.den == 0 { sar = AVRational(num: 1, den: 1) }

        var durationSeconds: Double?
        if fmt.pointee.duration != vs_nopts_value() && fmt.pointee.duration > 0 {
            durationSeconds = Double(fmt.pointee.duration) / Double(vs_time_base())
        } else if vst.pointee.duration != vs_nopts_value() && vst.pointee.duration > 0 {
            durationSeconds = Double(vst.pointee.duration) * av_q2d(vtb)
        }
        var frameCount: Int?
        if vst.pointee.nb_frames > 0 {
            frameCount = Int(vst.pointee.nb_frames)
        } else if let d = durationSeconds, let r = frameRate?.doubleValue {
            frameCount = Int((d * r).rounded())
        }

        var matrix: [Int32]?
        var sideSize = 0
        if let side = av_stream_get_side_data(vst, AV_PKT_DATA_DISPLAYMATRIX, &sideSize),
           sideSize >= 36 {
            let values = UnsafeRawPointer(side).bindMemory(to: Int32.self, capacity: 9)
            matrix = Array(UnsafeBufferPointer(start: values, count: 9))
        }

        var turn = QuarterTurn.none
        if upright, let matrix, let asked = QuarterTurn(displayMatrix: matrix) {
            turn = asked
        }
        let turnedSize = turn.turnedSize(width: width, height: height)
        if turn.rawValue % 2 == 1 { swap(&sar.num, &sar.den) }
        self.turn = turn
        self.unturned = turn == .none ? nil : VideoFrame(width: width, height: height)

        self.fallbackDuration = frameRate.map { av_rescale_q(1, AVRational(num: $0.den, den: $0.num), vtb) } ?? 0
        self.video = VideoStreamInfo(
            width: turnedSize.width, height: turnedSize.height, timeBase: Rational(vtb), averageFrameRate: frameRate,
            sampleAspectRatio: Rational(sar),
            colour: ColourDescription(primaries: par.pointee.color_primaries.rawValue,
                                      transfer: par.pointee.color_trc.rawValue,
                                      matrix: par.pointee.color_space.rawValue,
                                      range: par.pointee.color_range.rawValue),
            displayMatrix: turn == .none ? matrix : nil, durationSeconds: durationSeconds,
            estimatedFrameCount: frameCount,
            codecName: String(cString: avcodec_get_name(par.pointee.codec_id)))
        self.tracks = tracks
        self.skippedStreams = skipped
        self.trackOfStream = trackOfStream
        self.videoIndex = vIndex
        self.format = fmt
        self.formatName = String(cString: fmt.pointee.iformat.pointee.name)
        self.continuity = TimestampContinuity(format: fmt.pointee.iformat)
        self.decoder = dec
        self.packet = av_packet_alloc()
        self.frame = av_frame_alloc()
        guard packet != nil, frame != nil else {
            throw MediaError.decodeFailed(path: path, message: "out of memory")
        }
    }

    deinit {
        sws_freeContext(scaler)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&decoder)
        avformat_close_input(&format)
    }

    /// The next item in file order: a decoded video frame (taken from `pool`, which must make
    /// frames of `video.width` × `video.height`) or an audio packet; nil once the file is done and
    /// the decoder flushed.
    /// - Throws: `MediaError.decodeFailed` when the decoder fails beyond one bad packet.
    public func next(pool: VideoFramePool) throws -> MediaItem? {
        while true {
            guard let item = try nextInFileOrder(pool: pool) else {
                // End: the held frame keeps its own duration or the frame-rate guess.
                defer { held = nil }
                return held.map { .video($0) }
            }
            guard case .video(let frame) = item else { return item }
            let hasOwnDuration = frame.duration > 0
            if frame.duration <= 0 { frame.duration = fallbackDuration }
            let previous = held
            let previousHadOwn = heldHasOwnDuration
            held = frame
            heldHasOwnDuration = hasOwnDuration
            if let previous {
                if !previousHadOwn && frame.pts > previous.pts { previous.duration = frame.pts - previous.pts }
                return .video(previous)
            }
        }
    }

    private func nextInFileOrder(pool: VideoFramePool) throws -> MediaItem? {
        guard let format, let decoder, let packet, let frame else { return nil }
        while !finished {
            if decoderMayHaveFrames {
                let ret = avcodec_receive_frame(decoder, frame)
                if ret >= 0 {
                    defer { av_frame_unref(frame) }
                    return .video(try convert(frame, pool: pool))
                } else if ret == vs_averror_eagain() {
                    decoderMayHaveFrames = false
                    if flushing { finished = true }
                } else if ret == vs_averror_eof() {
                    finished = true
                } else if flushing {
                    // A broken tail: keep what was decoded.
                    finished = true
                } else {
                    throw MediaError.decodeFailed(path: path, message: ffmpegMessage(ret))
                }
                continue
            }
            if flushing { finished = true; break }
            let ret = av_read_frame(format, packet)
            if ret < 0 {
                // End of file, or a truncated/damaged file: flush what the decoder holds.
                flushing = true
                decoderMayHaveFrames = true
                avcodec_send_packet(decoder, nil)
                continue
            }
            let index = Int(packet.pointee.stream_index)
            let track = trackOfStream[packet.pointee.stream_index]
            if index < Int(format.pointee.nb_streams), packet.pointee.stream_index == videoIndex || track != nil {
                continuity.mend(packet, timeBase: format.pointee.streams[index]!.pointee.time_base)
            }
            if packet.pointee.stream_index == videoIndex && skipsVideo {
                av_packet_unref(packet)
            } else if packet.pointee.stream_index == videoIndex {
                let sent = avcodec_send_packet(decoder, packet)
                av_packet_unref(packet)
                if sent < 0 && sent != vs_averror_eagain() {
                    skippedPackets += 1
                }
                decoderMayHaveFrames = true
            } else if let track {
                guard let out = av_packet_alloc() else {
                    av_packet_unref(packet)
                    throw MediaError.decodeFailed(path: path, message: "out of memory")
                }
                av_packet_move_ref(out, packet)
                let offset = trackOffsets[track]
                if out.pointee.pts != vs_nopts_value() { out.pointee.pts -= offset }
                if out.pointee.dts != vs_nopts_value() { out.pointee.dts -= offset }
                out.pointee.stream_index = Int32(track)
                out.pointee.pos = -1
                return .copied(CopiedPacket(taking: out, track: track))
            } else {
                av_packet_unref(packet)
            }
        }
        return nil
    }

    /// Moves to the video keyframe at or before `streamTime` (the stream's own time base, not
    /// shifted), so a part decodes from a point a whole run also decodes through, and its frames
    /// come out bit for bit the same.
    public func seek(toStreamTime streamTime: Int64) throws {
        guard let format, let decoder else { return }
        let ret = av_seek_frame(format, videoIndex, streamTime, AVSEEK_FLAG_BACKWARD)
        if ret < 0 { throw MediaError.decodeFailed(path: path, message: "cannot seek: \(ffmpegMessage(ret))") }
        avcodec_flush_buffers(decoder)
        held = nil
        previousEnd = nil
        decoderMayHaveFrames = false
        flushing = false
        finished = false
    }

    /// Scales one decoded picture into a pooled RGB24 frame (through `unturned` when it is
    /// turned upright) and stamps its timing.
    private func convert(_ frame: UnsafeMutablePointer<AVFrame>, pool: VideoFramePool) throws -> VideoFrame {
        let out = pool.take()
        precondition(out.width == video.width && out.height == video.height,
                     "the pool must make frames of the video's size")
        let target = unturned ?? out
        let f = frame.pointee
        let fullRange = f.color_range == AVCOL_RANGE_JPEG
        var colour = video.colour
        if f.colorspace != AVCOL_SPC_UNSPECIFIED { colour.matrix = f.colorspace.rawValue }
        let key = ScalerKey(width: f.width, height: f.height, format: f.format,
                            matrix: colour.swsMatrix(height: target.height), fullRange: fullRange)
        if key != scalerKey {
            sws_freeContext(scaler)
            let sameSize = Int(f.width) == target.width && Int(f.height) == target.height
            scaler = sws_getContext(f.width, f.height, AVPixelFormat(rawValue: f.format),
                                    Int32(target.width), Int32(target.height), AV_PIX_FMT_RGB24,
                                    sameSize ? SWS_BILINEAR : SWS_BICUBIC, nil, nil, nil)
            guard scaler != nil else {
                let name = av_get_pix_fmt_name(AVPixelFormat(rawValue: f.format)).map { String(cString: $0) }
                throw MediaError.decodeFailed(path: path, message: "cannot convert pixel format "
                    + (name ?? "?") + " to RGB")
            }
            let coefficients = sws_getCoefficients(key.matrix)
            // Source matrix/range from the stream; destination full-range RGB.
            sws_setColorspaceDetails(scaler, coefficients, fullRange ? 1 : 0,
                                     coefficients, 1, 0, 1 << 16, 1 << 16)
            scalerKey = key
        }
        dstPlanes[0] = target.pixels
        dstStrides[0] = Int32(target.stride)
        var data = frame.pointee.data
        var linesize = frame.pointee.linesize
        let rows = withUnsafePointer(to: &data) { dataPointer in
            withUnsafePointer(to: &linesize) { linePointer in
                dataPointer.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                    linePointer.withMemoryRebound(to: Int32.self, capacity: 8) { srcStride in
                        sws_scale(scaler, src, srcStride, 0, f.height, &dstPlanes, &dstStrides)
                    }
                }
            }
        }
        guard rows > 0 else {
            pool.recycle(out)
            throw MediaError.decodeFailed(path: path, message: "pixel conversion failed")
        }
        if let unturned { turn.apply(unturned, into: out) }

        var pts = f.best_effort_timestamp
        if pts == vs_nopts_value() { pts = f.pts }
        if pts == vs_nopts_value() {
            pts = previousEnd ?? 0
        } else {
            pts -= videoOffset
        }
        let duration = max(f.pkt_duration, 0)
        previousEnd = pts + max(duration > 0 ? duration : fallbackDuration, 1)
        out.pts = pts
        out.duration = duration
        return out
    }
}
