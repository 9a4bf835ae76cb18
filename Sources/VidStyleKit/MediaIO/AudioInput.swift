import CFFmpeg
import Foundation
import Synchronization

/// An FFmpeg audio input opened for a live recording (`--audio-input`): a capture device
/// (`pulse:default`, `alsa:hw:0`), a generator (`lavfi:sine=f=440`), or a file or URL; its
/// best audio stream decoded, and converted to interleaved 32-bit float at the input's own
/// rate (at most two channels), which is what `AudioCapture` times and hands on.
///
/// Opening is where the user learns about a wrong device name, so every failure is one line
/// (`OptionError`) before the recording starts. Reads block (a device waits for its next
/// period); `interrupt()` makes a blocked read give up, from any thread.
final class AudioInput {
    /// What the user gave.
    let spec: String
    /// FFmpeg's name of the demuxer or device that opened it ("pulse", "alsa", "lavfi").
    let formatName: String
    let sampleRate: Int
    /// 1 or 2: more are mixed down to stereo.
    let channels: Int
    /// The stream's time base (its packets' and frames' pts).
    let timeBase: AVRational

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var resampler: OpaquePointer?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private let streamIndex: Int32
    private let interruption: Interruption

    /// Set from another thread to make FFmpeg's blocking calls return (`AVERROR_EXIT`).
    final class Interruption: Sendable {
        let flag = Atomic<Bool>(false)
    }

    /// A decoded, converted piece of audio.
    struct Piece {
        /// Interleaved samples, `channels` per sample frame.
        var samples: [Float]
        /// The input's time of the first sample, in seconds, when it says.
        var seconds: Double?
        var count: Int { samples.count / max(1, channelsPerSample) }
        var channelsPerSample: Int
    }

    /// - Throws: `OptionError` naming the input and what to do.
    init(spec: String) throws {
        _ = FFmpegLogging.applied
        _ = FFmpegDevices.registered
        _ = Self.quietALSA
        self.spec = spec
        let input = MediaInput(spec, isCamera: { _ in false })
        var demuxer: UnsafePointer<AVInputFormat>?
        let url: String
        switch input {
        case .ffmpeg(let name, let rest):
            if let name {
                demuxer = av_find_input_format(name)
            }
            url = rest
        case .file(let path), .camera(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw OptionError("--audio-input \(spec): no such device or file; give FORMAT:SPEC such as pulse:default, "
                                  + "alsa:hw:0 or lavfi:sine=f=440 (`ffmpeg -devices` lists the formats)")
            }
            url = path
        }
        let interruption = Interruption()
        var fmt = avformat_alloc_context()
        if let context = fmt {
            context.pointee.interrupt_callback.opaque = Unmanaged.passUnretained(interruption).toOpaque()
            context.pointee.interrupt_callback.callback = { opaque in
                guard let opaque else { return 0 }
                return Unmanaged<Interruption>.fromOpaque(opaque).takeUnretainedValue().flag.load(ordering: .relaxed) ? 1 : 0
            }
        }
        var ret = avformat_open_input(&fmt, url, demuxer, nil)
        guard ret >= 0, let opened = fmt else {
            throw OptionError("--audio-input \(spec): could not open it (\(ffmpegMessage(ret))); check the device name "
                              + "(pactl list short sources, arecord -L) or give another FORMAT:SPEC")
        }
        var dec: UnsafeMutablePointer<AVCodecContext>?
        func fail(_ text: String) -> OptionError {
            avformat_close_input(&fmt)
            avcodec_free_context(&dec)
            return OptionError("--audio-input \(spec): \(text)")
        }
        ret = avformat_find_stream_info(opened, nil)
        if ret < 0 { throw fail("could not read it (\(ffmpegMessage(ret))); give an input that records sound") }
        let index = av_find_best_stream(opened, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        guard index >= 0 else { throw fail("has no audio stream; give an input that records sound") }
        for i in 0..<Int(opened.pointee.nb_streams) where Int32(i) != index {
            opened.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
        }
        let stream = opened.pointee.streams[Int(index)]!
        let parameters = stream.pointee.codecpar!
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            throw fail("no decoder for \(String(cString: avcodec_get_name(parameters.pointee.codec_id)))")
        }
        dec = avcodec_alloc_context3(codec)
        guard let context = dec else { throw fail("out of memory") }
        ret = avcodec_parameters_to_context(context, parameters)
        context.pointee.pkt_timebase = stream.pointee.time_base
        if ret >= 0 { ret = avcodec_open2(context, codec, nil) }
        if ret < 0 { throw fail("its decoder does not open (\(ffmpegMessage(ret)))") }
        guard context.pointee.sample_rate > 0 else { throw fail("it does not say its sample rate") }
        let packet = av_packet_alloc(), frame = av_frame_alloc()
        guard packet != nil, frame != nil else {
            var p = packet, f = frame
            av_packet_free(&p)
            av_frame_free(&f)
            throw fail("out of memory")
        }
        self.interruption = interruption
        format = opened
        decoder = context
        self.packet = packet
        self.frame = frame
        streamIndex = index
        timeBase = stream.pointee.time_base
        formatName = String(cString: opened.pointee.iformat.pointee.name)
        sampleRate = Int(context.pointee.sample_rate)
        channels = context.pointee.ch_layout.nb_channels == 1 ? 1 : 2
    }

