/// Paints frames of one size in place: the packed RGB pixels go into the network's planar
/// input (reflect-padded to the sizes the network needs), and its output comes back into the
/// same frame, cropped to the frame's exact size, with strength and colour preservation applied
/// on the way; then its `TemporalSmoother` blends in the previous output along the motion.
///
/// Every buffer is allocated once in `init`; `stylize(_:)` allocates nothing. Not `Sendable`:
/// one stage actor owns it.
public final class FrameStylizer {
    public let width: Int
    public let height: Int
    /// Mirrored pixels added on every side before the network and cropped after
    /// (`StyleModel.edgeMargin`: wide for a zero-padded network, narrow for a mirroring one).
    public let margin: Int
    /// The network's input size: the frame's size plus the margins, rounded up to the model's
    /// `inputMultiple`.
    public let paddedWidth: Int
    public let paddedHeight: Int
    public private(set) var settings: StyleSettings
    /// The precision the network runs in (`settings.precision` resolved for the model and CPU).
    public var precision: Precision { network.precision }
    /// The kernel of each step of the network ("conv res0_a: vidstyle:winograd_f4x4_avx2").
    public var stepImplementations: [String] { network.stepImplementations }

    private let network: StyleNetwork
    private var smoother: TemporalSmoother
    /// The smoother not in use while live keys turned smoothing off or on (kept, so toggling
    /// back allocates nothing).
    private var spareSmoother: TemporalSmoother?
    private let styleCount: Int

    /// - Throws: `OptionError` for a style the model lacks or int8 asked of a model without
    ///   calibration, the engine's error, or
    ///   `OpticalFlowError` if OpenCV cannot make the smoother's flow estimator.
    /// `kernels`: which convolution kernels the network may use (`vidstyle bench --kernels`
    /// compares them; jobs leave it to `KernelSelection`).
    public init(model: StyleModel, width: Int, height: Int, settings: StyleSettings,
                kernels: ConvolutionKernelChoice = .auto) throws {
        try settings.validate()
        try settings.style.validate(styleCount: model.styles.count)
        self.width = width
        self.height = height
        let multiple = max(1, model.inputMultiple)
        margin = model.edgeMargin
        paddedWidth = (width + 2 * margin + multiple - 1) / multiple * multiple
        paddedHeight = (height + 2 * margin + multiple - 1) / multiple * multiple
        self.settings = settings
        styleCount = model.styles.count
        network = try StyleNetwork(model: model, width: paddedWidth, height: paddedHeight,
                                   precision: try settings.precision.resolved(for: model), acceptingBytes: true,
                                   kernels: kernels)
        try network.setStyleWeights(settings.style.weights(styleCount: model.styles.count))
        smoother = try TemporalSmoother(width: width, height: height, amount: settings.smoothing)
    }

    /// Paints one frame in place. The frame must have this stylizer's size.
    public func stylize(_ frame: VideoFrame) throws {
        precondition(frame.width == width && frame.height == height, "frame size changed mid-stream")
        if let (pixels, scale) = network.byteInput {
            PlanarImage.loadBytes(frame, into: pixels, scale: scale, width: paddedWidth, height: paddedHeight, left: margin, top: margin)
        } else {
            PlanarImage.load(frame, into: network.input, width: paddedWidth, height: paddedHeight, left: margin, top: margin)
        }
        // The flow needs only the inputs, so it is measured before the frame is painted over.
        try smoother.observe(frame)
        try network.run(planarOutput: false)
        let result = network.result
        PlanarImage.store(result.source, width: paddedWidth, height: paddedHeight, into: frame, left: margin, top: margin,
                          factor: result.factor, strength: settings.strength, preserveColor: settings.preserveColor)
        try smoother.apply(to: frame)
    }

    /// The network's steps timed one by one over `runs` passes on whatever its input holds
    /// (`vidstyle bench --steps`).
    public func timeNetworkSteps(runs: Int) throws -> [StepTiming] {
        try network.timeSteps(runs: runs)
    }

    /// Why smoothing is not applied at this frame size, for the job's summary (said once, not
    /// per frame); nil when it runs or is off.
    public var smoothingNotice: String? { smoother.notice }

    /// Paints with `paint` from the next frame on (live keys, `ControlledStylizer`). The previous
    /// painted frame is forgotten, so the change shows fully in the next frame instead of being
    /// blended in over several. Not for every frame: a new style re-mixes the network's norms.
    public func repaint(with paint: PaintSettings) throws {
        try paint.style.validate(styleCount: styleCount)
        if paint.style != settings.style {
            try network.setStyleWeights(paint.style.weights(styleCount: styleCount))
            settings.style = paint.style
        }
        settings.strength = max(0, min(1, paint.strength))
        settings.preserveColor = paint.preserveColor
        if paint.smoothing != smoother.isEnabled {
            let amount: Float = paint.smoothing ? (settings.smoothing > 0 ? settings.smoothing : StyleSettings().smoothing) : 0
            let next = try spareSmoother.flatMap { $0.amount == amount ? $0 : nil }
                ?? TemporalSmoother(width: width, height: height, amount: amount)
            spareSmoother = smoother
            smoother = next
        }
        smoother.reset()
    }

    /// Forgets the previous frame, so a new clip or a cut does not blend into the old one.
    public func resetSmoothing() {
        smoother.reset()
    }
}
