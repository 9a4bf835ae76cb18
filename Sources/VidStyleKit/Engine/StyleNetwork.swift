import Foundation
import CDNNL
import CKernels

/// A `StyleModel` compiled into oneDNN primitives for one frame size: write a planar RGB frame
/// into `input`, call `run()`, read the stylized planar RGB frame from `output`.
///
/// Everything that can be done once is done in `init` (DESIGN.md: oneDNN is the fastest engine
/// measured here, but only when its primitives and weight layouts are prepared ahead): every
/// primitive is created for this size, convolutions pick their preferred blocked layout
/// (`format_tag_any`) and their weights are reordered into it once, and the style blend is
/// folded into the norms' scale/shift once per `setStyleWeights`, not per frame. `run()` then
/// only executes the prepared primitives and allocates nothing on the Swift heap.
///
/// Instance norm computes each frame's own mean and biased variance per channel, then applies
/// scale, shift and (where the layer has it) ReLU. On the usual NHWC tensors it is our own fused
/// step (CKernels), which also takes in a residual add that follows it and, before an int8
/// convolution, writes the quantized bytes that convolution reads, so the fp32 activations are
/// not written and read again by separate steps (docs/performance.md); otherwise it runs as
/// oneDNN batch normalization on a single image in inference mode without global statistics.
/// Other residual adds are binary adds, nearest
/// upsampling is a resampling primitive, a sigmoid right after a convolution is fused into it as a
/// post-op (it commutes with a following pixel shuffle), and a final pixel shuffle is done while
/// copying to `output`.
///
/// Activations share one arena planned by liveness (see `DNNLGraph`): a tensor's bytes are reused
/// once its last reader (the next layer, or for a saved tensor the matching `add`) is recorded, so
/// only the tensors live at the same time take memory at once, not every layer's output.
///
/// Not `Sendable`: it owns mutable C state and is meant to be owned by one actor or thread.
/// oneDNN parallelizes each primitive over the machine's cores with OpenMP.
public final class StyleNetwork {
    /// The model this network was built from.
    public let model: StyleModel
    /// Frame width and height in pixels (multiples of `model.inputMultiple`).
    public let width: Int
    public let height: Int
    /// Planar float input `[3][height][width]`, RGB in 0...1. Write a frame here before `run()`.
    public let input: UnsafeMutablePointer<Float>
    /// Planar float output `[3][height][width]`, RGB in 0...1, valid after `run()`.
    public var output: UnsafePointer<Float> { UnsafePointer(outputBuffer) }
    /// The style weights currently folded into the norms.
    public private(set) var styleWeights: [Float]
    /// Where a frame goes as bytes instead of into `input`, when the network was built
    /// `acceptingBytes` and its first convolution reads the image in int8: NHWC RGB rows, each
    /// value the frame's byte times `scale`, rounded and saturated (scale 1 for the shipped
    /// calibration's 0...1 range: the frame's own bytes). The network then does not read `input`,
    /// and no step converts the frame: the pixels go in once, already quantized.
    public internal(set) var byteInput: (pixels: UnsafeMutablePointer<UInt8>, scale: Float)?
    /// Whether the caller will fill `byteInput` when the network offers it.
    let acceptsBytes: Bool
    /// The memory object over `input`, to know the image when a convolution reads it.
    var inputMemory: dnnl_memory_t?

    /// Whether 3x3 stride-1 convolutions may use oneDNN's Winograd kernels (where oneDNN has
    /// them; others stay direct).
    public let useWinograd: Bool
    /// The precision the convolutions were built in.
    public let precision: Precision
    /// Which kernel family runs each convolution (`KernelSelection`).
    let kernels: KernelSelection
    /// The steps this network was lowered from (fusions, kernel families, precisions).
    private(set) var plan: NetworkPlan?
    /// Whether norms on NHWC tensors run as the fused step (true unless a test compares it with
    /// oneDNN's batch normalization).
    let fuseNorms: Bool
    /// The convolutions that run in int8, by name, in order (empty in fp32). A convolution the
    /// model's calibration leaves out stays fp32 even in an int8 network.
    public internal(set) var quantizedConvolutions: [String] = []
    /// Each forward-pass step's label and the oneDNN implementation that runs it (e.g.
    /// "conv enc2: jit_uni_int8:avx2"), to see which kernels a build got.
    var stepImplementations: [String] { graph.steps.map { "\($0.label): \($0.implementation)" } }

    private let outputBuffer: UnsafeMutablePointer<Float>
    /// Decides the weights' quantized range (see `CPUFeatures.weightLevels`).
    let cpu: CPUFeatures
    let graph: DNNLGraph
    /// Each norm's scale and shift buffers (oneDNN memory) and the per-style rows to blend.
    var normBindings: [NormBinding] = []
    /// When the network ends in a pixel shuffle, the planar pre-shuffle result and the factor.
    private var finalShuffle: (source: UnsafePointer<Float>, factor: Int)?
    /// Bytes of the activation arena (every intermediate tensor of a forward pass).
    var activationBytes: Int { graph.arenaBytes }

