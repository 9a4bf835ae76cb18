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
    public private(set) var byteInput: (pixels: UnsafeMutablePointer<UInt8>, scale: Float)?
    /// Whether the caller will fill `byteInput` when the network offers it.
    private let acceptsBytes: Bool
    /// The memory object over `input`, to know the image when a convolution reads it.
    private var inputMemory: dnnl_memory_t?
    /// Whether an int8 convolution followed by a fused norm writes bf16 rather than fp32 for it:
    /// half the bytes written and then read twice by the norm, which decides the norms' time
    /// once a frame's tensors outgrow the cache (docs/performance.md). Where oneDNN has no
    /// optimized kernel for that output (CPUs without AVX-512 BF16) it stays fp32.
    private lazy var writesBF16: Bool = fuseNorms && precision == .int8 && probeBF16Output()

    /// Whether 3x3 stride-1 convolutions may use oneDNN's Winograd kernels (where oneDNN has
    /// them; others stay direct).
    public let useWinograd: Bool
    /// The precision the convolutions were built in.
    public let precision: Precision
    /// Which kernel family runs each convolution (`KernelSelection`).
    let kernels: KernelSelection
    /// Whether norms on NHWC tensors run as the fused step (true unless a test compares it with
    /// oneDNN's batch normalization).
    let fuseNorms: Bool
    /// The convolutions that run in int8, by name, in order (empty in fp32). A convolution the
    /// model's calibration leaves out stays fp32 even in an int8 network.
    public private(set) var quantizedConvolutions: [String] = []
    /// Each forward-pass step's label and the oneDNN implementation that runs it (e.g.
    /// "conv enc2: jit_uni_int8:avx2"), to see which kernels a build got.
    var stepImplementations: [String] { graph.steps.map { "\($0.label): \($0.implementation)" } }

    private let outputBuffer: UnsafeMutablePointer<Float>
    /// Decides the weights' quantized range (see `CPUFeatures.weightLevels`).
    private let cpu: CPUFeatures
    private let graph: DNNLGraph
    /// Each norm's scale and shift buffers (oneDNN memory) and the per-style rows to blend.
    private var normBindings: [NormBinding] = []
    /// When the network ends in a pixel shuffle, the planar pre-shuffle result and the factor.
    private var finalShuffle: (source: UnsafePointer<Float>, factor: Int)?
    /// Bytes of the activation arena (every intermediate tensor of a forward pass).
    var activationBytes: Int { graph.arenaBytes }

    private struct NormBinding {
        let channels: Int
        let scale: UnsafeMutablePointer<Float>
        let shift: UnsafeMutablePointer<Float>
        let scaleRows: [Float]
        let shiftRows: [Float]
    }

    /// A convolution and the weights it runs with: the file's, or one phase of a
    /// `PhaseSplitConvolution` (its own zero padding, writing into its plane of a buffer the
    /// phases share).
    private struct PreparedConvolution {
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

    private func fromFile(_ conv: Layer.Convolution) -> PreparedConvolution {
        PreparedConvolution(layer: conv, weights: model.tensor(named: conv.weightName)!.values,
                            bias: conv.hasBias ? model.tensor(named: conv.biasName)!.values : nil)
    }

    private func prepared(_ phase: PhaseSplitConvolution.Phase) -> PreparedConvolution {
        PreparedConvolution(layer: phase.layer, weights: phase.weights, bias: phase.bias, padding: phase.padding)
    }

    /// The upsampling at `ops[index]` and the convolution after it as a `PhaseSplitConvolution`,
    /// when the rewrite applies: the convolution is followed by a norm that runs fused (not by a
    /// residual add), so that norm can put the phases back in place.
    private func phaseSplit(at index: Int, of ops: [Layer]) -> PhaseSplitConvolution? {
        guard fuseNorms, index + 2 < ops.count, case .upsample(let factor) = ops[index],
              case .conv(let conv) = ops[index + 1], case .norm = ops[index + 2],
              index + 3 >= ops.count || ops[index + 3] != .add,
              PhaseSplitConvolution.applies(factor: factor, to: conv) else { return nil }
        let file = fromFile(conv)
        return PhaseSplitConvolution(convolution: conv, weights: file.weights, bias: file.bias)
    }

    /// The phases of `split` on `source`, each a convolution writing its plane of one NHWC
    /// buffer of `4 x out` planes, returned as a tensor of `4·out` channels at `source`'s size
    /// (the layout the fused norm's depth to space reads). In int8 all four read `prequantized`
    /// when the norm before wrote it, else each quantizes `source` itself.
    private func addPhaseSplit(_ split: PhaseSplitConvolution, source: Value, prequantized: Value?) throws -> Value {
        let name = split.phases[0].layer.name
        let phaseCount = split.phases.count, outs = split.outChannels
        let range = precision == .int8 ? model.quantization?.inputRange(of: name) : nil
        let type = range != nil && writesBF16 ? dnnl_bf16 : dnnl_f32
        let planesMD = try memoryDescriptor([phaseCount, outs, source.height, source.width], dnnl_nhwc, type)
        let planes = try graph.activation(planesMD, "conv \(name) phases output")
        var input = source
        let planeMD = try memoryDescriptor([1, outs, source.height, source.width], dnnl_nhwc, type)
        let planeBytes = outs * source.height * source.width * (type == dnnl_bf16 ? 2 : MemoryLayout<Float>.size)
        for (index, phase) in split.phases.enumerated() {
            var convolution = prepared(phase)
            convolution.destination = (planes.buffer, index * planeBytes, planeMD)
            convolution.phase = index
            if let range {
                _ = try addQuantizedConvolution(convolution, source: input, inputRange: range, sigmoid: false,
                                                prequantized: prequantized)
            } else {
                // Later phases read the input in the layout the first one converted it to.
                _ = try addConvolution(convolution, source: input, sigmoid: false) { input = $0 }
            }
        }
        if range != nil { quantizedConvolutions.append(name) }
        return Value(memory: planes.memory, buffer: planes.buffer, md: planesMD, channels: phaseCount * outs,
                     height: source.height, width: source.width, nonNegative: false)
    }

    /// A tensor flowing through the graph while it is being built.
    private struct Value {
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
                            precision: Precision = .fp32, acceptingBytes: Bool = false) throws {
        try self.init(model: model, width: width, height: height, useWinograd: useWinograd, precision: precision,
                      shareActivations: true, acceptingBytes: acceptingBytes)
    }

    /// `shareActivations: false` gives every intermediate tensor its own bytes (the memory use
    /// before the liveness-planned arena); tests compare the two to catch a liveness mistake.
    /// `ownWinograd`: where our Winograd kernel runs (`KernelSelection.WinogradUse`; `useWinograd:
    /// false` turns off every Winograd kernel, oneDNN's and ours).
    init(model: StyleModel, width: Int, height: Int, useWinograd: Bool, precision: Precision = .fp32,
         cpu: CPUFeatures = .current, shareActivations: Bool, fuseNorms: Bool = true, acceptingBytes: Bool = false,
         ownWinograd: KernelSelection.WinogradUse = .auto) throws {
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
        kernels = KernelSelection(cpu: cpu, precision: precision, winograd: useWinograd && fuseNorms ? ownWinograd : .never)
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

    /// Whether oneDNN has an optimized int8 convolution writing bf16 on this CPU: a small one
    /// is described, and its kernel must not be a reference one.
    private func probeBF16Output() -> Bool {
        guard let source = try? memoryDescriptor([1, 16, 8, 8], dnnl_format_tag_any, dnnl_u8),
              let weights = try? memoryDescriptor([16, 16, 3, 3], dnnl_format_tag_any, dnnl_s8),
              let destination = try? memoryDescriptor([1, 16, 8, 8], dnnl_format_tag_any, dnnl_bf16) else { return false }
        var src = source, wei = weights, dst = destination
        var desc = dnnl_convolution_desc_t()
        guard dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct, &src, &wei, nil, &dst,
                                                 [1, 1], [1, 1], [1, 1]) == dnnl_success,
              let attr = try? graph.attributes("bf16 probe") else { return false }
        defer { dnnl_primitive_attr_destroy(attr) }
        guard dnnl_primitive_attr_set_output_scales(attr, 1, 0, [1]) == dnnl_success,
              let pd = try? graph.primitiveDescriptor(desc, attr: attr, "bf16 probe") else { return false }
        defer { dnnl_primitive_desc_destroy(pd) }
        return !graph.implementationName(pd).hasPrefix("ref")
    }

    // MARK: - Building

    /// Records every step. Returns the activation buffer and factor of a final pixel shuffle done
    /// in Swift after the steps (its address is known only once the arena is allocated).
    private func build() throws -> (buffer: Int, factor: Int)? {
        var ops = model.layers
        // An elementwise sigmoid commutes with upsampling and pixel shuffles; move it next to the
        // convolution before them so it can be fused as a post-op.
        var moved = true
        while moved {
            moved = false
            for i in ops.indices.dropFirst() where ops[i] == .sigmoid {
                switch ops[i - 1] {
                case .upsample, .pixelShuffle:
                    ops.swapAt(i - 1, i)
                    moved = true
                default: break
                }
            }
        }
        var deferredShuffle: Int?
        if case .pixelShuffle(let factor)? = ops.last {
            deferredShuffle = factor
            ops.removeLast()
        }

        let inputMD = try memoryDescriptor([1, 3, height, width], dnnl_nchw)
        let inputMemory = try graph.memory(inputMD, handle: UnsafeMutableRawPointer(input), "the input frame")
        self.inputMemory = inputMemory
        var current = Value(memory: inputMemory, buffer: nil, md: inputMD, channels: 3, height: height, width: width, nonNegative: true)
        var stack: [Value] = []
        /// The input of the next int8 convolution, already quantized by the fused norm before it.
        var prequantized: (convolution: String, value: Value)?
        func same(_ a: Value, _ b: Value) -> Bool { a.memory == b.memory || (a.buffer != nil && a.buffer == b.buffer) }
        func isSaved(_ value: Value) -> Bool { stack.contains { same($0, value) } }
        /// After each layer: every buffer that neither the current tensor nor a saved one holds has
        /// had its last reader recorded (temporaries of the layer included).
        func endLayer() {
            let live = [current] + stack + (prequantized.map { [$0.value] } ?? [])
            graph.endOp(keeping: Set(live.compactMap(\.buffer)))
        }

        /// Set by a phase split for the norm right after it: the factor that norm puts back.
        var depthToSpace = 1

        var i = 0
        while i < ops.count {
            switch ops[i] {
            case .conv(let conv):
                let fuseSigmoid = i + 1 < ops.count && ops[i + 1] == .sigmoid
                var prepared = fromFile(conv)
                if i + 1 < ops.count, case .norm = ops[i + 1] { prepared.bf16Output = writesBF16 }
                if family(of: conv, source: current, fusesSigmoid: fuseSigmoid) == .winogradAVX2 {
                    prequantized = nil
                    current = try addWinogradConvolution(prepared, source: current) { converted in
                        for j in stack.indices where same(stack[j], current) { stack[j] = converted }
                    }
                } else if runsInt8(conv, source: current, fusesSigmoid: fuseSigmoid),
                          let range = model.quantization?.inputRange(of: conv.name) {
                    // The quantized copy of the input is for this conv alone: a saved tensor
                    // stays fp32 for its residual add.
                    let ready = prequantized?.convolution == conv.name ? prequantized?.value : nil
                    prequantized = nil
                    current = try addQuantizedConvolution(prepared, source: current, inputRange: range, sigmoid: fuseSigmoid,
                                                          prequantized: ready)
                    quantizedConvolutions.append(conv.name)
                } else {
                    current = try addConvolution(prepared, source: current, sigmoid: fuseSigmoid) { converted in
                        // A saved tensor converted for this conv is the same values: let the
                        // residual add use the converted copy too rather than converting again.
                        for j in stack.indices where same(stack[j], current) { stack[j] = converted }
                    }
                }
                if fuseSigmoid { i += 1 }
            case .norm(let norm):
                let nhwc = try memoryDescriptor(current.dims, dnnl_nhwc, current.md.data_type)
                // A phase split's output is its own plane layout, which only the fused norm reads.
                if fuseNorms, depthToSpace > 1 || sameLayout(current.md, nhwc) {
                    // A residual add right after the norm joins it, as does the next int8
                    // convolution's quantization (after a `save` in between, if any).
                    let fusesAdd = i + 1 < ops.count && ops[i + 1] == .add
                    let residual = fusesAdd ? stack.removeLast() : nil
                    var next = i + (fusesAdd ? 2 : 1)
                    let saves = next < ops.count && ops[next] == .save
                    if saves { next += 1 }
                    var consumer: (conv: PreparedConvolution, range: Float, sigmoid: Bool)?
                    if precision == .int8, next < ops.count {
                        let sigmoidNext = next + 1 < ops.count && ops[next + 1] == .sigmoid
                        // The norm's result has the source's size (times a depth-to-space factor).
                        let result = Value(memory: current.memory, buffer: nil, md: current.md, channels: norm.channels,
                                           height: current.height * depthToSpace, width: current.width * depthToSpace,
                                           nonNegative: false)
                        if case .conv(let conv) = ops[next], runsInt8(conv, source: result, fusesSigmoid: sigmoidNext),
                           let range = model.quantization?.inputRange(of: conv.name) {
                            consumer = (fromFile(conv), range, sigmoidNext)
                        } else if let split = phaseSplit(at: next, of: ops),
                                  let range = model.quantization?.inputRange(of: split.phases[0].layer.name) {
                            // Every phase reads the same quantized input: the first one's plan says how.
                            consumer = (prepared(split.phases[0]), range, false)
                        }
                    }
                    let fused = try addFusedNorm(norm, source: current, residual: residual, inPlace: !isSaved(current),
                                                 fp32Needed: saves || consumer == nil, quantizeFor: consumer,
                                                 depthToSpace: depthToSpace)
                    depthToSpace = 1
                    current = fused.value
                    if let quantized = fused.quantized, let consumer { prequantized = (consumer.conv.layer.name, quantized) }
                    if fusesAdd { i += 1 }
                } else {
                    precondition(depthToSpace == 1, "a phase split's norm must run fused")
                    current = try addNorm(norm, source: current, inPlace: !isSaved(current))
                }
            case .save:
                stack.append(current)
            case .add:
                let saved = stack.removeLast()
                current = try addSum(current, saved, inPlace: !isSaved(current))
            case .upsample(let factor):
                if let split = phaseSplit(at: i, of: ops) {
                    // The convolution after it runs at this size; the norm after that (next
                    // round) puts the phases in place.
                    let ready = prequantized?.convolution == split.phases[0].layer.name ? prequantized?.value : nil
                    prequantized = nil
                    current = try addPhaseSplit(split, source: current, prequantized: ready)
                    depthToSpace = factor
                    i += 1
                } else {
                    current = try addUpsample(current, factor: factor)
                }
            case .pixelShuffle(let factor):
                current = try addPixelShuffle(current, factor: factor)
            case .sigmoid:
                current = try addSigmoid(current, inPlace: !isSaved(current))
            }
            endLayer()
            i += 1
        }

        // Planar result straight into `output`; before a final shuffle, NHWC (what the last
        // convolution writes, so usually no step at all), which the shuffle reads.
        if let factor = deferredShuffle {
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

    /// A memory object of layout `md` over the same bytes as `value` (a view).
    private func alias(_ md: dnnl_memory_desc_t, of value: Value, label: String) throws -> dnnl_memory_t {
        if let buffer = value.buffer { return try graph.activation(md, buffer: buffer, label) }
        return try graph.memory(md, handle: try graph.handle(of: value.memory), label)
    }

    private func addReorder(_ value: Value, to memory: dnnl_memory_t, md: dnnl_memory_desc_t, label: String) throws {
        let reorder = try graph.reorderPrimitive(from: value.md, to: md, label)
        graph.append(reorder, [(vs_dnnl_arg_from(), value.memory), (vs_dnnl_arg_to(), memory)], label: label)
    }

    /// `value` in layout `md`: itself when it already is, else a reorder step into a new buffer.
    private func converted(_ value: Value, to md: dnnl_memory_desc_t, label: String) throws -> Value {
        if sameLayout(value.md, md) { return value }
        let out = try graph.activation(md, label)
        try addReorder(value, to: out.memory, md: md, label: label)
        return Value(memory: out.memory, buffer: out.buffer, md: md, channels: value.channels, height: value.height, width: value.width,
                     nonNegative: value.nonNegative)
    }

    /// The kernel family for `conv` (a whole one from the file, not a phase) reading `source`.
    private func family(of conv: Layer.Convolution, source: Value, fusesSigmoid: Bool) -> KernelSelection.Family {
        kernels.family(for: conv, height: source.height, width: source.width, phase: false, fusesSigmoid: fusesSigmoid)
    }

    /// Whether `conv` runs in oneDNN's int8 kernels: an int8 network, a calibrated convolution,
    /// and not one that our fp32 Winograd takes.
    private func runsInt8(_ conv: Layer.Convolution, source: Value, fusesSigmoid: Bool) -> Bool {
        precision == .int8 && model.quantization?.inputRange(of: conv.name) != nil
            && family(of: conv, source: source, fusesSigmoid: fusesSigmoid) == .oneDNN
    }

    /// A 3x3 stride-1 convolution in our Winograd kernel (`KernelSelection.Family.winogradAVX2`):
    /// fp32 NHWC in and out (the fused norms' layout, so usually no conversion either side), its
    /// padding (zeros or mirrored) done inside the kernel. The weights are transformed once here.
    private func addWinogradConvolution(_ prepared: PreparedConvolution, source: Value,
                                        sourceConverted: (Value) -> Void) throws -> Value {
        let conv = prepared.layer
        let label = prepared.label
        let input = try converted(source, to: try memoryDescriptor(source.dims, dnnl_nhwc), label: label + " input layout")
        if input.memory != source.memory { sourceConverted(input) }
        let outputMD = try memoryDescriptor([1, conv.outChannels, source.height, source.width], dnnl_nhwc)
        let output = try graph.activation(outputMD, label + " output")
        let ins = Int32(conv.inChannels), outs = Int32(conv.outChannels)
        let weights = graph.hostBuffer(count: Int(vs_winograd_weights_floats(ins, outs)))
        prepared.weights.withUnsafeBufferPointer { vs_winograd_transform_weights($0.baseAddress, ins, outs, weights) }
        let bias = prepared.bias.map { values in
            let buffer = graph.hostBuffer(count: values.count)
            buffer.update(from: values, count: values.count)
            return UnsafePointer(buffer)
        }
        let job = vs_winograd_job(source: nil, destination: nil, weights: UnsafePointer(weights), bias: bias, scratch: nil,
                                  height: Int32(source.height), width: Int32(source.width), in_channels: ins, out_channels: outs,
                                  padding: conv.padding == .reflect ? Int32(VS_WINOGRAD_PAD_REFLECT) : Int32(VS_WINOGRAD_PAD_ZEROS),
                                  max_threads: vs_kernel_max_threads())
        graph.appendWinograd(job, source: input.memory, destination: output.memory, label: label)
        return Value(memory: output.memory, buffer: output.buffer, md: outputMD, channels: conv.outChannels,
                     height: source.height, width: source.width, nonNegative: false)
    }

    private func addConvolution(_ prepared: PreparedConvolution, source: Value, sigmoid: Bool,
                                sourceConverted: (Value) -> Void) throws -> Value {
        let conv = prepared.layer
        let label = prepared.label
        let k = conv.kernel, s = conv.stride, pad = k / 2
        // A 1x1 convolution reads no border: nothing to mirror, no copy.
        let mirror = conv.padding == .reflect && pad > 0
        // The padding that decides the output's size; a mirrored input arrives already grown by
        // it, so oneDNN then adds no zeros.
        let padding = prepared.padding ?? .symmetric(pad)
        let zeros = mirror ? .none : padding
        let outHeight = (source.height + padding.top + padding.bottom - k) / s + 1
        let outWidth = (source.width + padding.left + padding.right - k) / s + 1
        let biasMD = try memoryDescriptor([conv.outChannels], dnnl_a)
        let strides: [Int64] = [Int64(s), Int64(s)]
        let before = [Int64(zeros.top), Int64(zeros.left)], after = [Int64(zeros.bottom), Int64(zeros.right)]
        let attr = try graph.attributes(label)
        defer { dnnl_primitive_attr_destroy(attr) }
        if sigmoid { try graph.appendSigmoid(to: attr, label) }
        /// The primitive descriptor for one algorithm and pair of layouts, or nil where oneDNN
        /// has no kernel for them.
        func candidate(_ algorithm: dnnl_alg_kind_t, source sourceTag: dnnl_format_tag_t,
                       destination destinationTag: dnnl_format_tag_t) -> dnnl_primitive_desc_t? {
            guard var srcMD = try? memoryDescriptor(paddedDims(source, conv), sourceTag),
                  var weightsMD = try? memoryDescriptor([conv.outChannels, conv.inChannels, k, k], dnnl_format_tag_any),
                  var dstMD = try? prepared.destination?.md
                    ?? memoryDescriptor([1, conv.outChannels, outHeight, outWidth], destinationTag) else { return nil }
            var biasMD = biasMD
            var desc = dnnl_convolution_desc_t()
            let status = withUnsafePointer(to: &biasMD) { bias in
                dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, algorithm, &srcMD, &weightsMD,
                                                   conv.hasBias ? bias : nil, &dstMD, strides, before, after)
            }
            guard status == dnnl_success else { return nil }
            return try? graph.primitiveDescriptor(desc, attr: attr, label)
        }
        // In order of preference, the first with an optimized kernel wins (never a `ref` one
        // while another exists: oneDNN 2.6 falls back to its scalar reference convolution, 200x
        // slower, for a blocked source with a plain NHWC destination on AVX2):
        // oneDNN's Winograd for 3x3 stride 1 (AVX-512 only; blocked layouts); NHWC in and out
        // where the fused norm reads the result (its layout; a phase plane is always NHWC);
        // then whatever layouts oneDNN prefers.
        var candidates: [(dnnl_alg_kind_t, dnnl_format_tag_t, dnnl_format_tag_t)] = []
        if useWinograd && k == 3 && s == 1 && prepared.destination == nil {
            candidates.append((dnnl_convolution_winograd, dnnl_format_tag_any, dnnl_format_tag_any))
        }
        if fuseNorms || prepared.destination != nil { candidates.append((dnnl_convolution_direct, dnnl_nhwc, dnnl_nhwc)) }
        candidates.append((dnnl_convolution_direct, dnnl_format_tag_any, dnnl_format_tag_any))
        var chosen: dnnl_primitive_desc_t?
        for (algorithm, sourceTag, destinationTag) in candidates {
            guard let pd = candidate(algorithm, source: sourceTag, destination: destinationTag) else { continue }
            if chosen == nil {
                chosen = pd
            } else if graph.implementationName(chosen!).hasPrefix("ref") && !graph.implementationName(pd).hasPrefix("ref") {
                dnnl_primitive_desc_destroy(chosen!)
                chosen = pd
            } else {
                dnnl_primitive_desc_destroy(pd)
            }
            if !graph.implementationName(chosen!).hasPrefix("ref") { break }
        }
        guard let pd = chosen else {
            throw DNNLError(call: "dnnl_primitive_desc_create", context: label + " (no kernel for any layout)", status: -1)
        }
        defer { dnnl_primitive_desc_destroy(pd) }
        guard let wantedSrc = graph.argumentDescriptor(pd, vs_dnnl_arg_src()),
              let wantedWeights = graph.argumentDescriptor(pd, vs_dnnl_arg_weights()),
              let wantedDst = graph.argumentDescriptor(pd, vs_dnnl_arg_dst()) else {
            throw DNNLError(call: "dnnl_primitive_desc_query_md", context: label, status: -1)
        }
        let src: Value
        if mirror {
            src = try mirrored(source, by: pad, into: wantedSrc, label: label + " input")
        } else {
            src = try converted(source, to: wantedSrc, label: label + " input layout")
            if src.memory != source.memory { sourceConverted(src) }
        }

        // Weights: copy the file's OIHW values in, reorder once into the conv's layout.
        let plainWeightsMD = try memoryDescriptor([conv.outChannels, conv.inChannels, k, k], dnnl_oihw)
        let plainWeights = try graph.memory(plainWeightsMD, label + " weights (file layout)")
        try prepared.weights.withUnsafeBytes { bytes in
            try graph.handle(of: plainWeights).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        let weights: dnnl_memory_t
        if sameLayout(plainWeightsMD, wantedWeights) {
            weights = plainWeights
        } else {
            weights = try graph.memory(wantedWeights, label + " weights")
            let reorder = try graph.reorderPrimitive(from: plainWeightsMD, to: wantedWeights, label + " weights")
            try graph.executeNow(reorder, [(vs_dnnl_arg_from(), plainWeights), (vs_dnnl_arg_to(), weights)], label + " weights")
        }
        let dst = try output(wantedDst, prepared, label: label)
        var args: [(Int32, dnnl_memory_t)] = [(vs_dnnl_arg_src(), src.memory), (vs_dnnl_arg_weights(), weights), (vs_dnnl_arg_dst(), dst.memory)]
        if let biasValues = prepared.bias {
            let bias = try graph.memory(biasMD, label + " bias")
            try biasValues.withUnsafeBytes { bytes in
                try graph.handle(of: bias).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            }
            args.append((vs_dnnl_arg_bias(), bias))
        }
        graph.append(try graph.primitive(pd, label), args, label: label)
        return Value(memory: dst.memory, buffer: dst.buffer, md: wantedDst, channels: conv.outChannels, height: outHeight, width: outWidth,
                     nonNegative: sigmoid)
    }

    /// How an int8 convolution will run, before any step is recorded: its primitive descriptor
    /// (the caller destroys `pd`) and the scales. Built once for the convolution itself and, with
    /// the same inputs, by a fused norm before it to learn the layout it must quantize into.
    private struct QuantizedPlan {
        let pd: dnnl_primitive_desc_t
        let wantedSource: dnnl_memory_desc_t
        let wantedWeights: dnnl_memory_desc_t
        let wantedDestination: dnnl_memory_desc_t
        let inputScale: Float
        let weightScales: [Float]
        let outHeight: Int
        let outWidth: Int
        let mirror: Bool
    }

    /// The input is quantized to u8 (non-negative inputs) or s8 with one scale,
    /// `levels / inputRange`, clipping (saturating) what lies beyond the calibrated range; the
    /// weights to s8 with one scale per output channel (their own largest magnitude maps to
    /// `cpu.weightLevels`); the convolution accumulates in s32 and writes fp32 through
    /// per-channel output scales that undo both, so the norm after it sees fp32 values as before.
    private func quantizedPlan(_ prepared: PreparedConvolution, source: Value, inputRange: Float, sigmoid: Bool,
                               label: String) throws -> QuantizedPlan {
        let conv = prepared.layer
        let k = conv.kernel, s = conv.stride, pad = k / 2
        // A 1x1 convolution reads no border: nothing to mirror, no copy.
        let mirror = conv.padding == .reflect && pad > 0
        // The padding that decides the output's size; a mirrored input arrives already grown by
        // it, so oneDNN then adds no zeros.
        let padding = prepared.padding ?? .symmetric(pad)
        let zeros = mirror ? .none : padding
        let outHeight = (source.height + padding.top + padding.bottom - k) / s + 1
        let outWidth = (source.width + padding.left + padding.right - k) / s + 1
        let signed = !source.nonNegative
        let inputScale = (signed ? 127 : 255) / inputRange

        let weightValues = prepared.weights
        let perChannel = weightValues.count / conv.outChannels
        let weightScales: [Float] = (0..<conv.outChannels).map { channel in
            let largest = weightValues[(channel * perChannel)..<((channel + 1) * perChannel)].reduce(0) { max($0, abs($1)) }
            return largest > 0 ? cpu.weightLevels / largest : 1
        }
        let outputScales = weightScales.map { 1 / (inputScale * $0) }

        var srcMD = try memoryDescriptor(paddedDims(source, conv), dnnl_format_tag_any, signed ? dnnl_s8 : dnnl_u8)
        var weightsMD = try memoryDescriptor([conv.outChannels, conv.inChannels, k, k], dnnl_format_tag_any, dnnl_s8)
        var biasMD = try memoryDescriptor([conv.outChannels], dnnl_a)
        var dstMD = try prepared.destination?.md
            ?? memoryDescriptor([1, conv.outChannels, outHeight, outWidth], dnnl_format_tag_any, prepared.bf16Output ? dnnl_bf16 : dnnl_f32)
        var desc = dnnl_convolution_desc_t()
        let strides: [Int64] = [Int64(s), Int64(s)]
        let before = [Int64(zeros.top), Int64(zeros.left)], after = [Int64(zeros.bottom), Int64(zeros.right)]
        let status = withUnsafePointer(to: &biasMD) { bias in
            dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct,
                                               &srcMD, &weightsMD, conv.hasBias ? bias : nil, &dstMD,
                                               strides, before, after)
        }
        try dnnlCheck(status, "dnnl_convolution_forward_desc_init", label)

        let attr = try graph.attributes(label)
        defer { dnnl_primitive_attr_destroy(attr) }
        // Mask 1 << 1: one scale per index of dimension 1 of the destination, its channels.
        try dnnlCheck(dnnl_primitive_attr_set_output_scales(attr, Int64(conv.outChannels), 1 << 1, outputScales),
                      "dnnl_primitive_attr_set_output_scales", label)
        if sigmoid { try graph.appendSigmoid(to: attr, label) }
        let pd = try graph.primitiveDescriptor(desc, attr: attr, label)
        guard let wantedSrc = graph.argumentDescriptor(pd, vs_dnnl_arg_src()),
              let wantedWeights = graph.argumentDescriptor(pd, vs_dnnl_arg_weights()),
              let wantedDst = graph.argumentDescriptor(pd, vs_dnnl_arg_dst()) else {
            dnnl_primitive_desc_destroy(pd)
            throw DNNLError(call: "dnnl_primitive_desc_query_md", context: label, status: -1)
        }
        return QuantizedPlan(pd: pd, wantedSource: wantedSrc, wantedWeights: wantedWeights, wantedDestination: wantedDst,
                             inputScale: inputScale, weightScales: weightScales, outHeight: outHeight, outWidth: outWidth,
                             mirror: mirror)
    }

    /// An int8 convolution (see `quantizedPlan`): a reorder quantizes its fp32 input each frame,
    /// unless the fused norm before it already wrote `prequantized`. oneDNN 2.6 adds the bias to
    /// the s32 accumulator before the output scales, so the bias is given in accumulator units.
    private func addQuantizedConvolution(_ prepared: PreparedConvolution, source: Value, inputRange: Float,
                                         sigmoid: Bool, prequantized: Value? = nil) throws -> Value {
        let conv = prepared.layer
        let label = prepared.label + " int8"
        let plan = try quantizedPlan(prepared, source: source, inputRange: inputRange, sigmoid: sigmoid, label: label)
        let pd = plan.pd
        defer { dnnl_primitive_desc_destroy(pd) }
        let wantedSrc = plan.wantedSource, wantedWeights = plan.wantedWeights, wantedDst = plan.wantedDestination
        let inputScale = plan.inputScale, weightScales = plan.weightScales
        let outHeight = plan.outHeight, outWidth = plan.outWidth, mirror = plan.mirror
        let k = conv.kernel, pad = k / 2
        let weightValues = prepared.weights
        let biasMD = try memoryDescriptor([conv.outChannels], dnnl_a)

        // Quantize the input each frame (rounding to nearest, saturating at the type's limits);
        // a mirrored input is quantized straight into the inside of its padded buffer.
        let quantizeAttr = try graph.attributes(label + " input")
        defer { dnnl_primitive_attr_destroy(quantizeAttr) }
        try dnnlCheck(dnnl_primitive_attr_set_output_scales(quantizeAttr, 1, 0, [inputScale]),
                      "dnnl_primitive_attr_set_output_scales", label + " input")
        let quantized: Value
        if let prequantized {
            guard sameLayout(prequantized.md, wantedSrc) else {
                throw DNNLError(call: "the fused norm's quantized layout", context: label, status: -1)
            }
            quantized = prequantized
        } else if mirror {
            quantized = try mirrored(source, by: pad, into: wantedSrc, attributes: quantizeAttr, label: label + " input")
        } else if acceptsBytes, byteInput == nil, source.memory == inputMemory,
                  sameLayout(wantedSrc, try memoryDescriptor(source.dims, dnnl_nhwc, dnnl_u8)) {
            // The frame itself, quantized by whoever fills `byteInput`.
            let memory = try graph.memory(wantedSrc, label + " frame bytes")
            byteInput = (try graph.handle(of: memory).assumingMemoryBound(to: UInt8.self), inputScale / 255)
            quantized = Value(memory: memory, buffer: nil, md: wantedSrc, channels: source.channels,
                              height: source.height, width: source.width, nonNegative: true)
        } else {
            let buffer = try graph.activation(wantedSrc, label + " input")
            let quantize = try graph.reorderPrimitive(from: source.md, to: wantedSrc, attributes: quantizeAttr, label + " input")
            graph.append(quantize, [(vs_dnnl_arg_from(), source.memory), (vs_dnnl_arg_to(), buffer.memory)], label: label + " quantize")
            quantized = Value(memory: buffer.memory, buffer: buffer.buffer, md: wantedSrc, channels: source.channels,
                              height: source.height, width: source.width, nonNegative: source.nonNegative)
        }

        // Weights, once: the file's OIHW floats, scaled per output channel (mask 1 << 0) into
        // the conv's s8 layout; the reorder also fills in the compensation that layout carries
        // for an s8 input.
        let plainWeightsMD = try memoryDescriptor([conv.outChannels, conv.inChannels, k, k], dnnl_oihw)
        let plainWeights = try graph.memory(plainWeightsMD, label + " weights (file layout)")
        try weightValues.withUnsafeBytes { bytes in
            try graph.handle(of: plainWeights).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        let weights = try graph.memory(wantedWeights, label + " weights")
        let weightsAttr = try graph.attributes(label + " weights")
        defer { dnnl_primitive_attr_destroy(weightsAttr) }
        try dnnlCheck(dnnl_primitive_attr_set_output_scales(weightsAttr, Int64(conv.outChannels), 1 << 0, weightScales),
                      "dnnl_primitive_attr_set_output_scales", label + " weights")
        let reorder = try graph.reorderPrimitive(from: plainWeightsMD, to: wantedWeights, attributes: weightsAttr, label + " weights")
        try graph.executeNow(reorder, [(vs_dnnl_arg_from(), plainWeights), (vs_dnnl_arg_to(), weights)], label + " weights")

        let dst = try output(wantedDst, prepared, label: label)
        var args: [(Int32, dnnl_memory_t)] = [(vs_dnnl_arg_src(), quantized.memory), (vs_dnnl_arg_weights(), weights),
                                              (vs_dnnl_arg_dst(), dst.memory)]
        if let values = prepared.bias {
            let bias = try graph.memory(biasMD, label + " bias")
            let accumulatorBias = values.indices.map { values[$0] * inputScale * weightScales[$0] }
            try accumulatorBias.withUnsafeBytes { bytes in
                try graph.handle(of: bias).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            }
            args.append((vs_dnnl_arg_bias(), bias))
        }
        graph.append(try graph.primitive(pd, label), args, label: label)
        return Value(memory: dst.memory, buffer: dst.buffer, md: wantedDst, channels: conv.outChannels, height: outHeight, width: outWidth,
                     nonNegative: sigmoid)
    }

    /// A convolution's output: a new activation, or the plane of a shared buffer it was given.
    private func output(_ wanted: dnnl_memory_desc_t, _ prepared: PreparedConvolution, label: String) throws
        -> (memory: dnnl_memory_t, buffer: Int) {
        guard let destination = prepared.destination else { return try graph.activation(wanted, label + " output") }
        guard sameLayout(wanted, destination.md) else {
            throw DNNLError(call: "the phase plane's layout", context: label, status: -1)
        }
        return (try graph.activation(wanted, buffer: destination.buffer, byteOffset: destination.byteOffset, label + " output"),
                destination.buffer)
    }

    /// The shape a convolution's primitive reads: `source`'s, or for a reflect-padded conv that
    /// shape grown by `kernel / 2` on every side (the primitive itself then pads nothing).
    private func paddedDims(_ source: Value, _ conv: Layer.Convolution) -> [Int] {
        let pad = conv.kernel / 2
        guard conv.padding == .reflect, pad > 0 else { return source.dims }
        return [1, source.channels, source.height + 2 * pad, source.width + 2 * pad]
    }

    /// `source` mirrored by `pad` pixels on every side (PyTorch's reflect padding: the edge row
    /// itself is not repeated) in a new buffer of layout `wanted`, the padded shape in the layout
    /// the convolution asked for. One reorder writes `source` into the buffer's inside, changing
    /// the layout and, with `attributes`, quantizing on the way, so the inside costs what the
    /// layout change or quantization cost before; then `4 * pad` small reorders within the
    /// buffer copy single columns (left and right, inside rows) and then whole rows (top and
    /// bottom, corners included) from just inside the edge to just outside it.
    private func mirrored(_ source: Value, by pad: Int, into wanted: dnnl_memory_desc_t,
                          attributes: dnnl_primitive_attr_t? = nil, label: String) throws -> Value {
        guard source.height > pad, source.width > pad else {
            throw NetworkError.tooSmallToMirror(width: width, height: height, convolution: label)
        }
        let padded = try graph.activation(wanted, label + " mirrored")
        var parent = wanted
        func view(_ dims: [Int], at offsets: [Int]) throws -> (memory: dnnl_memory_t, md: dnnl_memory_desc_t) {
            var md = dnnl_memory_desc_t()
            try dnnlCheck(dnnl_memory_desc_init_submemory(&md, &parent, dims.map { Int64($0) }, offsets.map { Int64($0) }),
                          "dnnl_memory_desc_init_submemory", label + " view")
            return (try graph.activation(md, buffer: padded.buffer, label + " view"), md)
        }
        let c = source.channels, h = source.height, w = source.width
        let inside = try view(source.dims, at: [0, 0, pad, pad])
        let fill = try graph.reorderPrimitive(from: source.md, to: inside.md, attributes: attributes, label + " inside")
        graph.append(fill, [(vs_dnnl_arg_from(), source.memory), (vs_dnnl_arg_to(), inside.memory)], label: label + " inside")
        func copy(_ dims: [Int], from: [Int], to: [Int], _ part: String) throws {
            let a = try view(dims, at: from), b = try view(dims, at: to)
            let reorder = try graph.reorderPrimitive(from: a.md, to: b.md, label + " " + part)
            graph.append(reorder, [(vs_dnnl_arg_from(), a.memory), (vs_dnnl_arg_to(), b.memory)], label: label + " " + part)
        }
        for i in 0..<pad {
            try copy([1, c, h, 1], from: [0, 0, pad, pad + 1 + i], to: [0, 0, pad, pad - 1 - i], "left edge")
            try copy([1, c, h, 1], from: [0, 0, pad, pad + w - 2 - i], to: [0, 0, pad, pad + w + i], "right edge")
        }
        for i in 0..<pad {
            try copy([1, c, 1, w + 2 * pad], from: [0, 0, pad + 1 + i, 0], to: [0, 0, pad - 1 - i, 0], "top edge")
            try copy([1, c, 1, w + 2 * pad], from: [0, 0, pad + h - 2 - i, 0], to: [0, 0, pad + h + i, 0], "bottom edge")
        }
        return Value(memory: padded.memory, buffer: padded.buffer, md: wanted, channels: c, height: h + 2 * pad, width: w + 2 * pad,
                     nonNegative: source.nonNegative)
    }

    /// A norm on an NHWC fp32 `source` as one fused step (CKernels): the statistics, scale,
    /// shift and ReLU, then `residual` added when given (a residual add that followed the norm),
    /// then the outputs. When `consumer` is the int8 convolution that reads the result next and
    /// wants it in plain NHWC bytes (any convolution that does not mirror its input, with the
    /// kernels measured here), the step also writes that quantized input, returned as `quantized`
    /// for `addQuantizedConvolution`, so no reorder reads the fp32 result again; the fp32 result
    /// is then written only when `fp32Needed` (a residual add later reads it).
    /// With `depthToSpace` f > 1, `source` is a `PhaseSplitConvolution`'s output (f·f phases of
    /// the norm's channels at 1/f of the size) and the results are written at full size.
    private func addFusedNorm(_ norm: Layer.Normalization, source: Value, residual: Value?, inPlace: Bool, fp32Needed: Bool,
                              quantizeFor consumer: (conv: PreparedConvolution, range: Float, sigmoid: Bool)?,
                              depthToSpace f: Int = 1) throws
        -> (value: Value, quantized: Value?) {
        let label = "norm \(norm.name)" + (residual == nil ? "" : " + residual add") + (f > 1 ? " + depth to space x\(f)" : "")
        precondition(f == 1 || residual == nil, "a depth-to-space norm takes no residual")
        let nonNegative = norm.relu && (residual?.nonNegative ?? true)
        let channels = source.channels / (f * f), height = source.height * f, width = source.width * f
        let dims = [1, channels, height, width]
        func result(_ memory: dnnl_memory_t, _ buffer: Int?, _ md: dnnl_memory_desc_t) -> Value {
            Value(memory: memory, buffer: buffer, md: md, channels: channels, height: height, width: width,
                  nonNegative: nonNegative)
        }
        let bf16 = source.md.data_type == dnnl_bf16
        // The fp32 result has the source's layout, unless the source is phase planes or bf16.
        let outputMD = f == 1 && !bf16 ? source.md : try memoryDescriptor(dims, dnnl_nhwc)
        // The residual is read in the fp32 result's layout.
        let other = try residual.map { try converted($0, to: outputMD, label: label + " layout") }

        var quantized: Value?
        var quantizeScale: Float = 1
        if let consumer {
            let plan = try quantizedPlan(consumer.conv, source: result(source.memory, source.buffer, outputMD),
                                         inputRange: consumer.range, sigmoid: consumer.sigmoid, label: label + " quantization")
            dnnl_primitive_desc_destroy(plan.pd)
            let plain = try memoryDescriptor(dims, dnnl_nhwc, nonNegative ? dnnl_u8 : dnnl_s8)
            if !plan.mirror && sameLayout(plan.wantedSource, plain) {
                let buffer = try graph.activation(plain, label + " quantized")
                quantized = result(buffer.memory, buffer.buffer, plain)
                quantizeScale = plan.inputScale
            }
        }
        var output: (memory: dnnl_memory_t, buffer: Int?)?
        if fp32Needed || quantized == nil {
            output = inPlace && f == 1 && !bf16 ? (source.memory, source.buffer) : try graph.activation(outputMD, label + " output")
        }

        let scale = graph.hostBuffer(count: norm.channels)
        let shift = graph.hostBuffer(count: norm.channels)
        let job = vs_norm_job(source: nil, residual: nil, output: nil, quantized: nil,
                              pixels: Int64(source.height * source.width), channels: Int32(channels),
                              scale: UnsafePointer(scale), shift: UnsafePointer(shift), epsilon: Layer.normEpsilon,
                              relu: norm.relu ? 1 : 0, quantize_scale: quantizeScale, quantized_signed: nonNegative ? 0 : 1,
                              partial_sums: nil, factors: nil, depth_to_space: Int32(f), source_width: Int64(source.width),
                              source_bf16: bf16 ? 1 : 0)
        graph.appendNorm(job, buffers: .init(source: source.memory, residual: other?.memory, output: output?.memory,
                                             quantized: quantized?.memory),
                         label: label)
        normBindings.append(NormBinding(channels: norm.channels, scale: scale, shift: shift,
                                        scaleRows: model.tensor(named: norm.scaleName)!.values,
                                        shiftRows: model.tensor(named: norm.shiftName)!.values))
        // Without an fp32 output only the quantized copy is read next (the caller's convolution).
        let value = output.map { result($0.memory, $0.buffer, outputMD) }
            ?? (f == 1 && !bf16 ? result(source.memory, source.buffer, source.md) : quantized!)
        return (value, quantized)
    }

    private func addNorm(_ norm: Layer.Normalization, source: Value, inPlace: Bool) throws -> Value {
        let label = "norm \(norm.name)"
        var dataMD = source.md
        var flags = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue
        if norm.relu { flags |= dnnl_fuse_norm_relu.rawValue }
        var desc = dnnl_batch_normalization_desc_t()
        try dnnlCheck(dnnl_batch_normalization_forward_desc_init(&desc, dnnl_forward_inference, &dataMD, Layer.normEpsilon, flags),
                      "dnnl_batch_normalization_forward_desc_init", label)
        let pd = try graph.primitiveDescriptor(desc, label)
        defer { dnnl_primitive_desc_destroy(pd) }
        guard let scaleMD = graph.argumentDescriptor(pd, vs_dnnl_arg_scale()),
              let shiftMD = graph.argumentDescriptor(pd, vs_dnnl_arg_shift()),
              let dstMD = graph.argumentDescriptor(pd, vs_dnnl_arg_dst()) else {
            throw DNNLError(call: "dnnl_primitive_desc_query_md", context: label, status: -1)
        }
        let scale = try graph.memory(scaleMD, label + " scale")
        let shift = try graph.memory(shiftMD, label + " shift")
        let dst = inPlace && sameLayout(dstMD, source.md) ? (memory: source.memory, buffer: source.buffer)
            : try graph.activation(dstMD, label + " output")
        var args: [(Int32, dnnl_memory_t)] = [(vs_dnnl_arg_src(), source.memory), (vs_dnnl_arg_dst(), dst.memory),
                                              (vs_dnnl_arg_scale(), scale), (vs_dnnl_arg_shift(), shift)]
        for arg in [vs_dnnl_arg_mean(), vs_dnnl_arg_variance(), vs_dnnl_arg_workspace()] {
            if let md = graph.argumentDescriptor(pd, arg) {
                args.append((arg, try graph.memory(md, label + " statistics")))
            }
        }
        graph.append(try graph.primitive(pd, label), args, label: label)
        normBindings.append(NormBinding(channels: norm.channels,
                                        scale: try graph.handle(of: scale).assumingMemoryBound(to: Float.self),
                                        shift: try graph.handle(of: shift).assumingMemoryBound(to: Float.self),
                                        scaleRows: model.tensor(named: norm.scaleName)!.values,
                                        shiftRows: model.tensor(named: norm.shiftName)!.values))
        return Value(memory: dst.memory, buffer: dst.buffer, md: dstMD, channels: source.channels, height: source.height, width: source.width,
                     nonNegative: norm.relu)
    }

    private func addSum(_ current: Value, _ saved: Value, inPlace: Bool) throws -> Value {
        let label = "residual add"
        let other = try converted(saved, to: current.md, label: label + " layout")
        var a = current.md, b = other.md, dstMD = current.md
        var desc = dnnl_binary_desc_t()
        try dnnlCheck(dnnl_binary_desc_init(&desc, dnnl_binary_add, &a, &b, &dstMD), "dnnl_binary_desc_init", label)
        let pd = try graph.primitiveDescriptor(desc, label)
        defer { dnnl_primitive_desc_destroy(pd) }
        let dst = inPlace ? (memory: current.memory, buffer: current.buffer) : try graph.activation(dstMD, label + " output")
        graph.append(try graph.primitive(pd, label),
                     [(vs_dnnl_arg_src(), current.memory), (vs_dnnl_arg_src_1(), other.memory), (vs_dnnl_arg_dst(), dst.memory)],
                     label: label)
        return Value(memory: dst.memory, buffer: dst.buffer, md: dstMD, channels: current.channels, height: current.height, width: current.width,
                     nonNegative: current.nonNegative && saved.nonNegative)
    }

    private func addUpsample(_ source: Value, factor: Int) throws -> Value {
        let label = "upsample x\(factor)"
        let outHeight = source.height * factor, outWidth = source.width * factor
        var srcMD = source.md
        var dstMD = try memoryDescriptor([1, source.channels, outHeight, outWidth], dnnl_format_tag_any)
        var desc = dnnl_resampling_desc_t()
        let factors: [Float] = [Float(factor), Float(factor)]
        try dnnlCheck(dnnl_resampling_forward_desc_init(&desc, dnnl_forward_inference, dnnl_resampling_nearest, factors, &srcMD, &dstMD),
                      "dnnl_resampling_forward_desc_init", label)
        let pd = try graph.primitiveDescriptor(desc, label)
        defer { dnnl_primitive_desc_destroy(pd) }
        guard let wantedDst = graph.argumentDescriptor(pd, vs_dnnl_arg_dst()) else {
            throw DNNLError(call: "dnnl_primitive_desc_query_md", context: label, status: -1)
        }
        let dst = try graph.activation(wantedDst, label + " output")
        graph.append(try graph.primitive(pd, label), [(vs_dnnl_arg_src(), source.memory), (vs_dnnl_arg_dst(), dst.memory)], label: label)
        return Value(memory: dst.memory, buffer: dst.buffer, md: wantedDst, channels: source.channels, height: outHeight, width: outWidth,
                     nonNegative: source.nonNegative)
    }

    /// A pixel shuffle inside the network: a strided reorder from a planar view
    /// [1, C, H, r, W, r] of the input (channel c*r*r + i*r + j) to the planar output.
    private func addPixelShuffle(_ source: Value, factor r: Int) throws -> Value {
        let label = "pixel_shuffle x\(r)"
        let planar = try converted(source, to: try memoryDescriptor(source.dims, dnnl_nchw), label: label + " input layout")
        let c = source.channels / (r * r), h = source.height, w = source.width
        let dims = [1, c, h, r, w, r]
        let viewMD = try memoryDescriptor(dims, strides: [source.channels * h * w, r * r * h * w, w, r * h * w, 1, h * w])
        let denseMD = try memoryDescriptor(dims, dnnl_abcdef)
        let dense = try graph.activation(denseMD, label + " output")
        let view = try alias(viewMD, of: planar, label: label + " view")
        let reorder = try graph.reorderPrimitive(from: viewMD, to: denseMD, label)
        graph.append(reorder, [(vs_dnnl_arg_from(), view), (vs_dnnl_arg_to(), dense.memory)], label: label)
        let outMD = try memoryDescriptor([1, c, h * r, w * r], dnnl_nchw)
        let out = try graph.activation(outMD, buffer: dense.buffer, label + " output view")
        return Value(memory: out, buffer: dense.buffer, md: outMD, channels: c, height: h * r, width: w * r, nonNegative: source.nonNegative)
    }

    private func addSigmoid(_ source: Value, inPlace: Bool) throws -> Value {
        let label = "sigmoid"
        var dataMD = source.md
        var desc = dnnl_eltwise_desc_t()
        try dnnlCheck(dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, dnnl_eltwise_logistic, &dataMD, 0, 0),
                      "dnnl_eltwise_forward_desc_init", label)
        let pd = try graph.primitiveDescriptor(desc, label)
        defer { dnnl_primitive_desc_destroy(pd) }
        let dst = inPlace ? (memory: source.memory, buffer: source.buffer) : try graph.activation(source.md, label + " output")
        graph.append(try graph.primitive(pd, label), [(vs_dnnl_arg_src(), source.memory), (vs_dnnl_arg_dst(), dst.memory)], label: label)
        return Value(memory: dst.memory, buffer: dst.buffer, md: source.md, channels: source.channels, height: source.height, width: source.width,
                     nonNegative: true)
    }

    /// Depth-to-space from NHWC `[height/f][width/f][channels*f*f]` to planar
    /// `[channels][height][width]` in PyTorch's order (channel `c*f*f + i*f + j` is offset (i, j)).
    static func pixelShuffle(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                             channels: Int, height: Int, width: Int, factor f: Int) {
        let inHeight = height / f, inWidth = width / f
        let depth = channels * f * f
        for y in 0..<inHeight {
            for x in 0..<inWidth {
                let from = source + (y * inWidth + x) * depth
                for c in 0..<channels {
                    for i in 0..<f {
                        for j in 0..<f {
                            destination[(c * height + y * f + i) * width + x * f + j] = from[(c * f + i) * f + j]
                        }
                    }
                }
            }
        }
    }
}
