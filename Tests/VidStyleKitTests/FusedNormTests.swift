import CKernels
import Foundation
import Testing
@testable import VidStyleKit

/// The fused instance norm (CKernels): on its own against a plain Swift reference, and in
/// a network against oneDNN's batch normalization, residual add and quantizing reorders, which
/// it replaces.
@Suite("Fused norm")
struct FusedNormTests {
    /// The upper half of each value's bits, rounded to nearest even: what oneDNN writes as bf16.
    static func bf16Bits(_ values: [Float]) -> [UInt16] {
        values.map { value in
            let bits = value.bitPattern
            return UInt16((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)
        }
    }

    /// Runs one job on `source` (NHWC, `channels` per pixel; given to the kernel as bf16 when
    /// `bf16`) and returns the fp32 and quantized outputs.
    private func run(_ source: [Float], channels: Int, scale: [Float], shift: [Float], relu: Bool, residual: [Float]?,
                     quantizeScale: Float, signed: Bool, bf16: Bool = false) -> (fp32: [Float], quantized: [Int]) {
        var output = [Float](repeating: .nan, count: source.count)
        var bytes = [UInt8](repeating: 0, count: source.count)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: Int(vs_norm_scratch_bytes(Int32(channels))), alignment: 64)
        defer { scratch.deallocate() }
        let halves = Self.bf16Bits(source)
        source.withUnsafeBytes { floats in halves.withUnsafeBytes { halfBytes in
            let src = bf16 ? halfBytes : floats
            scale.withUnsafeBufferPointer { scalePointer in
                shift.withUnsafeBufferPointer { shiftPointer in
                    (residual ?? []).withUnsafeBufferPointer { res in
                        output.withUnsafeMutableBufferPointer { out in
                            bytes.withUnsafeMutableBytes { q in
                                var job = vs_norm_job(
                                    source: src.baseAddress!, residual: residual == nil ? nil : res.baseAddress,
                                    output: out.baseAddress, quantized: q.baseAddress,
                                    pixels: Int64(source.count / channels), channels: Int32(channels),
                                    scale: scalePointer.baseAddress, shift: shiftPointer.baseAddress, epsilon: Layer.normEpsilon,
                                    relu: relu ? 1 : 0, quantize_scale: quantizeScale, quantized_signed: signed ? 1 : 0,
                                    partial_sums: scratch.assumingMemoryBound(to: Double.self),
                                    factors: (scratch + Int(VS_NORM_MAX_PARTS) * 2 * channels * 8).assumingMemoryBound(to: Float.self),
                                    depth_to_space: 1, source_width: 0, source_bf16: bf16 ? 1 : 0)
                                vs_norm_run(&job)
                            }
                        }
                    }
                }
            }
        } }
        return (output, bytes.map { signed ? Int(Int8(bitPattern: $0)) : Int($0) })
    }

