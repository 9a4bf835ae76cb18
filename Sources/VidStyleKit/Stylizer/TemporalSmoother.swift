import COpticalFlow

/// Motion-compensated temporal smoothing: keeps a stylized video from boiling without leaving
/// trails behind what moves.
///
/// A feed-forward network paints each frame on its own, so the same surface gets different
/// strokes from one frame to the next. For each new frame the smoother estimates the optical
/// flow between the previous and the new *input* (OpenCV's DIS, at reduced resolution), warps
/// the previous *output* along it with bicubic interpolation (bilinear would blur a little more
/// on every frame, since each frame resamples the last), and blends it into the new output by
/// `amount` wherever the flow is reliable. A pixel is not reliable, and keeps the new painting,
/// where the forward and backward flows disagree (occlusions, disocclusions, wrong flow), at
/// motion boundaries, where it would come from outside the frame, and where the input changed
/// more along the flow than sensor noise explains. The checks are soft and tolerate noise: a
/// still scene from a noisy webcam, the commonest flicker case, is blended almost everywhere.
/// A frame where little is reliable is a cut and is not blended at all.
///
/// Per frame: `observe(_:)` with the input before it is painted (the flow needs only inputs),
/// then `apply(to:)` with the painted frame. Buffers are made once per frame size; the per-frame
/// path allocates nothing. Not `Sendable`: the stylizer that owns it runs on one thread.
public final class TemporalSmoother {
    /// The share of the warped previous output that a fully reliable pixel keeps (0 is off).
    public let amount: Float

    /// DIS's preset. Ultrafast (patch search only, no variational refinement) takes ~2.4 ms
    /// for a 320x180 flow here against fast's ~3.8, and two flows a frame must stay within
    /// the cost target; finer `finestScale` settings crash in OpenCV 4.6 at some sizes.
    static let preset = VS_FLOW_ULTRAFAST
    /// Gaussian σ (small pixels) of the small grayscale inputs: fine texture sampled at
    /// sub-pixel offsets differs by tens of levels when unblurred, which the photometric check
    /// would take for a change.
    static let blur = 1.0
    /// Forward-backward check: |F_b + F_f(p + F_b)|² may reach 1% of the flows' squared lengths
    /// plus this tolerance squared (flow pixels) before a pixel starts losing weight; at twice
    /// that it has none. DIS's flow on a still scene with sensor noise wobbles by a few tenths
    /// of a pixel, and a strict check (Sundaram et al.: 0.5 px²) rejected about half of such a
    /// scene in the prototype (DESIGN.md).
    static let consistencyTolerance: Float = 0.7
    /// Motion boundaries: the flow's squared gradient (per flow pixel) may reach 1% of its
    /// squared length plus this before a pixel loses weight.
    static let boundaryTolerance: Float = 0.08
    /// Photometric check, in levels of 255: where the input's luma, warped from the previous
    /// frame, differs from the new one by up to `noiseLevel` the difference is noise (full
    /// weight); from there to `changeLevel` the weight falls to 0. At frame size the difference
    /// is averaged over a `changeWindow` box first: noise of σ 8 gives pairs a mean absolute
    /// difference of ~9 whatever the window, while the texture of a misaligned warp stays large.
    /// The small (blurred, area-averaged) pictures are checked the same way, without the box.
    static let noiseLevel: Float = 16
    static let changeLevel: Float = 32
    static let changeWindow = 5
    /// A frame whose mean reliability is below this is a cut: nothing of the last is kept.
    static let cutReliability: Float = 0.25
    /// Frames with a side shorter than this give DIS too little to match (its patches are 8 px
    /// and it needs a pyramid level or two); they are passed through unsmoothed, and `notice`
    /// says so.
    static let minimumFlowSize = 16
    /// An axis is measured at reduced resolution only while its flow side stays at least this
    /// long, so a 4000x16 banner keeps its 16 rows while its width is reduced.
    static let minimumScaledFlowSize = 32

    /// Times per-size buffers were made (one per frame size seen; tests check it).
    public private(set) var allocations = 0
    /// The mean reliability of the last frame, 0...1 (0 for a first frame or a cut).
    public private(set) var reliability: Float = 0
    /// Whether the last frame kept nothing of the one before (the first frame, or a cut).
    public private(set) var lastFrameWasCut = true
    /// Why frames of the current size are not smoothed (a side too short to measure motion
    /// in), for the job's summary; nil while smoothing works or is off.
    public private(set) var notice: String?

    private var buffers: SmoothingBuffers?
    /// The frame size the smoother is prepared for (with or without buffers).
    private var preparedSize: (width: Int, height: Int)?
    private var hasPrevious = false
    private var blendPending = false