    struct NormBinding {
        let channels: Int
        let scale: UnsafeMutablePointer<Float>
        let shift: UnsafeMutablePointer<Float>
        let scaleRows: [Float]
        let shiftRows: [Float]
    }

    /// A convolution and the weights it runs with: the file's, or one phase of a
    /// `PhaseSplitConvolution` (its own zero padding, writing into its plane of a buffer the
    /// phases share).
    struct PreparedConvolution {
        let layer: Layer.Convolution
        let weights: [Float]
        let bias: [Float]?
        var padding: ConvolutionPadding?
        var destination: (buffer: Int, byteOffset: Int, md: dnnl_memory_desc_t)?
        /// Step labels name it so: the layer's name, and which phase for a phase split.
        var label: String { "conv \(layer.name)" + (phase.map { " phase \($0)" } ?? "") }
        var phase: Int?
        /// In int8, write bf16 instead of fp32 for the fused norm that reads it next
        /// (`writesBF16`).
        var bf16Output = false
    }

    /// A tensor flowing through the graph while it is being built.
    struct Value {
        let memory: dnnl_memory_t
        /// Its activation buffer in the graph's arena; nil for the caller's `input` frame.
        let buffer: Int?
        let md: dnnl_memory_desc_t
        let channels: Int
        let height: Int
        let width: Int
        /// Whether every value is known to be >= 0 (the image, a ReLU's or a sigmoid's output and
        /// what only moves those values), so an int8 convolution can read it as u8 and keep the
        /// full 8 bits for the magnitude; any other input is quantized as s8.
        let nonNegative: Bool
        var dims: [Int] { [1, channels, height, width] }
    }

    /// Builds every primitive for frames of `width` x `height`. Throws `NetworkError` for a size
    /// that is not a positive multiple of `model.inputMultiple`, `DNNLError` if oneDNN fails.
    /// The styles start as a one-hot choice of style 0. `precision: .int8` needs the model's
    /// calibration (`NetworkError.noQuantization` otherwise); `PrecisionChoice` picks one for a user.
    /// `acceptingBytes`: see `byteInput`.
    public convenience init(model: StyleModel, width: Int, height: Int, useWinograd: Bool = true,
                            precision: Precision = .fp32, acceptingBytes: Bool = false,
                            kernels: ConvolutionKernelChoice = .auto) throws {
        try self.init(model: model, width: width, height: height, useWinograd: useWinograd, precision: precision,
                      shareActivations: true, acceptingBytes: acceptingBytes, kernels: kernels)
    }

    /// `shareActivations: false` gives every intermediate tensor its own bytes (the memory use
    /// before the liveness-planned arena); tests compare the two to catch a liveness mistake.
    /// `kernels`: which convolution kernels may run (`useWinograd: false` turns off every
    /// Winograd kernel, oneDNN's and ours).
    init(model: StyleModel, width: Int, height: Int, useWinograd: Bool, precision: Precision = .fp32,
         cpu: CPUFeatures = .current, shareActivations: Bool, fuseNorms: Bool = true, acceptingBytes: Bool = false,
         kernels choice: ConvolutionKernelChoice = .auto) throws {
        let multiple = model.inputMultiple
        guard width > 0, height > 0, width % multiple == 0, height % multiple == 0 else {
            throw NetworkError.sizeNotMultiple(width: width, height: height, multiple: multiple)
        }
        if precision == .int8 && model.quantization == nil { throw NetworkError.noQuantization(path: model.path) }
        self.model = model
        self.useWinograd = useWinograd
        self.precision = precision
        self.fuseNorms = fuseNorms
        // Our Winograd reads and writes the fused norm's NHWC tensors; without fused norms
        // (a test's comparison build) oneDNN runs every convolution.
        kernels = KernelSelection(cpu: cpu, choice: useWinograd && fuseNorms ? choice : .onednn)
        acceptsBytes = acceptingBytes
        self.cpu = cpu
        self.width = width
        self.height = height
        let planeCount = 3 * width * height
        // The graph owns the host buffers too, so a build that throws part-way frees everything
        // exactly once, whether or not this object's deinit runs.
        graph = try DNNLGraph(shareActivations: shareActivations)
        input = graph.hostBuffer(count: planeCount)
        outputBuffer = graph.hostBuffer(count: planeCount)
        styleWeights = (0..<model.styles.count).map { $0 == 0 ? 1 : 0 }
        let stagingBuffer = try Self.buildLock.withLock { try build() }
        try graph.prepare()
        if let (buffer, factor) = stagingBuffer {
            finalShuffle = (UnsafePointer(graph.pointer(toActivation: buffer).assumingMemoryBound(to: Float.self)), factor)
        }
        try setStyleWeights(styleWeights)
    }

