import CFFmpeg

/// Decodes the input's audio and encodes it again, for a container that cannot hold the
/// original codec (mp2 into WebM, PCM into MP4). Resamples with swresample to what the encoder
/// takes and cuts the stream into the encoder's frame size through an audio FIFO.
///
/// Output timestamps count samples from the first decoded frame's time, so audio keeps its
/// place against the video. More than two channels are mixed down to stereo.
final class AudioTranscoder {
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private(set) var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var resampler: OpaquePointer?
    private var resamplerKey: [Int64] = []
    private var fifo: OpaquePointer?
    private var decoded: UnsafeMutablePointer<AVFrame>?
    private var encoded: UnsafeMutablePointer<AVPacket>?
    private var buffer: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>
    private var bufferCapacity: Int32 = 0
    private let inputTimeBase: AVRational
    private var frameSize: Int32 = 1024
    private var padsLastFrame = false
    private var nextPts: Int64?
    private let path: String

    /// - Throws: `MediaError.codecNotAvailable` when the decoder or encoder is missing,
    ///   `.encodeFailed` when one does not open.
    init(track: CopiedTrack, encoderName: String, globalHeader: Bool, path: String) throws {
        inputTimeBase = track.timeBase.av
        self.path = path
        buffer = .allocate(capacity: 8)
        buffer.initialize(repeating: nil, count: 8)
        let codecID = track.parameters.pointee.codec_id
        guard let decoderCodec = avcodec_find_decoder(codecID) else {
            throw MediaError.codecNotAvailable(name: track.codecName + " decoder")
        }
        guard let encoderCodec = avcodec_find_encoder_by_name(encoderName) else {
            throw MediaError.codecNotAvailable(name: encoderName)
        }
        decoder = avcodec_alloc_context3(decoderCodec)
        encoder = avcodec_alloc_context3(encoderCodec)
        decoded = av_frame_alloc()
        encoded = av_packet_alloc()
        guard let decoder, let encoder, decoded != nil, encoded != nil else {
            throw MediaError.encodeFailed(path: path, message: "out of memory")
        }
        var ret = avcodec_parameters_to_context(decoder, track.parameters)
        decoder.pointee.pkt_timebase = inputTimeBase
        if ret >= 0 { ret = avcodec_open2(decoder, decoderCodec, nil) }
        if ret < 0 {
            throw MediaError.encodeFailed(path: path, message: "audio decoder: " + ffmpegMessage(ret))
        }

        // Sample format, rate and layout the encoder takes.
        if let formats = encoderCodec.pointee.sample_fmts {
            encoder.pointee.sample_fmt = formats[0]
        } else {
            encoder.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        }
        let inputRate = track.sampleRate > 0 ? Int32(track.sampleRate) : 48000
        var rate = inputRate
        if let rates = encoderCodec.pointee.supported_samplerates {
            var list: [Int32] = []
            var i = 0
            while rates[i] != 0 { list.append(rates[i]); i += 1 }
            if !list.contains(inputRate) {
                rate = list.contains(48000) ? 48000 : (list.first ?? 48000)
            }
        }
        let channels: Int32 = track.channelCount == 1 ? 1 : 2
        encoder.pointee.sample_rate = rate
        av_channel_layout_default(&encoder.pointee.ch_layout, channels)
        encoder.pointee.bit_rate = Int64(channels) * (encoderName == "libopus" ? 48_000 : 64_000)
        encoder.pointee.time_base = AVRational(num: 1, den: rate)
        if globalHeader { encoder.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }
        ret = avcodec_open2(encoder, encoderCodec, nil)
        if ret < 0 {
            throw MediaError.encodeFailed(path: path, message: "\(encoderName): " + ffmpegMessage(ret))
        }
        let variable = encoderCodec.pointee.capabilities & Int32(AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0
        frameSize = encoder.pointee.frame_size > 0 && !variable ? encoder.pointee.frame_size : 1024
        padsLastFrame = encoderCodec.pointee.capabilities & Int32(AV_CODEC_CAP_SMALL_LAST_FRAME) == 0
            && !variable
        fifo = av_audio_fifo_alloc(encoder.pointee.sample_fmt, channels, frameSize * 4)
        guard fifo != nil else { throw MediaError.encodeFailed(path: path, message: "out of memory") }
    }

    deinit {
        if buffer[0] != nil { av_freep(UnsafeMutableRawPointer(buffer)) }
        buffer.deallocate()
        if let fifo { av_audio_fifo_free(fifo) }
        swr_free(&resampler)
        av_frame_free(&decoded)
        av_packet_free(&encoded)
        avcodec_free_context(&decoder)
        avcodec_free_context(&encoder)
    }

    /// Feeds one input packet (nil: end of stream, flush everything) and hands every encoded
    /// packet, in the encoder's time base, to `emit`, which must take or copy its reference.
    func feed(_ packet: UnsafeMutablePointer<AVPacket>?,
              emit: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        guard let decoder, let decoded else { return }
        let sent = avcodec_send_packet(decoder, packet)
        if sent < 0 && packet != nil {
            return  // a damaged packet: skip it, as the ffmpeg CLI does
        }
        while avcodec_receive_frame(decoder, decoded) >= 0 {
            defer { av_frame_unref(decoded) }
            try resample(decoded)
        }
        if packet == nil { try resample(nil) }
        try drain(final: packet == nil, emit: emit)
        if packet == nil, let encoder {
            avcodec_send_frame(encoder, nil)
            try receive(emit: emit)
        }
    }

    /// Converts a decoded frame (nil: what the resampler still holds) into the FIFO.
    private func resample(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        guard let encoder, let fifo else { return }
        if let frame {
            let f = frame.pointee
            let key: [Int64] = [Int64(f.format), Int64(f.sample_rate), Int64(f.ch_layout.nb_channels)]
            if key != resamplerKey {
                swr_free(&resampler)
                var inLayout = resamplerInputLayout(of: f)
                defer { av_channel_layout_uninit(&inLayout) }
                var ret = swr_alloc_set_opts2(&resampler, &encoder.pointee.ch_layout,
                                              encoder.pointee.sample_fmt, encoder.pointee.sample_rate,
                                              &inLayout, AVSampleFormat(rawValue: f.format),
                                              f.sample_rate, 0, nil)
                if ret >= 0 { ret = swr_init(resampler) }
                if ret < 0 {
                    throw MediaError.encodeFailed(path: path, message: "audio resampler: " + ffmpegMessage(ret))
                }
                resamplerKey = key
            }
            if nextPts == nil {
                let pts = f.best_effort_timestamp != vs_nopts_value() ? f.best_effort_timestamp : f.pts
                nextPts = pts == vs_nopts_value() ? 0
                    : av_rescale_q(pts, inputTimeBase, encoder.pointee.time_base)
            }
        }
        guard let resampler else { return }
        let inputCount = frame?.pointee.nb_samples ?? 0
        let capacity = swr_get_out_samples(resampler, inputCount) + 32
        try reserve(capacity)
        let input = frame.map {
            UnsafeMutableRawPointer($0.pointee.extended_data!).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        }
        while true {
            let converted = swr_convert(resampler, buffer, bufferCapacity, input, input == nil ? 0 : inputCount)
            if converted < 0 {
                throw MediaError.encodeFailed(path: path, message: "audio resampler: " + ffmpegMessage(converted))
            }
            if converted > 0 {
                let raw = UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
                av_audio_fifo_write(fifo, raw, converted)
            }
            // With input, one call takes it all; when flushing, repeat until empty.
            if input != nil || converted == 0 { break }
        }
    }

    private func reserve(_ samples: Int32) throws {
        guard samples > bufferCapacity, let encoder else { return }
        if buffer[0] != nil { av_freep(UnsafeMutableRawPointer(buffer)) }
        let ret = av_samples_alloc(buffer, nil, encoder.pointee.ch_layout.nb_channels, samples,
                                   encoder.pointee.sample_fmt, 0)
        if ret < 0 { throw MediaError.encodeFailed(path: path, message: "audio out of memory") }
        bufferCapacity = samples
    }

    /// Sends whole encoder frames from the FIFO; with `final`, the rest too (padded if needed).
    private func drain(final: Bool, emit: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        guard let encoder, let fifo else { return }
        while av_audio_fifo_size(fifo) >= frameSize || (final && av_audio_fifo_size(fifo) > 0) {
            let count = min(av_audio_fifo_size(fifo), frameSize)
            var frame = av_frame_alloc()
            guard let f = frame else { throw MediaError.encodeFailed(path: path, message: "audio out of memory") }
            defer { av_frame_free(&frame) }
            f.pointee.nb_samples = count < frameSize && padsLastFrame ? frameSize : count
            f.pointee.format = encoder.pointee.sample_fmt.rawValue
            f.pointee.sample_rate = encoder.pointee.sample_rate
            av_channel_layout_copy(&f.pointee.ch_layout, &encoder.pointee.ch_layout)
            var ret = av_frame_get_buffer(f, 0)
            if ret < 0 { throw MediaError.encodeFailed(path: path, message: "audio: " + ffmpegMessage(ret)) }
            let planes = UnsafeMutableRawPointer(f.pointee.extended_data!)
                .assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            av_audio_fifo_read(fifo, planes, count)
            if f.pointee.nb_samples > count {
                av_samples_set_silence(f.pointee.extended_data, count, f.pointee.nb_samples - count,
                                       encoder.pointee.ch_layout.nb_channels, encoder.pointee.sample_fmt)
            }
            f.pointee.pts = nextPts ?? 0
            nextPts = (nextPts ?? 0) + Int64(count)
            ret = avcodec_send_frame(encoder, f)
            if ret < 0 { throw MediaError.encodeFailed(path: path, message: "audio: " + ffmpegMessage(ret)) }
            try receive(emit: emit)
        }
    }

    private func receive(emit: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        guard let encoder, let encoded else { return }
        while true {
            let ret = avcodec_receive_packet(encoder, encoded)
            if ret == vs_averror_eagain() || ret == vs_averror_eof() { return }
            if ret < 0 { throw MediaError.encodeFailed(path: path, message: "audio: " + ffmpegMessage(ret)) }
            defer { av_packet_unref(encoded) }
            try emit(encoded)
        }
    }
}
