import CKernels
import Foundation
import Testing
@testable import VidStyleKit

/// Our Winograd F(4x4,3x3) kernel (CKernels, `WinogradKernels.h`) against the naive reference:
/// the kernel alone on odd sizes, channel counts and both paddings, then inside networks (fp32,
/// and int8 networks whose 3x3 stride-1 convolutions it takes in fp32).
@Suite("Winograd convolution (AVX2)", .enabled(if: vs_winograd_supported() != 0 && vs_kernel_level() >= VS_KERNEL_LEVEL_AVX2))
struct WinogradConvolutionTests {
    struct KernelCase: CustomTestStringConvertible, Sendable {
        let width: Int
        let height: Int
        let inChannels: Int
        let outChannels: Int
        let reflect: Bool
        let bias: Bool
        var testDescription: String {
            "\(width)x\(height), \(inChannels)->\(outChannels), \(reflect ? "reflect" : "zeros")\(bias ? ", bias" : "")"
        }
    }

    static let kernelCases: [KernelCase] = [
        KernelCase(width: 1, height: 1, inChannels: 8, outChannels: 8, reflect: false, bias: true),
        KernelCase(width: 2, height: 3, inChannels: 16, outChannels: 8, reflect: true, bias: false),
        KernelCase(width: 5, height: 7, inChannels: 8, outChannels: 24, reflect: false, bias: false),
        KernelCase(width: 13, height: 9, inChannels: 32, outChannels: 16, reflect: true, bias: true),
        KernelCase(width: 31, height: 17, inChannels: 64, outChannels: 64, reflect: false, bias: true),
        KernelCase(width: 31, height: 17, inChannels: 64, outChannels: 64, reflect: true, bias: false),
        KernelCase(width: 43, height: 26, inChannels: 64, outChannels: 32, reflect: false, bias: false),
    ]

