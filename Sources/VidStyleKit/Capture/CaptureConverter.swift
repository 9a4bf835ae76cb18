import CFFmpeg

/// Turns a camera's pictures (raw YUYV, UYVY, NV12, I420, grey, RGB or BGR, or MJPEG) into packed
/// RGB24 `VideoFrame`s with FFmpeg: swscale for the raw formats, FFmpeg's MJPEG decoder first
/// for the compressed one.
///
/// Raw webcam YUV is BT.601 limited range; JPEG is full range, which the decoder reports.
/// Every context and buffer is made in `init`, so converting a frame allocates nothing.
/// Not `Sendable`: the capture thread owns it.
public final class CaptureConverter {
    public let mode: CaptureMode
    private let bytesPerLine: Int
    private var scaler: OpaquePointer?
    private var scalerSource: (format: Int32, fullRange: Bool)?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var decoded: UnsafeMutablePointer<AVFrame>?
    /// A copy of the compressed picture with the zeroed padding FFmpeg's decoders read past the end.
    private let compressed: UnsafeMutablePointer<UInt8>?
    private let compressedCapacity: Int
    private var srcPlanes = [UnsafePointer<UInt8>?](repeating: nil, count: 4)
    private var srcStrides = [Int32](repeating: 0, count: 4)
    private var dstPlanes = [UnsafeMutablePointer<UInt8>?](repeating: nil, count: 4)
    private var dstStrides = [Int32](repeating: 0, count: 4)

