import CFFmpeg
import Foundation

/// Encodes RGB24 `VideoFrame`s and muxes them, with the input's audio, into a video file or a
/// still image, without ever leaving a half-written OUT behind.
///
/// **Container** comes from OUT's extension: .mp4/.m4v, .mov, .mkv, .webm, and the stills .png
/// (exact size, RGB) and .jpg/.jpeg (MJPEG); a still holds the last frame written. WebM can only
/// hold VP9 here: asking for H.264/H.265 with .webm switches to VP9 and says so in `notices`
/// (the codec has a default, so a refusal would make `vidstyle in.mp4 out.webm` fail). MP4/MOV
/// are written with `movflags=+faststart` (index first, so players can start before the end).
///
/// **Atomic output.** Everything goes to `.OUTNAME.vidstyle-tmp-PID.EXT` in OUT's folder (so the
/// final rename never crosses file systems); `finish()` renames it over OUT; `discard()` (or
/// deinit, if neither ran) deletes it.
///
/// **Standard output.** OUT `-` streams to standard output, as ffmpeg does: there is no file
/// to rename, so bytes go straight to the pipe, in a container that needs no seeking
/// (`EncodingOptions.container`: Matroska by default, WebM, or fragmented MP4; MOV is refused).
/// A reader of a live stream should see each frame as soon as it is encoded, so the encoder
/// runs without look-ahead (x264/x265 `zerolatency`, VP9 without lag) and the muxer's cluster
/// or fragment is flushed after every packet. A reader that goes away ends the writing with
/// `MediaError.outputClosed`; the process must ignore SIGPIPE for that (the command does).
///
/// **Timing.** The encoder and stream use the input's video time base and each frame's own pts
/// and duration, so variable frame rate survives; a pts that does not increase is nudged up by
/// one tick (counted in `notices`).
///
/// **Colour and size.** RGB is converted to YUV 4:2:0 with the input's matrix and range, and the
/// output is tagged with the input's primaries, transfer, matrix and range. 4:2:0 needs even
/// sizes, so H.264/H.265/VP9/MJPEG drop the last column/row of an odd-sized input (output within
/// 1 px); PNG keeps the exact size. The input's display matrix (rotation) is copied.
///
/// **Audio** is copied packet for packet when the container accepts its codec; otherwise it is
/// decoded and re-encoded to AAC (mp4/mov/mkv) or Opus (webm) with a line in `notices`.
///
/// Not `Sendable`: one actor owns a writer and its C contexts.
public final class VideoWriter {
    /// The final output path.
    public let path: String
    /// The input video's description the writer matches.
    public let video: VideoStreamInfo
    /// Size of the encoded pictures: the input's, or one less in an odd dimension for 4:2:0 codecs.
    public let outputWidth: Int
    /// See `outputWidth`.
    public let outputHeight: Int
    /// Where the output is written until `finish()` (FFmpeg's `pipe:N` for standard output).
    public let temporaryPath: String
    /// For an image sequence (`out_%04d.png`): the hidden folder the pictures are written into
    /// until `finish()` moves them beside OUT.
    public let sequenceStaging: String?
    /// Human-readable lines about decisions the user should know of ("audio: mp2 can't go into
    /// webm; re-encoded to Opus").
    public private(set) var notices: [String] = []
    /// Pictures an image sequence was written as (after `finish()`).
    public private(set) var sequenceFiles = 0
    /// Frames given to `write(_:)` so far.
    public private(set) var framesWritten = 0

    private enum State { case open, finished, discarded }

    private let container: OutputContainer
    private let options: EncodingOptions
    private let folder: String
    /// The descriptor a streamed output (OUT `-`) is written to; nil for files.
    private let streamDescriptor: Int32?
    private var state = State.open
    private var output: UnsafeMutablePointer<AVFormatContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var videoStream: UnsafeMutablePointer<AVStream>?
    /// Where each copied track's packets go, by track index; a track that could not be kept has none.
    private var trackOutputs: [Int: TrackOutput] = [:]

    /// An output stream fed by one input track: packets copied, or audio re-encoded.
    private struct TrackOutput {
        var stream: UnsafeMutablePointer<AVStream>
        var inputTimeBase: AVRational
        var transcoder: AudioTranscoder?
    }
    private var pictures: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var scaler: OpaquePointer?
    private var scalerSource: (width: Int, height: Int)?
    private var pixelFormat = AV_PIX_FMT_YUV420P
    /// swscale's source plane pointers and strides, kept so writing a frame allocates nothing.
    private var srcPlanes = [UnsafePointer<UInt8>?](repeating: nil, count: 4)
    private var srcStrides = [Int32](repeating: 0, count: 4)
    private var durations: [Int64: Int64] = [:]
    private var lastVideoPts: Int64?
    private var lastDts: [Int32: Int64] = [:]
    private var nudgedFrames = 0
    /// Container-level tags written with the header (a part's label, read back by the joiner).
    private let metadata: [String: String]
    /// Set for a writer that muxes already-encoded video packets (the joiner) instead of encoding.
    private let copiedVideo: CopiedVideo?