    /// One network is built at a time in a process. Built at the same time as an int8 network,
    /// an fp32 network painted a wrong picture about one time in four (up to 0.4 off in 0...1;
    /// ConcurrentBuildTests), and later networks of that size could inherit it through oneDNN's
    /// primitive cache; with creation serialized it never did. The culprit inside building
    /// (primitive creation or the weight reorders run then) is not pinned down. Building happens
    /// once per job, so the lock costs nothing per frame, and running stays concurrent.
    static let buildLock = NSLock()

    /// Blends the styles: each norm's scale and shift become `sum(weights[s] * row[s])`.
    /// Call it when the user changes the style mix, not per frame. Throws `NetworkError` unless
    /// there is exactly one finite weight per style.
    public func setStyleWeights(_ weights: [Float]) throws {
        guard weights.count == model.styles.count else {
            throw NetworkError.styleWeightCount(expected: model.styles.count, got: weights.count)
        }
        if let bad = weights.firstIndex(where: { !$0.isFinite }) { throw NetworkError.styleWeightNotFinite(index: bad) }
        for binding in normBindings {
            let c = binding.channels
            for channel in 0..<c {
                var scale: Float = 0, shift: Float = 0
                for (style, weight) in weights.enumerated() where weight != 0 {
                    scale += weight * binding.scaleRows[style * c + channel]
                    shift += weight * binding.shiftRows[style * c + channel]
                }
                binding.scale[channel] = scale
                binding.shift[channel] = shift
            }
        }
        styleWeights = weights
    }

    /// Stylizes the frame in `input` into `output`. Allocates nothing on the Swift heap.
    /// `planarOutput: false` skips filling `output` where the network ends in a pixel shuffle,
    /// for a caller that reads `result` instead (the shuffle then happens on its way out).
    public func run(planarOutput: Bool = true) throws {
        try graph.execute()
        if planarOutput, let (source, factor) = finalShuffle {
            Self.pixelShuffle(source, into: outputBuffer, channels: 3, height: height, width: width, factor: factor)
        }
    }

    /// The last result without the final pixel shuffle, valid after `run()`: NHWC with
    /// 3·factor² channels at 1/factor of the size (`vs_output_job.source`) where the network
    /// ends in a pixel shuffle, else `output` with factor 1.
    var result: (source: UnsafePointer<Float>, factor: Int) { finalShuffle ?? (output, 1) }

    /// Runs the network's steps `runs` times timing each (see `StepTiming`), without the planar
    /// output's pixel shuffle (`FrameStylizer` shuffles on its way into the frame). Slower than
    /// `run()` (it waits after each step) and allocates: for finding where the time goes.
    public func timeSteps(runs: Int) throws -> [StepTiming] {
        var totals: [Double] = []
        for _ in 0..<max(1, runs) { try graph.executeTimingSteps(into: &totals) }
        let count = Double(max(1, runs))
        return zip(graph.steps, totals).map {
            StepTiming(label: $0.label, implementation: $0.implementation, milliseconds: $1 / count)
        }
    }

    // MARK: - Building