    /// - Parameters:
    ///   - width, height: the frame size to make the buffers for now (another size later makes
    ///     new ones and starts afresh).
    ///   - amount: 0...1, clamped; 0 turns smoothing off and allocates nothing.
    /// - Throws: `OpticalFlowError` if OpenCV cannot make the flow estimator.
    public init(width: Int, height: Int, amount: Float) throws(OpticalFlowError) {
        self.amount = max(0, min(1, amount))
        if isEnabled { try prepare(width: width, height: height) }
    }

    public var isEnabled: Bool { amount > 0 }

    /// Input pixels per flow pixel along each axis: flow at half size (about a millisecond per
    /// flow at 640x360), less for large frames so the flow stays under ~480 px wide; an axis
    /// that would fall below `minimumScaledFlowSize` is reduced less, or not at all. Chosen per
    /// axis because one scale for both reduced a 4000x16 strip's height to nothing.
    static func flowScale(width: Int, height: Int) -> (x: Int, y: Int) {
        let preferred = max(2, (width + 479) / 480)
        func scale(_ side: Int) -> Int { max(1, min(preferred, side / minimumScaledFlowSize)) }
        return (scale(width), scale(height))
    }

    /// Whether frames of this size can be smoothed at all.
    static func canMeasureFlow(width: Int, height: Int) -> Bool {
        width >= minimumFlowSize && height >= minimumFlowSize
    }

    /// Forgets the previous frame, so the next one is not blended (a new clip, a seek).
    public func reset() {
        hasPrevious = false
        blendPending = false
    }

    /// Looks at the next *input* frame, before it is painted: computes the flow back to the
    /// previous input and which pixels can take the previous output.
    public func observe(_ input: VideoFrame) throws(OpticalFlowError) {
        guard isEnabled else { return }
        if preparedSize?.width != input.width || preparedSize?.height != input.height {
            try prepare(width: input.width, height: input.height)
        }
        blendPending = false
        guard let b = buffers else {
            lastFrameWasCut = true
            reliability = 0
            return
        }
        try ImageRemap.grayDownscale(input, luma: b.currentLuma.pointer, scratch: b.smallScratch.pointer,
                                     into: b.currentGray.pointer, width: b.flowWidth, height: b.flowHeight, blur: Self.blur)
        defer { b.advanceGray() }
        guard hasPrevious else {
            lastFrameWasCut = true
            reliability = 0
            return
        }
        let fw = b.flowWidth, fh = b.flowHeight
        try b.flow.compute(from: b.currentGray.pointer, to: b.previousGray.pointer, into: b.backward.pointer)
        try b.flow.compute(from: b.previousGray.pointer, to: b.currentGray.pointer, into: b.forward.pointer)
        try ImageRemap.map(flow: b.backward.pointer, flowWidth: fw, flowHeight: fh, into: b.flowMap.pointer, width: fw, height: fh)
        try ImageRemap.remap(b.forward.pointer, into: b.forwardAtSource.pointer, width: fw, height: fh,
                             layout: VS_PIXELS_FLOW32, map: b.flowMap.pointer, interpolation: VS_INTERPOLATE_LINEAR)
        try ImageRemap.remap(b.previousGray.pointer, into: b.warpedGray.pointer, width: fw, height: fh,
                             layout: VS_PIXELS_GRAY8, map: b.flowMap.pointer, interpolation: VS_INTERPOLATE_LINEAR)
        reliability = Self.measureReliability(b)
        lastFrameWasCut = reliability < Self.cutReliability
        if lastFrameWasCut {
            reliability = 0
            return
        }
        Self.erode(b.mask.pointer, scratch: b.erodeScratch.pointer, into: b.eroded.pointer, width: fw, height: fh)
        try ImageRemap.resize(b.eroded.pointer, width: fw, height: fh, into: b.fullMask.pointer,
                              dstWidth: b.width, dstHeight: b.height)
        // The previous output is known already, so it is warped now, before the network runs.
        try ImageRemap.warpFrame(flow: b.backward.pointer, flowWidth: fw, flowHeight: fh,
                                 previousRGB: b.previousOutput.pointer, previousLuma: b.previousLuma.pointer,
                                 luma: b.currentLuma.pointer, width: b.width, height: b.height,
                                 map: b.fullMap.pointer, warpedLuma: b.warpedLuma.pointer, into: b.warpedOutput.pointer, difference: b.changeScratch.pointer)
        try ImageRemap.boxBlur(b.changeScratch.pointer, into: b.change.pointer, width: b.width, height: b.height,
                               window: Self.changeWindow)
        blendPending = true
    }