    /// Statistics per channel over every pixel, scale and shift, ReLU before the residual,
    /// rounding to nearest and saturation at the type's limits, in u8 and s8; with an odd channel
    /// count (the general loops) and the widths the kernels have their own loops for.
    /// With `bf16` the kernel reads the source as the upper halves of the values (as an int8
    /// convolution writes it for the norm), and the reference takes the values so rounded.
    @Test(arguments: [(true, false, 5, false), (false, true, 5, false), (true, false, 16, false), (false, true, 32, false),
                      (true, true, 64, false), (false, false, 5, true), (true, true, 16, true), (false, true, 64, true)])
    func matchesAPlainReference(relu: Bool, signed: Bool, channels: Int, bf16: Bool) throws {
        let pixels = 997  // odd: no part of the work divides evenly, and the last block is partial
        let exact = (0..<(channels * pixels)).map { i in Float((i * 7919) % 1000) / 100 - 3 + Float(i % channels % 5) }
        let source = bf16 ? Self.bf16Bits(exact).map { Float(bitPattern: UInt32($0) << 16) } : exact
        if bf16 { #expect(source != exact, "the test values should need rounding to bf16") }
        let residual = relu ? nil : (0..<(channels * pixels)).map { Float(($0 * 31) % 17) / 8 - 1 }
        let scales: [Float] = [1, 0.5, 2, -1, 3], shifts: [Float] = [0, 0.25, -0.5, 1, 0]
        let scale = (0..<channels).map { scales[$0 % 5] }, shift = (0..<channels).map { shifts[$0 % 5] }
        let quantizeScale: Float = 60
        let got = run(bf16 ? exact : source, channels: channels, scale: scale, shift: shift, relu: relu, residual: residual,
                      quantizeScale: quantizeScale, signed: signed, bf16: bf16)
        var sawSaturation = false
        for c in 0..<channels {
            let values = (0..<pixels).map { Double(source[$0 * channels + c]) }
            let mean = values.reduce(0, +) / Double(pixels)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(pixels)
            for p in 0..<pixels {
                let i = p * channels + c
                var y = (values[p] - mean) / (variance + Double(Layer.normEpsilon)).squareRoot() * Double(scale[c]) + Double(shift[c])
                if relu { y = max(0, y) }
                if let residual { y += Double(residual[i]) }
                #expect(abs(Double(got.fp32[i]) - y) < 1e-4, "channel \(c) pixel \(p)")
                let limits = signed ? (-128.0, 127.0) : (0.0, 255.0)
                let scaled = y * Double(quantizeScale)
                let expected = min(limits.1, max(limits.0, scaled.rounded(.toNearestOrEven)))
                if scaled < limits.0 || scaled > limits.1 { sawSaturation = true }
                // A value within float rounding of a half step may round either way.
                #expect(abs(Double(got.quantized[i]) - expected) <= (abs(scaled.truncatingRemainder(dividingBy: 1)) - 0.5 < 1e-3 ? 1 : 0),
                        "channel \(c) pixel \(p): \(got.quantized[i]) vs \(expected)")
            }
        }
        #expect(sawSaturation, "the test data should reach the saturation limits")
    }

    private func output(_ model: StyleModel, _ precision: Precision, fuse: Bool) throws -> (values: [Float], network: StyleNetwork) {
        try GoldenNetworkRun.output(model, precision, fuseNorms: fuse)
    }

    /// In an int8 network every norm of the fixture runs fused, residual adds and the quantizing
    /// reorders after norms are gone; in fp32 the norms whose convolution writes NHWC run fused
    /// (at this size oneDNN's fp32 kernels pick a blocked layout for some). Either way the
    /// picture is what oneDNN's own steps make: the same to float rounding in fp32, and in int8
    /// up to the few values whose rounding flips.
    @Test(arguments: [Precision.fp32, .int8])
    func replacesOneDNNsStepsWithTheSameResult(precision: Precision) throws {
        let model = try StyleModel.load(contentsOf: Fixtures.url("tiny-model-int8"))
        let fused = try output(model, precision, fuse: true)
        let plain = try output(model, precision, fuse: false)
        let steps = fused.network.stepImplementations
        let norms = model.layers.filter { if case .norm = $0 { return true } else { return false } }.count
        let fusedCount = steps.filter { $0.hasSuffix(": vidstyle:fused_norm") }.count
        #expect(!plain.network.stepImplementations.contains { $0.hasSuffix(": vidstyle:fused_norm") })
        if precision == .int8 {
            #expect(fusedCount == norms, "\(steps)")
            #expect(steps.contains { $0.contains("+ residual add:") })
            #expect(!steps.contains { $0.hasPrefix("residual add:") }, "\(steps)")
            #expect(plain.network.stepImplementations.contains { $0.hasPrefix("residual add:") })
        } else {
            #expect(fusedCount > 0, "\(steps)")
        }
        let largest = zip(fused.values, plain.values).map { abs($0 - $1) }.max() ?? 0
        if precision == .int8 {
            // Only the first convolution (the image) still quantizes in a reorder: the one after
            // the upsampling runs as phase convolutions on what the norm before it quantized.
            let reorders = steps.filter { $0.contains(" int8 quantize:") }.map { $0.prefix { $0 != ":" } }
            #expect(reorders == ["conv enc1 int8 quantize"], "\(steps)")
            #expect(!steps.contains { $0.hasPrefix("upsample") }, "\(steps)")
            #expect(steps.filter { $0.hasPrefix("conv dec1 phase ") }.count == 4, "\(steps)")
            #expect(largest < 0.02, "largest difference \(largest)")
        } else {
            #expect(largest < 1e-4, "largest difference \(largest)")
        }
    }
}
