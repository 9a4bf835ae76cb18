import CDNNL
import Foundation

/// Lowering of the convolutions oneDNN runs (`KernelSelection.Family.oneDNN`): fp32 direct or
/// oneDNN's own Winograd, int8 with its scales and the quantizing of its input, and the four
/// phase convolutions of a `PhaseSplitConvolution`. Each picks the first layouts for which
/// oneDNN has an optimized kernel, never its reference one while another exists.
extension StyleNetwork {
    func fromFile(_ conv: Layer.Convolution) -> PreparedConvolution {
        PreparedConvolution(layer: conv, weights: model.tensor(named: conv.weightName)!.values,
                            bias: conv.hasBias ? model.tensor(named: conv.biasName)!.values : nil)
    }

    func prepared(_ phase: PhaseSplitConvolution.Phase) -> PreparedConvolution {
        PreparedConvolution(layer: phase.layer, weights: phase.weights, bias: phase.bias, padding: phase.padding)
    }

    /// The phases of `split` on `source`, each a convolution writing its plane of one NHWC
    /// buffer of `4 x out` planes, returned as a tensor of `4·out` channels at `source`'s size
    /// (the layout the fused norm's depth to space reads). In int8 all four read `prequantized`
    /// when the norm before wrote it, else each quantizes `source` itself.
    /// The phase split of a planned convolution (its weights rewritten per phase).
    func phaseSplit(_ planned: NetworkPlan.Convolution) -> PhaseSplitConvolution {
        let file = fromFile(planned.layer)
        return PhaseSplitConvolution(convolution: planned.layer, weights: file.weights, bias: file.bias)
    }

    func addPhaseSplit(_ planned: NetworkPlan.Convolution, source: Value, prequantized: Value?) throws -> Value {
        let split = phaseSplit(planned)
        let name = planned.layer.name
        let phaseCount = split.phases.count, outs = split.outChannels
        let range = planned.int8 ? try inputRange(of: planned) : nil
        let type = planned.bf16Output ? dnnl_bf16 : dnnl_f32
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

    /// Whether oneDNN has an optimized int8 convolution writing bf16 on this CPU: a small one
    /// is described, and its kernel must not be a reference one.
    func probeBF16Output() -> Bool {
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

    /// Where a convolution reading `source` pads and how large its output is: whether it mirrors
    /// its input (a 1x1 convolution reads no border: nothing to mirror, no copy), the zeros
    /// oneDNN adds (none for a mirrored input, which arrives already grown by the padding), and
    /// the output size, which the padding decides either way.
    func geometry(_ prepared: PreparedConvolution, source: Value)
        -> (mirror: Bool, zeros: ConvolutionPadding, outHeight: Int, outWidth: Int) {
        let conv = prepared.layer
        let k = conv.kernel, s = conv.stride, pad = k / 2
        let mirror = conv.padding == .reflect && pad > 0
        let padding = prepared.padding ?? .symmetric(pad)
        return (mirror, mirror ? .none : padding, (source.height + padding.top + padding.bottom - k) / s + 1,
                (source.width + padding.left + padding.right - k) / s + 1)
    }

    func addConvolution(_ prepared: PreparedConvolution, source: Value, sigmoid: Bool,
                                sourceConverted: (Value) -> Void) throws -> Value {
        let conv = prepared.layer
        let label = prepared.label
        let k = conv.kernel, s = conv.stride
        let (mirror, zeros, outHeight, outWidth) = geometry(prepared, source: source)
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
            src = try mirrored(source, by: k / 2, into: wantedSrc, label: label + " input")
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
        return try appendConvolution(pd, prepared, source: src, weights: weights, bias: prepared.bias, destination: wantedDst,
                                     height: outHeight, width: outWidth, sigmoid: sigmoid, label: label)
    }

    /// How an int8 convolution will run, before any step is recorded: its primitive descriptor
    /// (the caller destroys `pd`) and the scales. Built once for the convolution itself and, with
    /// the same inputs, by a fused norm before it to learn the layout it must quantize into.
    struct QuantizedPlan {
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
    func quantizedPlan(_ prepared: PreparedConvolution, source: Value, inputRange: Float, sigmoid: Bool,
                               label: String) throws -> QuantizedPlan {
        let conv = prepared.layer
        let k = conv.kernel, s = conv.stride
        let (mirror, zeros, outHeight, outWidth) = geometry(prepared, source: source)
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
    func addQuantizedConvolution(_ prepared: PreparedConvolution, source: Value, inputRange: Float,
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

        let accumulatorBias = prepared.bias.map { values in values.indices.map { values[$0] * inputScale * weightScales[$0] } }
        return try appendConvolution(pd, prepared, source: quantized, weights: weights, bias: accumulatorBias,
                                     destination: wantedDst, height: outHeight, width: outWidth, sigmoid: sigmoid, label: label)
    }

    /// Records the convolution step `pd` reading `source` with prepared `weights` and `bias`
    /// values (as the primitive adds them), writing its output (see `output`).
    private func appendConvolution(_ pd: dnnl_primitive_desc_t, _ prepared: PreparedConvolution, source: Value,
                                   weights: dnnl_memory_t, bias: [Float]?, destination wantedDst: dnnl_memory_desc_t,
                                   height: Int, width: Int, sigmoid: Bool, label: String) throws -> Value {
        let dst = try output(wantedDst, prepared, label: label)
        var args: [(Int32, dnnl_memory_t)] = [(vs_dnnl_arg_src(), source.memory), (vs_dnnl_arg_weights(), weights),
                                              (vs_dnnl_arg_dst(), dst.memory)]
        if let bias {
            let memory = try graph.memory(try memoryDescriptor([prepared.layer.outChannels], dnnl_a), label + " bias")
            try bias.withUnsafeBytes { bytes in
                try graph.handle(of: memory).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            }
            args.append((vs_dnnl_arg_bias(), memory))
        }
        graph.append(try graph.primitive(pd, label), args, label: label)
        return Value(memory: dst.memory, buffer: dst.buffer, md: wantedDst, channels: prepared.layer.outChannels, height: height,
                     width: width, nonNegative: sigmoid)
    }

    /// A convolution's output: a new activation, or the plane of a shared buffer it was given.
    func output(_ wanted: dnnl_memory_desc_t, _ prepared: PreparedConvolution, label: String) throws
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
    func paddedDims(_ source: Value, _ conv: Layer.Convolution) -> [Int] {
        let pad = conv.kernel / 2
        guard conv.padding == .reflect, pad > 0 else { return source.dims }
        return [1, source.channels, source.height + 2 * pad, source.width + 2 * pad]
    }
}