    /// Blends the warped previous output into the painted `frame` where it is reliable, and
    /// remembers the result for the next frame. Call after `observe(_:)` of the same frame.
    public func apply(to frame: VideoFrame) throws(OpticalFlowError) {
        guard isEnabled, let b = buffers, b.width == frame.width, b.height == frame.height else { return }
        try ImageRemap.blend(frame, warped: b.warpedOutput.pointer, mask: b.fullMask.pointer, change: b.change.pointer,
                             previous: b.previousOutput.pointer, amount: amount, noiseLevel: Self.noiseLevel,
                             changeLevel: Self.changeLevel, blend: blendPending)
        hasPrevious = true
        blendPending = false
    }

    /// Base addresses of the current per-size buffers (empty when off), for tests.
    var bufferAddresses: [UnsafeRawPointer] { buffers?.addresses ?? [] }

    private func prepare(width: Int, height: Int) throws(OpticalFlowError) {
        buffers = nil
        preparedSize = nil
        reset()
        guard Self.canMeasureFlow(width: width, height: height) else {
            preparedSize = (width, height)
            notice = "smoothing: a \(width)x\(height) picture has a side under \(Self.minimumFlowSize) px, too small "
                + "to follow motion in; its frames are painted without smoothing"
            return
        }
        notice = nil
        buffers = try SmoothingBuffers(width: width, height: height,
                                       flowScale: Self.flowScale(width: width, height: height), preset: Self.preset)
        preparedSize = (width, height)
        allocations += 1
    }

    /// Writes each flow pixel's reliability (0...255) into `b.mask`; returns the mean (0...1).
    private static func measureReliability(_ b: SmoothingBuffers) -> Float {
        let fw = b.flowWidth, fh = b.flowHeight
        let back = b.backward.pointer, fwd = b.forwardAtSource.pointer
        let cur = b.currentGray.pointer, warped = b.warpedGray.pointer, mask = b.mask.pointer
        let tolerance2 = consistencyTolerance * consistencyTolerance
        let maxX = Float(fw - 1), maxY = Float(fh - 1)
        let photometricSpan = changeLevel - noiseLevel
        var total: Float = 0
        for y in 0..<fh {
            let up = max(0, y - 1), down = min(fh - 1, y + 1)
            for x in 0..<fw {
                let i = y * fw + x
                let bx = back[2 * i], by = back[2 * i + 1]
                let sx = Float(x) + bx, sy = Float(y) + by
                // From outside the frame: nothing to take.
                guard sx >= 0, sy >= 0, sx <= maxX, sy <= maxY else {
                    mask[i] = 0
                    continue
                }
                let fx = fwd[2 * i], fy = fwd[2 * i + 1]
                let ex = bx + fx, ey = by + fy
                let lengths = bx * bx + by * by + fx * fx + fy * fy
                let consistency = 2 - (ex * ex + ey * ey) / (0.01 * lengths + tolerance2)
                // Motion boundary: central differences of the backward flow.
                let left = max(0, x - 1), right = min(fw - 1, x + 1)
                let l = y * fw + left, r = y * fw + right, u = up * fw + x, d = down * fw + x
                let dux = (back[2 * r] - back[2 * l]) * 0.5, dvx = (back[2 * r + 1] - back[2 * l + 1]) * 0.5
                let duy = (back[2 * d] - back[2 * u]) * 0.5, dvy = (back[2 * d + 1] - back[2 * u + 1]) * 0.5
                let gradient = dux * dux + dvx * dvx + duy * duy + dvy * dvy
                let boundary = 2 - gradient / (0.01 * (bx * bx + by * by) + boundaryTolerance)
                let difference = abs(Float(cur[i]) - Float(warped[i]))
                let photometric = (changeLevel - difference) / photometricSpan
                // Two-argument min and max: the variadic forms build an array per call.
                let weight = max(0, min(min(1, consistency), min(boundary, photometric)))
                total += weight
                mask[i] = UInt8(weight * 255 + 0.5)
            }
        }
        return total / Float(fw * fh)
    }

    /// 3x3 minimum: a pixel next to a rejected one is not trusted either, so the bilinear
    /// upsampling of the mask never leaks warped pixels into an occlusion's edge.
    private static func erode(_ mask: UnsafePointer<UInt8>, scratch: UnsafeMutablePointer<UInt8>,
                              into out: UnsafeMutablePointer<UInt8>, width: Int, height: Int) {
        for y in 0..<height {
            let row = mask + y * width, s = scratch + y * width
            for x in 0..<width {
                s[x] = min(min(row[max(0, x - 1)], row[x]), row[min(width - 1, x + 1)])
            }
        }
        for y in 0..<height {
            let a = scratch + max(0, y - 1) * width, b = scratch + y * width, c = scratch + min(height - 1, y + 1) * width
            let o = out + y * width
            for x in 0..<width {
                o[x] = min(min(a[x], b[x]), c[x])
            }
        }
    }
}