    /// - Parameter bytesPerLine: the driver's row stride for raw formats (0: tightly packed).
    /// - Throws: `MediaError.codecNotAvailable` when the format cannot be read.
    public init(mode: CaptureMode, bytesPerLine: Int) throws {
        self.mode = mode
        let isJPEG = mode.format == .mjpeg || mode.format == .jpeg
        if isJPEG {
            guard let codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG), let ctx = avcodec_alloc_context3(codec) else {
                throw MediaError.codecNotAvailable(name: "mjpeg decoder")
            }
            ctx.pointee.thread_count = 1
            guard avcodec_open2(ctx, codec, nil) >= 0 else {
                var c: UnsafeMutablePointer<AVCodecContext>? = ctx
                avcodec_free_context(&c)
                throw MediaError.codecNotAvailable(name: "mjpeg decoder")
            }
            decoder = ctx
            packet = av_packet_alloc()
            decoded = av_frame_alloc()
            // A JPEG is far smaller than the raw picture; 3 bytes a pixel bounds any real one.
            compressedCapacity = mode.width * mode.height * 3 + 4096
            compressed = UnsafeMutablePointer<UInt8>.allocate(capacity: compressedCapacity + Int(AV_INPUT_BUFFER_PADDING_SIZE))
            compressed!.initialize(repeating: 0, count: compressedCapacity + Int(AV_INPUT_BUFFER_PADDING_SIZE))
            self.bytesPerLine = 0
        } else {
            guard CaptureConverter.rawLayout(mode.format) != nil else {
                throw MediaError.codecNotAvailable(name: "a reader for the \(mode.format.userName) camera format")
            }
            compressed = nil
            compressedCapacity = 0
            self.bytesPerLine = bytesPerLine > 0 ? bytesPerLine : CaptureConverter.packedBytesPerLine(mode)
        }
    }

    deinit {
        sws_freeContext(scaler)
        av_frame_free(&decoded)
        av_packet_free(&packet)
        avcodec_free_context(&decoder)
        compressed?.deallocate()
    }

    /// The FFmpeg pixel format and bytes per pixel of the first plane of a raw camera format.
    static func rawLayout(_ format: FourCC) -> (pixelFormat: AVPixelFormat, bytesPerPixel: Int)? {
        switch format {
        case .yuyv: (AV_PIX_FMT_YUYV422, 2)
        case .uyvy: (AV_PIX_FMT_UYVY422, 2)
        case .rgb24: (AV_PIX_FMT_RGB24, 3)
        case .bgr24: (AV_PIX_FMT_BGR24, 3)
        case .nv12: (AV_PIX_FMT_NV12, 1)
        case .yuv420: (AV_PIX_FMT_YUV420P, 1)
        case .grey: (AV_PIX_FMT_GRAY8, 1)
        default: nil
        }
    }

    static func packedBytesPerLine(_ mode: CaptureMode) -> Int {
        (rawLayout(mode.format)?.bytesPerPixel ?? 2) * mode.width
    }

    /// The bytes a whole raw picture needs at this stride (a shorter buffer is damaged).
    private var rawByteCount: Int {
        let rows = bytesPerLine * mode.height
        switch mode.format {
        case .nv12, .yuv420: return rows + rows / 2
        default: return rows
        }
    }

    /// Converts one camera picture into `frame` (of the mode's size).
    /// - Returns: false when the picture is damaged (short, or a JPEG that does not decode);
    ///   `frame` is then unchanged.
    public func convert(_ bytes: UnsafeRawBufferPointer, into frame: VideoFrame) -> Bool {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        if let decoder, let packet, let decoded, let compressed {
            guard bytes.count > 0, bytes.count <= compressedCapacity else { return false }
            compressed.update(from: base, count: bytes.count)
            (compressed + bytes.count).update(repeating: 0, count: Int(AV_INPUT_BUFFER_PADDING_SIZE))
            packet.pointee.data = compressed
            packet.pointee.size = Int32(bytes.count)
            let sent = avcodec_send_packet(decoder, packet)
            packet.pointee.data = nil
            packet.pointee.size = 0
            guard sent >= 0, avcodec_receive_frame(decoder, decoded) >= 0 else { return false }
            defer { av_frame_unref(decoded) }
            guard Int(decoded.pointee.width) == mode.width, Int(decoded.pointee.height) == mode.height else { return false }
            let fullRange = decoded.pointee.color_range == AVCOL_RANGE_JPEG
                || [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P].contains(AVPixelFormat(rawValue: decoded.pointee.format))
            guard prepareScaler(format: decoded.pointee.format, fullRange: fullRange) else { return false }
            var data = decoded.pointee.data
            var linesize = decoded.pointee.linesize
            return withUnsafePointer(to: &data) { d in
                withUnsafePointer(to: &linesize) { l in
                    d.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                        l.withMemoryRebound(to: Int32.self, capacity: 8) { stride in
                            scale(src, stride, into: frame)
                        }
                    }
                }
            }
        }
        guard bytes.count >= rawByteCount, let layout = CaptureConverter.rawLayout(mode.format),
              prepareScaler(format: layout.pixelFormat.rawValue, fullRange: false) else { return false }
        srcPlanes[0] = UnsafePointer(base)
        srcStrides[0] = Int32(bytesPerLine)
        let lumaBytes = bytesPerLine * mode.height
        switch mode.format {
        case .nv12:
            srcPlanes[1] = UnsafePointer(base + lumaBytes)
            srcStrides[1] = Int32(bytesPerLine)
        case .yuv420:
            srcPlanes[1] = UnsafePointer(base + lumaBytes)
            srcPlanes[2] = UnsafePointer(base + lumaBytes + lumaBytes / 4)
            srcStrides[1] = Int32(bytesPerLine / 2)
            srcStrides[2] = Int32(bytesPerLine / 2)
        default: break
        }
        return srcPlanes.withUnsafeBufferPointer { planes in
            srcStrides.withUnsafeBufferPointer { strides in
                scale(planes.baseAddress!, strides.baseAddress!, into: frame)
            }
        }
    }

    private func prepareScaler(format: Int32, fullRange: Bool) -> Bool {
        if let source = scalerSource, source.format == format, source.fullRange == fullRange, scaler != nil { return true }
        sws_freeContext(scaler)
        let w = Int32(mode.width), h = Int32(mode.height)
        scaler = sws_getContext(w, h, AVPixelFormat(rawValue: format), w, h, AV_PIX_FMT_RGB24, SWS_BILINEAR, nil, nil, nil)
        guard scaler != nil else { return false }
        let coefficients = sws_getCoefficients(SWS_CS_ITU601)
        sws_setColorspaceDetails(scaler, coefficients, fullRange ? 1 : 0, coefficients, 1, 0, 1 << 16, 1 << 16)
        scalerSource = (format, fullRange)
        return true
    }

    private func scale(_ src: UnsafePointer<UnsafePointer<UInt8>?>, _ strides: UnsafePointer<Int32>,
                       into frame: VideoFrame) -> Bool {
        precondition(frame.width == mode.width && frame.height == mode.height, "frame size must match the capture mode")
        dstPlanes[0] = frame.pixels
        dstStrides[0] = Int32(frame.stride)
        return sws_scale(scaler, src, strides, 0, Int32(mode.height), &dstPlanes, &dstStrides) > 0
    }
}