    /// Where copied video packets come from: their codec parameters and time base, kept owned.
    struct CopiedVideo {
        var track: CopiedTrack
        /// Keep the source's codec tag (hvc1 rather than the muxer's hev1, as the parts have it).
        var keepsCodecTag: Bool
    }

    /// Opens the encoder and the temporary output file and writes the header.
    /// - Parameters:
    ///   - video: the input's stream description (from `VideoReader.video`).
    ///   - audio: the input's audio track to copy or re-encode; nil for none.
    /// - Throws: `MediaError.unknownOutputExtension`, `.outputFolderNotWritable`,
    ///   `.codecNotAvailable`, `.containerCannotHoldCodec`, `.encodeFailed`. Nothing is left on
    ///   disk when it throws.
    /// Whether the container chosen by `path`'s extension keeps a display matrix (rotation);
    /// where it does not, readers should turn the pixels upright (`VideoReader(path:upright:)`).
    public static func storesRotation(path: String, options: EncodingOptions = .init()) -> Bool {
        OutputContainer(extension: containerName(path: path, options: options))?.storesDisplayMatrix ?? true
    }

    /// OUT that means standard output, as in ffmpeg.
    public static let standardOutput = "-"

    public static func isStandardOutput(_ path: String) -> Bool { path == standardOutput }

    /// The name of the container OUT is written in: its extension, or for standard output
    /// `options.container` (Matroska when none is given: it streams and takes every codec).
    public static func containerName(path: String, options: EncodingOptions) -> String {
        isStandardOutput(path) ? (options.container ?? "mkv") : (path as NSString).pathExtension
    }

    /// The hidden name OUT is written under until it is complete: `.OUT.vidstyle-tmp-PID.EXT`,
    /// with OUT's name cut short where needed so the name stays within the 255 bytes file
    /// systems allow (any legal OUT name must work).
    static func temporaryName(for name: String, extension ext: String, pid: Int32 = getpid()) -> String {
        let suffix = ".vidstyle-tmp-\(pid)." + ext
        let room = 255 - 1 - suffix.utf8.count
        var kept = ""
        for character in name {
            if kept.utf8.count + String(character).utf8.count > room { break }
            kept.append(character)
        }
        return "." + kept + suffix
    }

    /// Deletes the temporary files (`temporaryName`) that a killed run (SIGKILL, a power cut)
    /// left for OUT, where the process that wrote them is gone; a live writer's file stays.
    /// - Returns: the names removed.
    @discardableResult
    public static func removeStaleTemporaryFiles(for path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + ".vidstyle-tmp-", suffix = "." + url.pathExtension
        var removed: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix(prefix) && name.hasSuffix(suffix) && name.count > prefix.count + suffix.count {
            let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
            guard let pid = pid_t(digits), pid > 0 else { continue }
            // kill(pid, 0) asks without signalling; ESRCH: no such process.
            if kill(pid, 0) != 0 && errno == ESRCH && unlink(folder + "/" + name) == 0 { removed.append(name) }
        }
        return removed
    }

    /// One audio track or none (a convenience for `init(path:video:tracks:options:)`).
    public convenience init(path: String, video: VideoStreamInfo, audio: CopiedTrack?, options: EncodingOptions = .init()) throws {
        try self.init(path: path, video: video, tracks: audio.map { [$0] } ?? [], options: options)
    }

    /// - Parameter tracks: the input's audio and subtitle tracks (`VideoReader.tracks`), each
    ///   copied where the container takes it, audio re-encoded where it does not, and anything
    ///   that cannot be kept named in `notices`.
    /// - Parameter metadata: container-level tags (`comment`...) written with the header.
    public convenience init(path: String, video: VideoStreamInfo, tracks: [CopiedTrack], options: EncodingOptions = .init(),
                            metadata: [String: String] = [:]) throws {
        try self.init(path: path, video: video, tracks: tracks, options: options, metadata: metadata, copiedVideo: nil,
                      streamDescriptor: STDOUT_FILENO)
    }

