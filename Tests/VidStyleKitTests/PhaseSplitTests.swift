import Foundation
import Testing
@testable import VidStyleKit

/// An upsampling followed by a convolution and a norm runs as four phase convolutions at the
/// small size and a norm that puts the phases in place (`PhaseSplitConvolution`): it must give
/// what upsampling and convolving give (the naive reference), and must stay out of the way where
/// it does not hold (a mirroring convolution, a residual add right after the norm, norms not
/// fused).
@Suite("Phase split after upsampling")
struct PhaseSplitTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let kernel: Int
        let relu: Bool
        var residual = false
        var reflect = false
        var splits: Bool { !residual && !reflect }
        var testDescription: String {
            "\(kernel)x\(kernel), ReLU \(relu)\(residual ? ", residual add after the norm" : "")\(reflect ? ", reflect padding" : "")"
        }
    }

    static let cases = [
        Case(kernel: 3, relu: true), Case(kernel: 3, relu: false), Case(kernel: 5, relu: true),
        Case(kernel: 3, relu: true, residual: true), Case(kernel: 3, relu: true, reflect: true),
    ]

    /// conv (stride 2 unless a residual needs the size kept) → norm → [save → conv stride 2] →
    /// upsample ×2 → conv k x k → norm → [add] → conv → sigmoid.
    static func layers(_ testCase: Case) -> [[String: Any]] {
        let padding = testCase.reflect ? "reflect" : "zeros"
        var layers: [[String: Any]] = [
            ["op": "conv", "name": "a", "in": 3, "out": 8, "kernel": 3, "stride": testCase.residual ? 1 : 2, "bias": true, "padding": padding],
            ["op": "norm", "name": "n1", "channels": 8, "relu": true],
        ]
        if testCase.residual {
            layers += [["op": "save"], ["op": "conv", "name": "s", "in": 8, "out": 8, "kernel": 3, "stride": 2, "bias": false, "padding": padding]]
        }
        layers += [
            ["op": "upsample", "factor": 2],
            ["op": "conv", "name": "b", "in": 8, "out": 8, "kernel": testCase.kernel, "stride": 1, "bias": false, "padding": padding],
            ["op": "norm", "name": "n2", "channels": 8, "relu": testCase.relu],
        ]
        if testCase.residual { layers.append(["op": "add"]) }
        layers += [
            ["op": "conv", "name": "c", "in": 8, "out": 3, "kernel": 3, "stride": 1, "bias": true, "padding": padding],
            ["op": "sigmoid"],
        ]
        return layers
    }

    static func tensors(_ testCase: Case, _ generator: inout SplitMix) -> [String: (shape: [Int], values: [Float])] {
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        func random(_ name: String, _ shape: [Int], scale: Float, offset: Float = 0) {
            tensors[name] = (shape, (0..<shape.reduce(1, *)).map { _ in offset + scale * generator.nextSigned() })
        }
        let k = testCase.kernel
        random("a.weight", [8, 3, 3, 3], scale: 0.4); random("a.bias", [8], scale: 0.1)
        random("n1.scale", [2, 8], scale: 0.3, offset: 1); random("n1.shift", [2, 8], scale: 0.2)
        if testCase.residual { random("s.weight", [8, 8, 3, 3], scale: 0.3) }
        random("b.weight", [8, 8, k, k], scale: 0.9 / Float(k))
        random("n2.scale", [2, 8], scale: 0.3, offset: 1); random("n2.shift", [2, 8], scale: 0.2)
        random("c.weight", [3, 8, 3, 3], scale: 0.3); random("c.bias", [3], scale: 0.1)
        return tensors
    }

    @Test(arguments: cases)
    func matchesUpsamplingThenConvolving(_ testCase: Case) throws {
        var generator = SplitMix(seed: 7)
        let tensors = Self.tensors(testCase, &generator)
        let url = try Fixtures.temporaryFile(GenericArchitectureTests.modelFile(tensors, layers: Self.layers(testCase),
                                                                                formatVersion: 2))
        let model = try StyleModel.load(contentsOf: url)
        // Not square, and the small size odd (5 x 3 at the upsampling) so no edge case hides.
        let (width, height) = (20, 12)
        let input = (0..<(3 * width * height)).map { _ in 0.5 + 0.5 * generator.nextSigned() }
        let weights: [Float] = [0.6, 0.4]

        func output(fuseNorms: Bool) throws -> (values: [Float], steps: [String]) {
            let network = try StyleNetwork(model: model, width: width, height: height, useWinograd: false,
                                           shareActivations: true, fuseNorms: fuseNorms)
            try network.setStyleWeights(weights)
            input.withUnsafeBufferPointer { network.input.update(from: $0.baseAddress!, count: $0.count) }
            try network.run()
            try network.run()
            return (Array(UnsafeBufferPointer(start: network.output, count: input.count)), network.stepImplementations)
        }
        let expected = Reference.forward(layers: model.layers, tensors: model.tensors, input: input,
                                         width: width, height: height, styleWeights: weights)
        let fused = try output(fuseNorms: true)
        // The phase convolutions themselves ("conv b phase 0: <kernel>"), not a layout step
        // before the first (fp32 on AVX2 wants a blocked input layout).
        let phaseSteps = fused.steps.filter { step in (0..<4).contains { step.hasPrefix("conv b phase \($0): ") } }
        #expect(phaseSteps.count == (testCase.splits ? 4 : 0), "\(fused.steps)")
        #expect(fused.steps.contains { $0.contains("upsample") } == !testCase.splits, "\(fused.steps)")
        #expect(fused.steps.contains { $0.hasPrefix("norm n2 + depth to space x2") } == testCase.splits, "\(fused.steps)")
        let error = relativeError(fused.values, expected)
        print("phase split (\(testCase.testDescription)) relative L2 error: \(error)")
        #expect(error <= 1e-5)

        // With oneDNN's own norms nothing is rewritten, and the two builds agree.
        let plain = try output(fuseNorms: false)
        #expect(!plain.steps.contains { $0.contains("phase") })
        #expect(relativeError(plain.values, fused.values) <= 1e-5)
    }

    /// The rewritten weights on their own: each phase is the original kernel's taps summed where
    /// they land on the same small pixel, with the padding that reaches the right neighbours.
    @Test func phaseWeightsSumTheTapsThatMeet() {
        let conv = Layer.Convolution(name: "b", inChannels: 1, outChannels: 1, kernel: 3, stride: 1, hasBias: false)
        let original: [Float] = [1, 2, 4, 8, 16, 32, 64, 128, 256]  // rows (-1, 0, +1) x columns (-1, 0, +1)
        let split = PhaseSplitConvolution(convolution: conv, weights: original, bias: nil)
        #expect(split.phases.count == 4)
        // Phase (0, 0) reads small rows/columns (-1, 0): upsampled offsets 0 and +1 both land on 0.
        let phase00: [Float] = [1, 6, 72, 432]  // [1, 2 + 4, 8 + 64, 16 + 32 + 128 + 256]
        #expect(split.phases[0].weights == phase00)
        #expect(split.phases[0].padding == ConvolutionPadding(top: 1, left: 1, bottom: 0, right: 0))
        // Phase (1, 1) reads (0, +1): offsets -1 and 0 land on 0.
        let phase11: [Float] = [27, 36, 192, 256]  // [1 + 2 + 8 + 16, 4 + 32, 64 + 128, 256]
        #expect(split.phases[3].weights == phase11)
        #expect(split.phases[3].padding == ConvolutionPadding(top: 0, left: 0, bottom: 1, right: 1))
        #expect(split.phases.allSatisfy { $0.layer.kernel == 2 && $0.layer.outChannels == 1 })
    }

    func relativeError(_ actual: [Float], _ expected: [Float]) -> Double {
        GenericArchitectureTests().relativeError(actual, expected)
    }
}
