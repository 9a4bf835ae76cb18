/// A decoded picture in packed RGB24 that owns its pixels, so it can cross from one pipeline
/// stage to the next as a `Sendable` value.
///
/// Rows are 64-byte aligned and the buffer carries 64 bytes of slack past the last row, because
/// swscale's SIMD paths read and write past the end of rows whose width is not a multiple of
/// 16/32/64 (DESIGN.md). Exactly one stage owns a frame at a time; the pipeline hands it on and
/// never touches it again, which is what makes the `@unchecked Sendable` sound.
public final class VideoFrame: @unchecked Sendable {
    /// Bytes of alignment for every row and for the buffer itself.
    public static let alignment = 64

    public let width: Int
    public let height: Int
    /// Bytes from one row to the next: `width * 3` rounded up to `alignment`.
    public let stride: Int
    /// `stride * height + alignment` bytes, 64-byte aligned.
    public let pixels: UnsafeMutablePointer<UInt8>
    /// Presentation time in the stream's time base (kept from the decoder, never recomputed).
    public var pts: Int64
    /// Duration in the stream's time base, 0 when unknown.
    public var duration: Int64
    /// When a live source captured the picture, in nanoseconds of `CLOCK_MONOTONIC` (0 for
    /// files): what the capture-to-encode latency is measured from.
    public var captureTime: UInt64 = 0

    public init(width: Int, height: Int, pts: Int64 = 0, duration: Int64 = 0) {
        precondition(width > 0 && height > 0, "a frame needs a positive size")
        self.width = width
        self.height = height
        let align = VideoFrame.alignment
        self.stride = (width * 3 + align - 1) / align * align
        let byteCount = stride * height + align
        let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: align)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        self.pixels = raw.assumingMemoryBound(to: UInt8.self)
        self.pts = pts
        self.duration = duration
    }

    deinit {
        UnsafeMutableRawPointer(pixels).deallocate()
    }

    /// The first byte of row `y`.
    @inline(__always)
    public func row(_ y: Int) -> UnsafeMutablePointer<UInt8> {
        pixels + y * stride
    }
}