    /// With `copiedVideo`, no encoder is opened: `write(encodedVideo:timeBase:)` muxes the
    /// packets as they are, so parts join without a second generation of compression.
    /// - Parameter streamDescriptor: where OUT `-` is written: standard output, or in tests a
    ///   pipe they read. The writer does not close it.
    init(path: String, video: VideoStreamInfo, tracks: [CopiedTrack], options: EncodingOptions,
         metadata: [String: String] = [:], copiedVideo: CopiedVideo? = nil, streamDescriptor: Int32 = STDOUT_FILENO) throws {
        _ = FFmpegLogging.applied
        let url = URL(fileURLWithPath: path)
        let streaming = Self.isStandardOutput(path)
        let ext = Self.containerName(path: path, options: options)
        guard let container = OutputContainer(extension: ext) else {
            if streaming { throw MediaError.notStreamable(container: ext) }
            throw MediaError.unknownOutputExtension(path: path, supported: OutputContainer.supportedExtensions)
        }
        let folder = url.deletingLastPathComponent().path
        if streaming {
            guard container.isStreamable else { throw MediaError.notStreamable(container: container.rawValue) }
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
                throw MediaError.outputFolderNotWritable(folder: folder, reason: "no such folder")
            }
            guard isDirectory.boolValue else {
                throw MediaError.outputFolderNotWritable(folder: folder, reason: "not a folder")
            }
            guard access(folder, W_OK) == 0 else {
                throw MediaError.outputFolderNotWritable(folder: folder, reason: "permission denied")
            }
        }
        guard video.width > 0, video.height > 0 else {
            throw MediaError.encodeFailed(path: path, message: "the video has no picture size")
        }
        let evenOnly = container != .png
        let width = evenOnly ? video.width & ~1 : video.width
        let height = evenOnly ? video.height & ~1 : video.height
        guard width > 0, height > 0 else {
            throw MediaError.encodeFailed(path: path, message:
                "a \(video.width)x\(video.height) picture is too small for this codec; use .png")
        }
        self.path = path
        self.video = video
        self.container = container
        self.options = options
        self.folder = folder
        self.outputWidth = width
        self.outputHeight = height
        self.metadata = metadata
        self.copiedVideo = copiedVideo
        self.streamDescriptor = streaming ? streamDescriptor : nil
        if streaming {
            self.sequenceStaging = nil
            self.temporaryPath = "pipe:\(streamDescriptor)"
        } else if VideoWriter.isSequencePattern(url.lastPathComponent) {
            guard container.isStill else {
                throw MediaError.encodeFailed(path: path, message: "a numbered pattern (%04d) names image files; use .png or .jpg")
            }
            // The pictures are written into a hidden folder beside OUT and moved out when complete.
            let staging = folder + "/.vidstyle-tmp-\(getpid())-sequence"
            guard mkdir(staging, 0o755) == 0 || errno == EEXIST else {
                throw MediaError.outputFolderNotWritable(folder: folder, reason: String(cString: strerror(errno)))
            }
            self.sequenceStaging = staging
            self.temporaryPath = staging + "/" + url.lastPathComponent
        } else {
            self.sequenceStaging = nil
            self.temporaryPath = folder + "/" + VideoWriter.temporaryName(for: url.lastPathComponent, extension: ext)
        }
        // Every stored property is set: if `open` throws, deinit runs and removes the temp file.
        try open(tracks: tracks)
    }

    deinit {
        if state == .open { discard() }
        releaseContexts()
    }

    // MARK: set-up

    private func open(tracks: [CopiedTrack]) throws {
        var oc: UnsafeMutablePointer<AVFormatContext>?
        var ret = avformat_alloc_output_context2(&oc, nil, container.muxerName, temporaryPath)
        guard ret >= 0, let oc else { throw failure(ret) }
        output = oc

        // Choose the video encoder.
        let encoderName: String
        var codecLabel: String
        switch container {
        case .png:
            encoderName = "png"; codecLabel = "png"; pixelFormat = AV_PIX_FMT_RGB24
        case .jpeg:
            encoderName = "mjpeg"; codecLabel = "mjpeg"; pixelFormat = AV_PIX_FMT_YUVJ420P
        default:
            var codec = options.codec
            if container == .webm && codec != .vp9 {
                notices.append("video: \(codec.rawValue) can't go into webm; encoded as VP9")
                codec = .vp9
            }
            encoderName = codec.encoderName; codecLabel = codec.rawValue
            let chosen = av_get_pix_fmt(options.pixelFormat)
            pixelFormat = chosen == AV_PIX_FMT_NONE ? AV_PIX_FMT_YUV420P : chosen
        }
        for (key, value) in metadata { av_dict_set(&oc.pointee.metadata, key, value, 0) }
        if let copiedVideo {
            try openCopiedVideo(copiedVideo, in: oc, tracks: tracks)
            return
        }
        guard let codec = avcodec_find_encoder_by_name(encoderName) else {
            throw MediaError.codecNotAvailable(name: encoderName)
        }
        // 1: yes, 0: no, negative: the muxer cannot tell (then the header decides, below).
        let holds = avformat_query_codec(oc.pointee.oformat, codec.pointee.id, FF_COMPLIANCE_NORMAL)
        if holds == 0 || !container.canHold(encoderName: encoderName) {
            throw MediaError.containerCannotHoldCodec(container: container.rawValue, codec: codecLabel)
        }
        guard let stream = avformat_new_stream(oc, nil), let ctx = avcodec_alloc_context3(codec) else {
            throw failure(vs_averror(ENOMEM))
        }
        videoStream = stream
        encoder = ctx
        ctx.pointee.width = Int32(outputWidth)
        ctx.pointee.height = Int32(outputHeight)
        ctx.pointee.pix_fmt = pixelFormat
        var timeBase = video.timeBase.av
        if timeBase.num <= 0 || timeBase.den <= 0 { timeBase = AVRational(num: 1, den: 90000) }
        ctx.pointee.time_base = timeBase
        if let rate = video.averageFrameRate { ctx.pointee.framerate = rate.av }
        ctx.pointee.sample_aspect_ratio = video.sampleAspectRatio.av
        ctx.pointee.thread_count = 0
        switch container {
        case .png:
            break
        case .jpeg:
            ctx.pointee.color_range = AVCOL_RANGE_JPEG
            ctx.pointee.flags |= Int32(AV_CODEC_FLAG_QSCALE)
            ctx.pointee.global_quality = Int32(FF_QP2LAMBDA) * 2
        default:
            ctx.pointee.color_primaries = AVColorPrimaries(rawValue: video.colour.primaries)
            ctx.pointee.color_trc = AVColorTransferCharacteristic(rawValue: video.colour.transfer)
            ctx.pointee.colorspace = AVColorSpace(rawValue: video.colour.matrix)
            ctx.pointee.color_range = AVColorRange(rawValue: video.colour.range)
            setEncoderOptions(ctx, encoderName: encoderName)
        }
        if oc.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            ctx.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER)
        }
        ret = avcodec_open2(ctx, codec, nil)
        if ret < 0 { throw MediaError.encodeFailed(path: path, message: "\(encoderName): \(ffmpegMessage(ret))") }
        ret = avcodec_parameters_from_context(stream.pointee.codecpar, ctx)
        if ret < 0 { throw failure(ret) }
        if encoderName == "libx265" && (container == .mp4 || container == .mov) {
            // "hvc1" rather than "hev1": the tag Apple players require.
            stream.pointee.codecpar.pointee.codec_tag = 0x3163_7668
        }
        stream.pointee.time_base = timeBase
        try finishOpening(oc, stream: stream, tracks: tracks, holds: holds, codecLabel: codecLabel)

        pictures = av_frame_alloc()
        packet = av_packet_alloc()
        guard let pictures, packet != nil else { throw failure(vs_averror(ENOMEM)) }
        pictures.pointee.format = pixelFormat.rawValue
        pictures.pointee.width = Int32(outputWidth)
        pictures.pointee.height = Int32(outputHeight)
        ret = av_frame_get_buffer(pictures, 0)
        if ret < 0 { throw failure(ret) }
    }

    /// The video stream of a joiner: the parts' codec parameters, copied.
    private func openCopiedVideo(_ copied: CopiedVideo, in oc: UnsafeMutablePointer<AVFormatContext>,
                                 tracks: [CopiedTrack]) throws {
        guard let stream = avformat_new_stream(oc, nil) else { throw failure(vs_averror(ENOMEM)) }
        videoStream = stream
        let ret = avcodec_parameters_copy(stream.pointee.codecpar, copied.track.parameters)
        if ret < 0 { throw failure(ret) }
        if !copied.keepsCodecTag { stream.pointee.codecpar.pointee.codec_tag = 0 }
        var timeBase = video.timeBase.av
        if timeBase.num <= 0 || timeBase.den <= 0 { timeBase = copied.track.timeBase.av }
        stream.pointee.time_base = timeBase
        try finishOpening(oc, stream: stream, tracks: tracks, holds: 1, codecLabel: copied.track.codecName)
        packet = av_packet_alloc()
        guard packet != nil else { throw failure(vs_averror(ENOMEM)) }
    }

    /// What every video output shares: rate, aspect, rotation, the copied tracks, the header.
    private func finishOpening(_ oc: UnsafeMutablePointer<AVFormatContext>, stream: UnsafeMutablePointer<AVStream>,
                               tracks: [CopiedTrack], holds: Int32, codecLabel: String) throws {
        var ret: Int32 = 0
        // Matroska turns the average rate into a DefaultDuration that readers then give every
        // frame, erasing variable frame durations; mp4/mov store each sample's duration anyway.
        if let rate = video.averageFrameRate, container != .mkv && container != .webm {
            stream.pointee.avg_frame_rate = rate.av
        }
        stream.pointee.sample_aspect_ratio = video.sampleAspectRatio.av
        if let matrix = video.displayMatrix, matrix.count == 9, !container.storesDisplayMatrix,
           QuarterTurn(displayMatrix: matrix) != QuarterTurn.none {
            notices.append("video: the input's display matrix (rotation \(Int(video.rotationDegrees.rounded()))°, or a flip) "
                           + "can't go into \(container.rawValue); the picture is stored as decoded")
        }
        if let matrix = video.displayMatrix, matrix.count == 9, !container.isStill {
            guard let side = av_stream_new_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, 36) else {
                throw failure(vs_averror(ENOMEM))
            }
            matrix.withUnsafeBytes { UnsafeMutableRawPointer(side).copyMemory(from: $0.baseAddress!, byteCount: 36) }
        }

        if !container.isStill {
            for (index, track) in tracks.enumerated() {
                switch track.kind {
                case .audio where options.keepAudio:
                    if let output = try addAudio(track, to: oc) { trackOutputs[index] = output }
                case .audio:
                    break
                case .subtitle:
                    if let output = try addSubtitles(track, to: oc) { trackOutputs[index] = output }
                }
            }
        }

        if oc.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            ret = avio_open(&oc.pointee.pb, temporaryPath, AVIO_FLAG_WRITE)
            if ret < 0 {
                if streamDescriptor != nil { throw failure(ret) }
                throw MediaError.outputFolderNotWritable(folder: folder, reason: ffmpegMessage(ret))
            }
        }
        var muxerOptions: OpaquePointer?
        switch container {
        case .mp4 where streamDescriptor != nil:
            // The index goes first and each fragment carries its own, so nothing is patched later.
            av_dict_set(&muxerOptions, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0)
        case .mp4, .mov: av_dict_set(&muxerOptions, "movflags", "+faststart", 0)
        case .mkv where streamDescriptor != nil, .webm where streamDescriptor != nil:
            // No cues or duration to seek back for.
            av_dict_set(&muxerOptions, "live", "1", 0)
        case .png where sequenceStaging == nil, .jpeg where sequenceStaging == nil:
            av_dict_set(&muxerOptions, "update", "1", 0)
        default: break
        }
        if streamDescriptor != nil { av_dict_set(&muxerOptions, "flush_packets", "1", 0) }
        ret = avformat_write_header(oc, &muxerOptions)
        av_dict_free(&muxerOptions)
        if ret >= 0, streamDescriptor != nil, let pb = oc.pointee.pb {
            // The reader can set up its decoder before the first frame is painted.
            avio_flush(pb)
            if pb.pointee.error < 0 { ret = pb.pointee.error }
        }
        if ret == vs_averror(EINVAL) && holds != 1 {
            // e.g. VP9 in .mov: no tag for it, which the muxer only says here.
            throw MediaError.containerCannotHoldCodec(container: container.rawValue, codec: codecLabel)
        }
        if ret < 0 { throw failure(ret) }

    }

    private func setEncoderOptions(_ ctx: UnsafeMutablePointer<AVCodecContext>, encoderName: String) {
        let priv = ctx.pointee.priv_data
        switch encoderName {
        case "libvpx-vp9":
            ctx.pointee.bit_rate = 0  // constant quality
            av_opt_set(priv, "crf", String(options.crf ?? 32), 0)
            av_opt_set(priv, "deadline", "realtime", 0)
            let cpuUsed = options.preset.flatMap { Int($0) } ?? 8
            av_opt_set(priv, "cpu-used", String(cpuUsed), 0)
            av_opt_set(priv, "row-mt", "1", 0)
        default:  // libx264, libx265
            av_opt_set(priv, "crf", String(options.crf ?? 20), 0)
            av_opt_set(priv, "preset", options.preset ?? "veryfast", 0)
            if encoderName == "libx265" {
                av_opt_set(priv, "x265-params", "log-level=error", 0)
            }
        }
        // A stream is watched as it comes: x264's look-ahead and B-frames alone hold back more
        // than a second of a 15 fps live picture, libvpx's lag 25 frames.
        if streamDescriptor != nil {
            if encoderName == "libvpx-vp9" {
                av_opt_set(priv, "lag-in-frames", "0", 0)
            } else {
                av_opt_set(priv, "tune", "zerolatency", 0)
            }
        }
    }

    private func addAudio(_ audio: CopiedTrack, to oc: UnsafeMutablePointer<AVFormatContext>) throws -> TrackOutput? {
        let accepted = avformat_query_codec(oc.pointee.oformat, audio.parameters.pointee.codec_id,
                                            FF_COMPLIANCE_NORMAL)
        if accepted != 0 && !options.reencodeAudio {
            return try copyStream(audio, to: oc)
        }
        guard let target = container.audioEncoder else { return nil }
        let globalHeader = oc.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0
        let transcoder: AudioTranscoder
        do {
            transcoder = try AudioTranscoder(track: audio, encoderName: target.name,
                                             globalHeader: globalHeader, path: path)
        } catch let error as MediaError {
            notices.append("audio: \(audio.codecName) can't go into \(container.rawValue) and "
                           + "can't be re-encoded (\(error)); audio dropped")
            return nil
        }
        guard let stream = avformat_new_stream(oc, nil), let enc = transcoder.encoder else {
            throw failure(vs_averror(ENOMEM))
        }
        let ret = avcodec_parameters_from_context(stream.pointee.codecpar, enc)
        if ret < 0 { throw failure(ret) }
        stream.pointee.time_base = enc.pointee.time_base
        tag(stream, language: audio.language)
        notices.append(accepted != 0 ? "audio: \(audio.codecName) re-encoded to \(target.label), as asked"
                       : "audio: \(audio.codecName) can't go into \(container.rawValue); re-encoded to \(target.label)")
        return TrackOutput(stream: stream, inputTimeBase: enc.pointee.time_base, transcoder: transcoder)
    }

    /// Copies a subtitle track where the container takes its codec (text subtitles into mkv,
    /// mov_text into mp4...); otherwise says it was not kept.
    private func addSubtitles(_ track: CopiedTrack, to oc: UnsafeMutablePointer<AVFormatContext>) throws -> TrackOutput? {
        guard avformat_query_codec(oc.pointee.oformat, track.parameters.pointee.codec_id, FF_COMPLIANCE_NORMAL) == 1 else {
            notices.append("subtitles: \(track.codecName) can't go into \(container.rawValue); not kept (use .mkv to keep them)")
            return nil
        }
        return try copyStream(track, to: oc)
    }

    /// An output stream that takes the track's packets as they are.
    private func copyStream(_ track: CopiedTrack, to oc: UnsafeMutablePointer<AVFormatContext>) throws -> TrackOutput {
        guard let stream = avformat_new_stream(oc, nil) else { throw failure(vs_averror(ENOMEM)) }
        let ret = avcodec_parameters_copy(stream.pointee.codecpar, track.parameters)
        if ret < 0 { throw failure(ret) }
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = track.timeBase.av
        tag(stream, language: track.language)
        return TrackOutput(stream: stream, inputTimeBase: track.timeBase.av, transcoder: nil)
    }

    private func tag(_ stream: UnsafeMutablePointer<AVStream>, language: String?) {
        if let language { av_dict_set(&stream.pointee.metadata, "language", language, 0) }
    }

    private func failure(_ code: Int32) -> MediaError {
        if code == vs_averror(EPIPE) { return .outputClosed }
        return MediaError.encodeFailed(path: path, message: ffmpegMessage(code))
    }

    // MARK: writing

    /// Encodes one frame. Frames must come in presentation order; `frame.pts` and `duration` are
    /// in `video.timeBase`. A frame of another size than the input's is scaled to fit.
    public func write(_ frame: VideoFrame) throws {
        guard state == .open, let encoder, let pictures else {
            throw MediaError.encodeFailed(path: path, message: "the writer is already closed")
        }
        if scalerSource == nil || scalerSource! != (frame.width, frame.height) {
            try makeScaler(forWidth: frame.width, height: frame.height)
        }
        var ret = av_frame_make_writable(pictures)
        if ret < 0 { throw failure(ret) }
        let source = scalerSource!
        let sourceHeight = frame.width == video.width && frame.height == video.height ? outputHeight : source.height
        srcPlanes[0] = UnsafePointer(frame.pixels)
        srcStrides[0] = Int32(frame.stride)
        var data = pictures.pointee.data
        var linesize = pictures.pointee.linesize
        withUnsafePointer(to: &data) { dataPointer in
            withUnsafePointer(to: &linesize) { linePointer in
                dataPointer.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                    linePointer.withMemoryRebound(to: Int32.self, capacity: 8) { dstStride in
                        _ = sws_scale(scaler, &srcPlanes, &srcStrides, 0, Int32(sourceHeight), dst, dstStride)
                    }
                }
            }
        }
        var pts = frame.pts
        if let last = lastVideoPts, pts <= last {
            pts = last + 1
            nudgedFrames += 1
        }
        lastVideoPts = pts
        pictures.pointee.pts = pts
        pictures.pointee.pkt_duration = frame.duration
        pictures.pointee.pict_type = AV_PICTURE_TYPE_NONE
        if container == .jpeg { pictures.pointee.quality = encoder.pointee.global_quality }
        if frame.duration > 0 { durations[pts] = frame.duration }
        ret = avcodec_send_frame(encoder, pictures)
        if ret < 0 { throw failure(ret) }
        framesWritten += 1
        try drainVideo()
    }

    /// Muxes one already-encoded video packet (a joiner's), its timestamps in `timeBase`.
    func write(encodedVideo source: UnsafeMutablePointer<AVPacket>, timeBase: AVRational) throws {
        guard state == .open, copiedVideo != nil, let stream = videoStream else {
            throw MediaError.encodeFailed(path: path, message: "the writer is not open for copied video")
        }
        var copy = av_packet_alloc()
        guard let p = copy else { throw failure(vs_averror(ENOMEM)) }
        defer { av_packet_free(&copy) }
        let ret = av_packet_ref(p, source)
        if ret < 0 { throw failure(ret) }
        av_packet_rescale_ts(p, timeBase, stream.pointee.time_base)
        p.pointee.stream_index = stream.pointee.index
        p.pointee.pos = -1
        framesWritten += 1
        try mux(p)
    }

    private func makeScaler(forWidth width: Int, height: Int) throws {
        sws_freeContext(scaler)
        scaler = nil
        // The input's size: crop to the output (drop an odd last row/column); else scale.
        let crop = width == video.width && height == video.height
        let sourceWidth = crop ? outputWidth : width
        let sourceHeight = crop ? outputHeight : height
        let same = sourceWidth == outputWidth && sourceHeight == outputHeight
        scaler = sws_getContext(Int32(sourceWidth), Int32(sourceHeight), AV_PIX_FMT_RGB24,
                                Int32(outputWidth), Int32(outputHeight), pixelFormat,
                                same ? SWS_BILINEAR : SWS_BICUBIC, nil, nil, nil)
        guard scaler != nil else {
            throw MediaError.encodeFailed(path: path, message: "cannot convert RGB to the encoder's pixel format")
        }
        if pixelFormat != AV_PIX_FMT_RGB24 {
            let jpeg = container == .jpeg
            let matrix = jpeg ? SWS_CS_ITU601 : video.colour.swsMatrix(height: video.height)
            let fullRange = jpeg || video.colour.isFullRange
            sws_setColorspaceDetails(scaler, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                                     sws_getCoefficients(matrix), fullRange ? 1 : 0, 0, 1 << 16, 1 << 16)
        }
        scalerSource = (width, height)
    }

    private func drainVideo() throws {
        guard let encoder, let packet, let stream = videoStream else { return }
        while true {
            let ret = avcodec_receive_packet(encoder, packet)
            if ret == vs_averror_eagain() || ret == vs_averror_eof() { return }
            if ret < 0 { throw failure(ret) }
            if let duration = durations.removeValue(forKey: packet.pointee.pts), packet.pointee.duration <= 0 {
                packet.pointee.duration = duration
            }
            av_packet_rescale_ts(packet, encoder.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            try mux(packet)
        }
    }

    /// Copies (or re-encodes) one packet of a copied track. Dropped when its track is not kept
    /// (keepAudio false, a still image, a subtitle codec the container refuses).
    public func write(_ audioPacket: CopiedPacket) throws {
        guard state == .open else {
            throw MediaError.encodeFailed(path: path, message: "the writer is already closed")
        }
        guard let output = trackOutputs[audioPacket.track] else { return }
        let stream = output.stream
        if let transcoder = output.transcoder {
            try transcoder.feed(audioPacket.packet) { try muxAudio($0, from: transcoder.encoder!.pointee.time_base, stream) }
            return
        }
        var copy = av_packet_alloc()
        guard let p = copy else { throw failure(vs_averror(ENOMEM)) }
        defer { av_packet_free(&copy) }
        let ret = av_packet_ref(p, audioPacket.packet)
        if ret < 0 { throw failure(ret) }
        if p.pointee.dts == vs_nopts_value() { p.pointee.dts = p.pointee.pts }
        try muxAudio(p, from: output.inputTimeBase, stream)
    }

    private func muxAudio(_ p: UnsafeMutablePointer<AVPacket>, from timeBase: AVRational,
                          _ stream: UnsafeMutablePointer<AVStream>) throws {
        av_packet_rescale_ts(p, timeBase, stream.pointee.time_base)
        p.pointee.stream_index = stream.pointee.index
        p.pointee.pos = -1
        try mux(p)
    }

    /// Hands a packet to the interleaver, keeping each stream's dts strictly increasing as
    /// muxers demand (the ffmpeg CLI does the same for damaged inputs).
    private func mux(_ p: UnsafeMutablePointer<AVPacket>) throws {
        guard let output else { return }
        let index = p.pointee.stream_index
        if p.pointee.dts != vs_nopts_value() {
            if let last = lastDts[index], p.pointee.dts <= last {
                p.pointee.dts = last + 1
                if p.pointee.pts != vs_nopts_value() && p.pointee.pts < p.pointee.dts {
                    p.pointee.pts = p.pointee.dts
                }
            }
            lastDts[index] = p.pointee.dts
        }
        var ret = av_interleaved_write_frame(output, p)
        if ret < 0 { throw failure(ret) }
        if streamDescriptor != nil {
            // Closes Matroska's cluster or MP4's fragment now rather than when the next
            // keyframe or size limit comes, and hands it to the pipe.
            ret = av_write_frame(output, nil)
            if ret < 0 { throw failure(ret) }
            if let pb = output.pointee.pb {
                avio_flush(pb)
                if pb.pointee.error < 0 { throw failure(pb.pointee.error) }
            }
        }
    }

    // MARK: closing

    /// Flushes the encoders, writes the trailer and renames the temporary file over OUT (a
    /// stream is complete once its trailer is flushed).
    /// - Throws: `MediaError.encodeFailed` (also when no frame was written), `.outputClosed`;
    ///   the temporary file is then still there: call `discard()` (deinit does too).
    public func finish() throws {
        guard state == .open, let output, encoder != nil || copiedVideo != nil else {
            throw MediaError.encodeFailed(path: path, message: "the writer is already closed")
        }
        guard framesWritten > 0 else {
            throw MediaError.encodeFailed(path: path, message: "no video frames were written")
        }
        var ret: Int32 = 0
        if let encoder {
            ret = avcodec_send_frame(encoder, nil)
            if ret < 0 && ret != vs_averror_eof() { throw failure(ret) }
            try drainVideo()
        }
        for output in trackOutputs.sorted(by: { $0.key < $1.key }).map(\.value) {
            guard let transcoder = output.transcoder else { continue }
            try transcoder.feed(nil) { try muxAudio($0, from: transcoder.encoder!.pointee.time_base, output.stream) }
        }
        ret = av_write_trailer(output)
        if ret < 0 { throw failure(ret) }
        if streamDescriptor != nil, let pb = output.pointee.pb {
            avio_flush(pb)
            if pb.pointee.error < 0 { throw failure(pb.pointee.error) }
        }
        if output.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            ret = avio_closep(&output.pointee.pb)
            if ret < 0 { throw failure(ret) }
        }
        if streamDescriptor != nil {
            // Nothing to move: the stream is complete where it went.
        } else if let sequenceStaging {
            try moveSequence(from: sequenceStaging)
        } else if rename(temporaryPath, path) != 0 {
            throw MediaError.encodeFailed(path: path, message: "cannot move the finished file into place: "
                                          + String(cString: strerror(errno)))
        }
        state = .finished
        if nudgedFrames > 0 {
            notices.append("video: \(nudgedFrames) frame(s) had timestamps that did not increase; moved by one tick")
        }
        releaseContexts()
    }

    /// Abandons the output: closes everything and deletes the temporary file. OUT is untouched;
    /// a stream simply ends where it is.
    /// Safe to call more than once, and after a failed `finish()`.
    public func discard() {
        guard state == .open else { return }
        state = .discarded
        releaseContexts()
        if let sequenceStaging {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: sequenceStaging)) ?? [] {
                unlink(sequenceStaging + "/" + name)
            }
            rmdir(sequenceStaging)
        } else if streamDescriptor == nil {
            unlink(temporaryPath)
        }
    }

    /// Whether OUT holds moving pictures: a video container, or an image sequence pattern; a
    /// plain .png/.jpg holds one picture.
    public static func storesVideo(path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        guard let container = OutputContainer(extension: (name as NSString).pathExtension) else { return true }
        return !container.isStill || isSequencePattern(name)
    }

    /// The first file an image-sequence OUT writes (`out_%04d.png` → `out_0001.png`), nil for
    /// other outputs.
    public static func firstSequenceFile(_ path: String) -> String? {
        guard isSequencePattern((path as NSString).lastPathComponent),
              let range = path.range(of: "%0?[0-9]*d", options: [.regularExpression, .backwards]) else { return nil }
        let spec = path[range].dropFirst().dropLast()
        let width = Int(spec) ?? 0
        let number = String(repeating: "0", count: max(0, width - 1)) + "1"
        return path.replacingCharacters(in: range, with: number)
    }

    /// Whether a file name is an FFmpeg image-sequence pattern: `%d`, or `%0Nd`.
    public static func isSequencePattern(_ name: String) -> Bool {
        name.range(of: "%0?[0-9]*d", options: .regularExpression) != nil
    }

    /// Moves every finished picture from the staging folder beside OUT, then removes it.
    private func moveSequence(from staging: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: staging).sorted()
        for name in names where rename(staging + "/" + name, folder + "/" + name) != 0 {
            throw MediaError.encodeFailed(path: path, message: "cannot move \(name) into place: " + String(cString: strerror(errno)))
        }
        rmdir(staging)
        sequenceFiles = names.count
    }

    private func releaseContexts() {
        sws_freeContext(scaler)
        scaler = nil
        av_frame_free(&pictures)
        av_packet_free(&packet)
        avcodec_free_context(&encoder)
        trackOutputs = [:]
        if let output {
            if output.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
                avio_closep(&output.pointee.pb)
            }
            avformat_free_context(output)
        }
        output = nil
        videoStream = nil
    }
}