    deinit {
        swr_free(&resampler)
        av_packet_free(&packet)
        av_frame_free(&frame)
        avcodec_free_context(&decoder)
        avformat_close_input(&format)
    }

    /// alsa-lib prints its own complaints on stderr ("ALSA lib confmisc.c:... Cannot get card
    /// index"), a second line beside vidstyle's one-line error; FFmpeg's own messages are
    /// silenced too (`FFmpegLogging`). Looked up at run time: libasound comes with libavdevice.
    private static let quietALSA: Void = {
        typealias Handler = @convention(c) (UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, Int32,
                                            UnsafePointer<CChar>?) -> Void
        typealias Setter = @convention(c) (Handler?) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "snd_lib_error_set_handler") else { return }
        _ = unsafeBitCast(symbol, to: Setter.self)({ _, _, _, _, _ in })
    }()

    /// Makes a blocked or later `read` return nil at once. Any thread.
    func interrupt() {
        interruption.flag.store(true, ordering: .relaxed)
    }

    /// The next decoded pieces (one packet's worth, possibly none); nil at the end of the input,
    /// after `interrupt()`, or when the device fails.
    func read() -> [Piece]? {
        guard let format, let packet, let decoder, let frame else { return nil }
        while true {
            if interruption.flag.load(ordering: .relaxed) { return nil }
            let ret = av_read_frame(format, packet)
            if ret == vs_averror_eagain() { usleep(1000); continue }
            if ret < 0 { return nil }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            guard avcodec_send_packet(decoder, packet) >= 0 else { continue }  // a damaged packet
            var pieces: [Piece] = []
            while avcodec_receive_frame(decoder, frame) >= 0 {
                defer { av_frame_unref(frame) }
                if let piece = convert(frame) { pieces.append(piece) }
            }
            return pieces
        }
    }

    private var resamplerKey: [Int64] = []

    private func convert(_ frame: UnsafeMutablePointer<AVFrame>) -> Piece? {
        let f = frame.pointee
        guard f.nb_samples > 0 else { return nil }
        let key: [Int64] = [Int64(f.format), Int64(f.sample_rate), Int64(f.ch_layout.nb_channels)]
        if key != resamplerKey {
            swr_free(&resampler)
            var outLayout = AVChannelLayout()
            av_channel_layout_default(&outLayout, Int32(channels))
            var inLayout = resamplerInputLayout(of: f)
            defer {
                av_channel_layout_uninit(&inLayout)
                av_channel_layout_uninit(&outLayout)
            }
            // The rate stays the input's: timing is worked out on its samples, and the encoder's
            // resampler (AudioTranscoder) converts once at the end.
            var ret = swr_alloc_set_opts2(&resampler, &outLayout, AV_SAMPLE_FMT_FLT, Int32(sampleRate),
                                          &inLayout, AVSampleFormat(rawValue: f.format), f.sample_rate, 0, nil)
            if ret >= 0 { ret = swr_init(resampler) }
            guard ret >= 0 else { return nil }
            resamplerKey = key
        }
        let capacity = Int(swr_get_out_samples(resampler, f.nb_samples)) + 32
        var samples = [Float](repeating: 0, count: capacity * channels)
        let converted = samples.withUnsafeMutableBytes { out -> Int32 in
            var plane: UnsafeMutablePointer<UInt8>? = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let input = UnsafeMutableRawPointer(f.extended_data!).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
            return swr_convert(resampler, &plane, Int32(capacity), input, f.nb_samples)
        }
        guard converted > 0 else { return nil }
        samples.removeLast(samples.count - Int(converted) * channels)
        let pts = f.best_effort_timestamp != vs_nopts_value() ? f.best_effort_timestamp : f.pts
        let seconds = pts == vs_nopts_value() ? nil : Double(pts) * Double(timeBase.num) / Double(timeBase.den)
        return Piece(samples: samples, seconds: seconds, channelsPerSample: channels)
    }
}