    /// Plans the steps (`NetworkPlan`), then lowers each into oneDNN primitives or our kernels'
    /// jobs, recording them in the graph. Returns the activation buffer and factor of a final
    /// pixel shuffle done after the steps (its address is known only once the arena is allocated).
    private func build() throws -> (buffer: Int, factor: Int)? {
        let plan = NetworkPlan(layers: model.layers, width: width, height: height, precision: precision,
                               calibrated: Set(model.quantization?.inputRanges.keys.map { $0 } ?? []), kernels: kernels,
                               fuseNorms: fuseNorms, bf16ConvolutionOutputs: fuseNorms && precision == .int8 && probeBF16Output())
        self.plan = plan

        let inputMD = try memoryDescriptor([1, 3, height, width], dnnl_nchw)
        let inputMemory = try graph.memory(inputMD, handle: UnsafeMutableRawPointer(input), "the input frame")
        self.inputMemory = inputMemory
        var current = Value(memory: inputMemory, buffer: nil, md: inputMD, channels: 3, height: height, width: width, nonNegative: true)
        var stack: [Value] = []
        /// The input of the next int8 convolution, already quantized by the fused norm before it.
        var prequantized: (convolution: String, value: Value)?
        func same(_ a: Value, _ b: Value) -> Bool { a.memory == b.memory || (a.buffer != nil && a.buffer == b.buffer) }
        func isSaved(_ value: Value) -> Bool { stack.contains { same($0, value) } }
        /// A saved tensor converted for a convolution is the same values: the residual add uses
        /// the converted copy too rather than converting again.
        func replaceSaved(_ converted: Value) {
            for j in stack.indices where same(stack[j], current) { stack[j] = converted }
        }
        /// The prequantized input waiting for convolution `name`, taken.
        func takePrequantized(for name: String) -> Value? {
            defer { prequantized = nil }
            return prequantized?.convolution == name ? prequantized?.value : nil
        }
        /// After each step: every buffer that neither the current tensor nor a saved one holds has
        /// had its last reader recorded (temporaries of the step included).
        func endStep() {
            let live = [current] + stack + (prequantized.map { [$0.value] } ?? [])
            graph.endOp(keeping: Set(live.compactMap(\.buffer)))
        }

        for (index, step) in plan.steps.enumerated() {
            switch step {
            case .convolution(let planned):
                var prepared = fromFile(planned.layer)
                prepared.bf16Output = planned.bf16Output
                let ready = takePrequantized(for: planned.layer.name)
                switch planned.family {
                case .winogradAVX2:
                    current = try addWinogradConvolution(prepared, source: current, sourceConverted: replaceSaved)
                case .oneDNN where planned.int8:
                    current = try addQuantizedConvolution(prepared, source: current, inputRange: try inputRange(of: planned),
                                                          sigmoid: planned.fusesSigmoid, prequantized: ready)
                    quantizedConvolutions.append(planned.layer.name)
                case .oneDNN:
                    current = try addConvolution(prepared, source: current, sigmoid: planned.fusesSigmoid,
                                                 sourceConverted: replaceSaved)
                }
            case .phaseSplit(let planned, _):
                let ready = takePrequantized(for: planned.layer.name)
                current = try addPhaseSplit(planned, source: current, prequantized: ready)
            case .norm(let norm) where norm.fused:
                let residual = norm.addsResidual ? stack.removeLast() : nil
                let fused = try addFusedNorm(norm, source: current, residual: residual, inPlace: !isSaved(current),
                                             quantizeFor: try quantizedConsumer(after: index, in: plan))
                current = fused.value
                if let quantized = fused.quantized, let name = norm.quantizesFor { prequantized = (name, quantized) }
            case .norm(let norm):
                current = try addNorm(norm.layer, source: current, inPlace: !isSaved(current))
            case .save:
                stack.append(current)
            case .add:
                let saved = stack.removeLast()
                current = try addSum(current, saved, inPlace: !isSaved(current))
            case .upsample(let factor):
                current = try addUpsample(current, factor: factor)
            case .pixelShuffle(let factor):
                current = try addPixelShuffle(current, factor: factor)
            case .sigmoid:
                current = try addSigmoid(current, inPlace: !isSaved(current))
            }
            endStep()
        }

        // Planar result straight into `output`; before a final shuffle, NHWC (what the last
        // convolution writes, so usually no step at all), which the shuffle reads.
        if let factor = plan.finalShuffle {
            // In the arena: it is the last step, so nothing recorded later can reuse its bytes,
            // and `run()` reads it right after the steps.
            let staged = try converted(current, to: try memoryDescriptor(current.dims, dnnl_nhwc), label: "output layout")
            return (staged.buffer!, factor)
        } else {
            let outputMD = try memoryDescriptor(current.dims, dnnl_nchw)
            let output = try graph.memory(outputMD, handle: UnsafeMutableRawPointer(outputBuffer), "the output frame")
            try addReorder(current, to: output, md: outputMD, label: "output layout")
            return nil
        }
    }

    /// The calibrated input range of an int8 convolution.
    func inputRange(of planned: NetworkPlan.Convolution) throws -> Float {
        guard let range = model.quantization?.inputRange(of: planned.layer.name) else {
            throw NetworkError.noQuantization(path: model.path)
        }
        return range
    }

    /// The int8 convolution that reads the result of the norm at `index` next (after a `save`,
    /// if any), as the norm must quantize for it: the plan's `quantizesFor`, prepared as it
    /// will be lowered (a phase split's first phase stands for all four).
    private func quantizedConsumer(after index: Int, in plan: NetworkPlan) throws
        -> (conv: PreparedConvolution, range: Float, sigmoid: Bool)? {
        guard case .norm(let norm) = plan.steps[index], let name = norm.quantizesFor else { return nil }
        for step in plan.steps[(index + 1)...] {
            switch step {
            case .save:
                continue
            case .convolution(let planned) where planned.layer.name == name:
                return (fromFile(planned.layer), try inputRange(of: planned), planned.fusesSigmoid)
            case .phaseSplit(let planned, _) where planned.layer.name == name:
                return (prepared(phaseSplit(planned).phases[0]), try inputRange(of: planned), false)
            default:
                return nil
            }
        }
        return nil
    }

}
