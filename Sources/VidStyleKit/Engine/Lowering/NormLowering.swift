import CDNNL
import CKernels
import Foundation

/// Lowering of instance norms: our fused step (CKernels: statistics, scale, shift, ReLU, a
/// residual add, the next int8 convolution's quantized input, a phase split's depth to space),
/// or oneDNN's batch normalization on one image where the plan keeps it.
extension StyleNetwork {
    /// A norm on an NHWC fp32 `source` as one fused step (CKernels): the statistics, scale,
    /// shift and ReLU, then `residual` added when given (a residual add that followed the norm),
    /// then the outputs. When `consumer` is the int8 convolution that reads the result next and
    /// wants it in plain NHWC bytes (any convolution that does not mirror its input, with the
    /// kernels measured here), the step also writes that quantized input, returned as `quantized`
    /// for `addQuantizedConvolution`, so no reorder reads the fp32 result again; the fp32 result
    /// is then written only when `fp32Needed` (a residual add later reads it).
    /// With `depthToSpace` f > 1, `source` is a `PhaseSplitConvolution`'s output (f·f phases of
    /// the norm's channels at 1/f of the size) and the results are written at full size.
    func addFusedNorm(_ planned: NetworkPlan.Norm, source given: Value, residual: Value?, inPlace: Bool,
                      quantizeFor consumer: (conv: PreparedConvolution, range: Float, sigmoid: Bool)?) throws
        -> (value: Value, quantized: Value?) {
        let norm = planned.layer, f = planned.depthToSpace, fp32Needed = planned.writesFP32
        let label = "norm \(norm.name)" + (residual == nil ? "" : " + residual add") + (f > 1 ? " + depth to space x\(f)" : "")
        precondition(f == 1 || residual == nil, "a depth-to-space norm takes no residual")
        // The kernel reads NHWC (a phase split's planes always are): a convolution that wrote
        // another layout (where oneDNN had no NHWC kernel) gets a layout step first.
        let nhwc = try memoryDescriptor(given.dims, dnnl_nhwc, given.md.data_type)
        let source = f > 1 ? given : try converted(given, to: nhwc, label: label + " input layout")
        let inPlace = inPlace || source.memory != given.memory
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

    func addNorm(_ norm: Layer.Normalization, source: Value, inPlace: Bool) throws -> Value {
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
}
