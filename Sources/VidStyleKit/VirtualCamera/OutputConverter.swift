import CFFmpeg

/// Turns painted RGB24 `VideoFrame`s into a virtual camera's format (YUYV or I420, BT.601
/// limited range, what readers assume a webcam sends) with swscale, writing straight into a
/// frame buffer the caller owns.
///
/// The context is made once, so converting a frame allocates nothing. A frame of odd width or
/// height loses its last column or row (4:2:x chroma needs even sizes), as the encoders do.
/// swscale's SIMD paths write past the end of rows whose width is not a multiple of 64 bytes
/// (DESIGN.md); where the device's rows are such, the conversion goes through a padded staging
/// picture and is copied row by row. Not `Sendable`: the encode thread owns it.
final class OutputConverter {
    let format: OutputFormat
    private let scaler: OpaquePointer
    /// The padded picture for devices whose rows are not multiples of 64 bytes; nil otherwise.
    private let staging: UnsafeMutableRawPointer?
    private let stagingLine: Int
    private var srcPlanes = [UnsafePointer<UInt8>?](repeating: nil, count: 4)
    private var srcStrides = [Int32](repeating: 0, count: 4)
    private var dstPlanes = [UnsafeMutablePointer<UInt8>?](repeating: nil, count: 4)
    private var dstStrides = [Int32](repeating: 0, count: 4)

    /// - Throws: `MediaError.codecNotAvailable` when swscale cannot make the conversion.
    init(format: OutputFormat) throws {
        let target: AVPixelFormat = format.format == .yuv420 ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUYV422
        let w = Int32(format.width), h = Int32(format.height)
        guard let scaler = sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, target, SWS_BILINEAR, nil, nil, nil) else {
            throw MediaError.codecNotAvailable(name: "a converter to \(format.format.userName)")
        }
        let coefficients = sws_getCoefficients(SWS_CS_ITU601)
        sws_setColorspaceDetails(scaler, coefficients, 1, coefficients, 0, 0, 1 << 16, 1 << 16)
        self.scaler = scaler
        self.format = format
        let chromaLine = format.format == .yuv420 ? format.bytesPerLine / 2 : 64
        if format.bytesPerLine % 64 == 0 && chromaLine % 64 == 0 {
            staging = nil
            stagingLine = format.bytesPerLine
        } else {
            stagingLine = (format.bytesPerLine + 127) / 128 * 128
            let size = OutputFormat.imageSize(format.format, bytesPerLine: stagingLine, height: format.height) + 64
            staging = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            staging!.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        }
    }

    deinit {
        sws_freeContext(scaler)
        staging?.deallocate()
    }

    /// The even size a virtual camera gets for frames of `width`x`height`.
    static func evenSize(width: Int, height: Int) -> (width: Int, height: Int) {
        (width & ~1, height & ~1)
    }

    /// Bytes a destination buffer needs: the frame plus slack for swscale's SIMD row writes.
    var bufferSize: Int { format.imageSize + 64 }

    /// Converts `frame` (at least the format's size) into `destination` (`bufferSize` bytes).
    func convert(_ frame: VideoFrame, into destination: UnsafeMutablePointer<UInt8>) {
        precondition(frame.width >= format.width && frame.height >= format.height, "frame smaller than the camera's format")
        srcPlanes[0] = UnsafePointer(frame.pixels)
        srcStrides[0] = Int32(frame.stride)
        let target = staging?.assumingMemoryBound(to: UInt8.self) ?? destination
        setPlanes(target, line: stagingLine)
        _ = sws_scale(scaler, &srcPlanes, &srcStrides, 0, Int32(format.height), &dstPlanes, &dstStrides)
        guard staging != nil else { return }
        // Row by row into the device's tight layout.
        let line = format.bytesPerLine, height = format.height
        if format.format == .yuv420 {
            let luma = line * height, chroma = (line / 2) * (height / 2)
            copy(plane: 0, rows: height, from: stagingLine, to: line, bytes: format.width, into: destination)
            copy(plane: 1, rows: height / 2, from: stagingLine / 2, to: line / 2, bytes: format.width / 2, into: destination + luma)
            copy(plane: 2, rows: height / 2, from: stagingLine / 2, to: line / 2, bytes: format.width / 2,
                 into: destination + luma + chroma)
        } else {
            copy(plane: 0, rows: height, from: stagingLine, to: line, bytes: format.width * 2, into: destination)
        }
    }

    private func copy(plane: Int, rows: Int, from: Int, to: Int, bytes: Int, into out: UnsafeMutablePointer<UInt8>) {
        let source = dstPlanes[plane]!
        for y in 0..<rows { (out + y * to).update(from: source + y * from, count: bytes) }
    }

    private func setPlanes(_ base: UnsafeMutablePointer<UInt8>, line: Int) {
        dstPlanes[0] = base
        dstStrides[0] = Int32(line)
        guard format.format == .yuv420 else { return }
        let luma = line * format.height
        dstPlanes[1] = base + luma
        dstPlanes[2] = base + luma + (line / 2) * (format.height / 2)
        dstStrides[1] = Int32(line / 2)
        dstStrides[2] = Int32(line / 2)
    }
}
