import CFFmpeg

/// A source whose pictures are resized by a factor before they reach the stylizer, for
/// `input.scale` / `--scale`: a preview at half size paints in about a quarter of the time, so
/// a look can be checked before the long run at full size.
///
/// It wraps another source and resizes each frame with swscale (area averaging when shrinking,
/// bicubic when growing); timestamps, durations, capture times and copied packets pass through
/// untouched. Sizes are rounded to even numbers, as 4:2:0 video needs them, and the aspect
/// ratio is kept (to within that rounding): it never changes the picture's shape.
public final class ScaledSource: MediaSource {
    /// The stream as it leaves this source: the inner stream's, at the new size.
    public let video: VideoStreamInfo
    private let inner: any MediaSource
    private let innerPool: VideoFramePool
    private var scaler: OpaquePointer?

    /// The size `width`x`height` becomes at `scale`: each side rounded to an even number, at
    /// least 2.
    public static func scaledSize(width: Int, height: Int, scale: Double) -> (width: Int, height: Int) {
        func side(_ length: Int) -> Int { max(2, Int((Double(length) * scale / 2).rounded()) * 2) }
        return (side(width), side(height))
    }

    /// - Parameters:
    ///   - source: where the full-size frames come from, at `video`'s size.
    ///   - scale: the factor, above 0.
    public init(source: any MediaSource, video: VideoStreamInfo, scale: Double) throws {
        precondition(scale > 0 && scale.isFinite, "a scale factor must be positive")
        inner = source
        innerPool = VideoFramePool(width: video.width, height: video.height)
        let size = Self.scaledSize(width: video.width, height: video.height, scale: scale)
        var scaled = video
        scaled.width = size.width
        scaled.height = size.height
        self.video = scaled
        let flags = size.width < video.width ? SWS_AREA : SWS_BICUBIC
        scaler = sws_getContext(Int32(video.width), Int32(video.height), AV_PIX_FMT_RGB24,
                                Int32(size.width), Int32(size.height), AV_PIX_FMT_RGB24, flags, nil, nil, nil)
        guard scaler != nil else {
            throw MediaError.encodeFailed(path: "", message: "cannot resize \(video.width)x\(video.height) to \(size.width)x\(size.height)")
        }
    }

    deinit {
        sws_freeContext(scaler)
    }

    public var framesSkippedBySource: Int { inner.framesSkippedBySource }

    public func next(pool: VideoFramePool) throws -> MediaItem? {
        guard let item = try inner.next(pool: innerPool) else { return nil }
        guard case .video(let full) = item else { return item }
        let small = pool.take()
        var source: [UnsafePointer<UInt8>?] = [UnsafePointer(full.pixels), nil, nil, nil]
        var sourceStrides: [Int32] = [Int32(full.stride), 0, 0, 0]
        var target: [UnsafeMutablePointer<UInt8>?] = [small.pixels, nil, nil, nil]
        var targetStrides: [Int32] = [Int32(small.stride), 0, 0, 0]
        sws_scale(scaler, &source, &sourceStrides, 0, Int32(full.height), &target, &targetStrides)
        small.pts = full.pts
        small.duration = full.duration
        small.captureTime = full.captureTime
        innerPool.recycle(full)
        return .video(small)
    }
}
