import CDNNL
import CKernels
import Foundation

/// Lowering of the convolutions our Winograd kernel runs (`KernelSelection.Family.winogradAVX2`).
extension StyleNetwork {
    /// A 3x3 stride-1 convolution in our Winograd kernel (`KernelSelection.Family.winogradAVX2`):
    /// fp32 NHWC in and out (the fused norms' layout, so usually no conversion either side), its
    /// padding (zeros or mirrored) done inside the kernel. The weights are transformed once here.
    func addWinogradConvolution(_ prepared: PreparedConvolution, source: Value,
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
}