    /// NHWC naive 3x3 convolution in double.
    static func naive(_ input: [Float], _ weights: [Float], _ bias: [Float]?, _ c: KernelCase) -> [Float] {
        func reflected(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i }
        var out = [Float](repeating: 0, count: c.width * c.height * c.outChannels)
        for y in 0..<c.height {
            for x in 0..<c.width {
                for o in 0..<c.outChannels {
                    var sum = Double(bias?[o] ?? 0)
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            var iy = y + ky - 1, ix = x + kx - 1
                            if c.reflect { iy = reflected(iy, c.height); ix = reflected(ix, c.width) }
                            guard iy >= 0, iy < c.height, ix >= 0, ix < c.width else { continue }
                            for i in 0..<c.inChannels {
                                sum += Double(weights[((o * c.inChannels + i) * 3 + ky) * 3 + kx])
                                    * Double(input[(iy * c.width + ix) * c.inChannels + i])
                            }
                        }
                    }
                    out[(y * c.width + x) * c.outChannels + o] = Float(sum)
                }
            }
        }
        return out
    }

    @Test(arguments: kernelCases)
    func kernelMatchesTheNaiveConvolution(_ c: KernelCase) throws {
        var generator = SplitMix(seed: UInt64(c.width * 1000 + c.height * 10 + (c.reflect ? 1 : 0)))
        let input = (0..<(c.width * c.height * c.inChannels)).map { _ in generator.nextSigned() }
        let weights = (0..<(c.outChannels * c.inChannels * 9)).map { _ in generator.nextSigned() / Float(c.inChannels).squareRoot() }
        let bias = c.bias ? (0..<c.outChannels).map { _ in generator.nextSigned() } : nil
        let padding = c.reflect ? Int32(VS_WINOGRAD_PAD_REFLECT) : Int32(VS_WINOGRAD_PAD_ZEROS)
        #expect(vs_winograd_shape_supported(Int32(c.inChannels), Int32(c.outChannels), Int32(c.height), Int32(c.width), padding) == 1)

        let ins = Int32(c.inChannels), outs = Int32(c.outChannels)
        var transformed = [Float](repeating: 0, count: Int(vs_winograd_weights_floats(ins, outs)))
        transformed.withUnsafeMutableBufferPointer { vs_winograd_transform_weights(weights, ins, outs, $0.baseAddress) }
        let threads = vs_kernel_max_threads()
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: Int(vs_winograd_scratch_bytes(ins, outs, threads)), alignment: 64)
        defer { scratch.deallocate() }
        var output = [Float](repeating: .nan, count: c.width * c.height * c.outChannels)
        input.withUnsafeBufferPointer { source in
            transformed.withUnsafeBufferPointer { transformedWeights in
                output.withUnsafeMutableBufferPointer { destination in
                    (bias ?? []).withUnsafeBufferPointer { biasValues in
                        var job = vs_winograd_job(source: source.baseAddress, destination: destination.baseAddress,
                                                  weights: transformedWeights.baseAddress,
                                                  bias: c.bias ? biasValues.baseAddress : nil, scratch: scratch,
                                                  height: Int32(c.height), width: Int32(c.width), in_channels: ins,
                                                  out_channels: outs, padding: padding, max_threads: threads)
                        vs_winograd_run(&job)
                    }
                }
            }
        }
        let expected = Self.naive(input, weights, bias, c)
        let error = GenericArchitectureTests().relativeError(output, expected)
        print("winograd kernel (\(c.testDescription)) relative L2 error: \(error)")
        #expect(!output.contains { !$0.isFinite })
        #expect(error < 1e-5)
    }

    /// Shapes the kernel must refuse, so the network keeps oneDNN for them.
    @Test func unsupportedShapesAreRefused() {
        let zeros = Int32(VS_WINOGRAD_PAD_ZEROS), reflect = Int32(VS_WINOGRAD_PAD_REFLECT)
        #expect(vs_winograd_shape_supported(3, 16, 10, 10, zeros) == 0)  // 3 input channels
        #expect(vs_winograd_shape_supported(16, 12, 10, 10, zeros) == 0)  // 12 output channels
        #expect(vs_winograd_shape_supported(16, 16, 1, 10, reflect) == 0)  // nothing to mirror
        #expect(vs_winograd_shape_supported(16, 16, 0, 10, zeros) == 0)
    }

    /// conv a (3->8, stride 2: the Winograd convolutions then see sizes that are no multiple of
    /// the 4x4 tile) -> norm -> save -> conv b (8->8, 3x3 stride 1) -> norm ReLU -> conv c (8->8,
    /// 3x3 stride 1) -> norm -> add -> upsample -> conv d (8->3) -> sigmoid.
    static func layers(reflect: Bool) -> [[String: Any]] {
        let padding = reflect ? "reflect" : "zeros"
        return [
            ["op": "conv", "name": "a", "in": 3, "out": 8, "kernel": 3, "stride": 2, "bias": false, "padding": padding],
            ["op": "norm", "name": "na", "channels": 8, "relu": true],
            ["op": "save"],
            ["op": "conv", "name": "b", "in": 8, "out": 8, "kernel": 3, "stride": 1, "bias": true, "padding": padding],
            ["op": "norm", "name": "nb", "channels": 8, "relu": true],
            ["op": "conv", "name": "c", "in": 8, "out": 8, "kernel": 3, "stride": 1, "bias": false, "padding": padding],
            ["op": "norm", "name": "nc", "channels": 8, "relu": false],
            ["op": "add"],
            ["op": "upsample", "factor": 2],
            ["op": "conv", "name": "d", "in": 8, "out": 3, "kernel": 3, "stride": 1, "bias": true, "padding": padding],
            ["op": "sigmoid"],
        ]
    }

    static func tensors(_ generator: inout SplitMix) -> [String: (shape: [Int], values: [Float])] {
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        func random(_ name: String, _ shape: [Int], scale: Float, offset: Float = 0) {
            tensors[name] = (shape, (0..<shape.reduce(1, *)).map { _ in offset + scale * generator.nextSigned() })
        }
        random("a.weight", [8, 3, 3, 3], scale: 0.4)
        for name in ["b", "c"] { random("\(name).weight", [8, 8, 3, 3], scale: 0.3) }
        random("b.bias", [8], scale: 0.2)
        random("d.weight", [3, 8, 3, 3], scale: 0.3); random("d.bias", [3], scale: 0.1)
        for name in ["na", "nb", "nc"] {
            random("\(name).scale", [2, 8], scale: 0.3, offset: 1); random("\(name).shift", [2, 8], scale: 0.2)
        }
        return tensors
    }

    @Test(arguments: [(20, 12, false), (20, 12, true), (36, 4, false), (4, 8, true), (44, 28, true)])
    func networkWithWinogradMatchesTheReference(width: Int, height: Int, reflect: Bool) throws {
        var generator = SplitMix(seed: 11)
        let tensors = Self.tensors(&generator)
        let url = try Fixtures.temporaryFile(GenericArchitectureTests.modelFile(tensors, layers: Self.layers(reflect: reflect),
                                                                                formatVersion: 2))
        let model = try StyleModel.load(contentsOf: url)
        let input = (0..<(3 * width * height)).map { _ in 0.5 + 0.5 * generator.nextSigned() }
        let weights: [Float] = [0.3, 0.7]
        let network = try StyleNetwork(model: model, width: width, height: height, useWinograd: true,
                                       shareActivations: true, kernels: .winograd)
        try network.setStyleWeights(weights)
        input.withUnsafeBufferPointer { network.input.update(from: $0.baseAddress!, count: $0.count) }
        try network.run()
        let steps = network.stepImplementations
        #expect(steps.contains("conv b: vidstyle:winograd_f4x4_avx2"), "\(steps)")
        #expect(steps.contains("conv c: vidstyle:winograd_f4x4_avx2"), "\(steps)")
        #expect(!steps.contains { $0.hasPrefix("conv a:") && $0.contains("winograd") }, "stride 2 stays oneDNN's")
        let output = Array(UnsafeBufferPointer(start: network.output, count: input.count))
        let expected = Reference.forward(layers: model.layers, tensors: model.tensors, input: input,
                                         width: width, height: height, styleWeights: weights)
        let error = GenericArchitectureTests().relativeError(output, expected)
        print("network with winograd (\(width)x\(height), \(reflect ? "reflect" : "zeros")) relative L2 error: \(error)")
        #expect(error < 1e-5)
    }

    /// In an int8 network our fp32 Winograd takes the residual convolutions and oneDNN's int8
    /// kernels the rest: the norm before a Winograd convolution writes fp32 for it, not bytes.
    @Test func int8NetworksHandTheirResidualConvolutionsToWinograd() throws {
        let model = try StyleModel.load(contentsOf: Int8PrecisionTests.calibratedModel)
        let fp32 = try GoldenNetworkRun.output(model, .fp32)
        let mixed = try GoldenNetworkRun.output(model, .int8, kernels: .winograd)
        let plain = try GoldenNetworkRun.output(model, .int8)
        let steps = mixed.network.stepImplementations
        #expect(steps.contains { $0.hasPrefix("conv res0_a: vidstyle:winograd") }, "\(steps)")
        #expect(!mixed.network.quantizedConvolutions.contains("res0_a"))
        #expect(mixed.network.quantizedConvolutions.contains("enc2"))
        let mixedQuality = Int8PrecisionTests().psnr(mixed.values, fp32.values)
        let plainQuality = Int8PrecisionTests().psnr(plain.values, fp32.values)
        print("golden int8 vs fp32 PSNR: \(plainQuality) dB; with Winograd residual convolutions: \(mixedQuality) dB")
        #expect(mixedQuality > 35)
    }
}
