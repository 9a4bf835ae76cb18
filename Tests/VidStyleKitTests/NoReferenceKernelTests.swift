import CDNNL
import Foundation
import Testing
@testable import VidStyleKit

/// oneDNN quietly falls back to its scalar reference kernels (`ref:any`, 100-500x slower) when
/// no optimized kernel takes a descriptor; on AVX2 that once made the default path 7.6x slower
/// than PyTorch and nothing noticed. Every step of the shipped network, zero-padded as shipped
/// and reflect-padded as the next model will be, must run an optimized kernel in every
/// precision, at the demo's size and at an odd small one.
///
/// The suite checks the CPU level it runs on; `make test` (and so CI) runs it a second time
/// under `ONEDNN_MAX_CPU_ISA=AVX2`, which oneDNN and our own kernels honour on any x86-64, so an
/// AVX-512 machine checks the AVX2 dispatch too.
@Suite("No reference kernels")
struct NoReferenceKernelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let precision: Precision
        let reflect: Bool
        let width: Int
        let height: Int
        var testDescription: String { "\(precision.rawValue), \(reflect ? "reflect" : "zero") padding, \(width)x\(height)" }
    }

    /// 688x408 is the network size for a 640x360 frame (24 px margins); 100x52 is small and odd
    /// at the residual blocks' quarter size (25x13).
    static let cases: [Case] = [Precision.fp32, .int8].flatMap { precision in
        [false, true].flatMap { reflect in
            [(688, 408), (100, 52)].map { Case(precision: precision, reflect: reflect, width: $0.0, height: $0.1) }
        }
    }

    /// The shipped model, or the same weights with every convolution mirroring its input.
    static func shippedModel(reflect: Bool) throws -> StyleModel {
        let url = try ModelLocator.locate(explicit: nil, environment: [:])
        return reflect ? try Fixtures.mirroredModel(url) : try StyleModel.load(contentsOf: url)
    }

    @Test(arguments: cases)
    func everyStepRunsAnOptimizedKernel(_ testCase: Case) throws {
        let model = try Self.shippedModel(reflect: testCase.reflect)
        let network = try StyleNetwork(model: model, width: testCase.width, height: testCase.height,
                                       precision: testCase.precision, acceptingBytes: true)
        let steps = network.stepImplementations
        print("no-reference check (\(testCase.testDescription), ISA \(CPUFeatures.current.level.rawValue)): \(steps.count) steps")
        #expect(steps.count > 10)
        let reference = steps.filter { $0.contains(": ref") || $0.hasSuffix("unknown") }
        #expect(reference.isEmpty, "reference kernels: \(reference)")
        network.input.update(repeating: 0.5, count: 3 * testCase.width * testCase.height)
        if let bytes = network.byteInput { bytes.pixels.update(repeating: 128, count: 3 * testCase.width * testCase.height) }
        try network.run()
        #expect(network.output[0].isFinite)
    }

    /// When the run is capped (as `make test`'s second pass does), the cap must have taken hold,
    /// for oneDNN and for our own kernels alike, or the AVX2 check above checked nothing.
    @Test func aCapOnTheInstructionSetHoldsForEveryKernel() {
        let cap = ProcessInfo.processInfo.environment["ONEDNN_MAX_CPU_ISA"]?.uppercased()
        let level = CPUFeatures.current.level
        print("ISA level: \(level.rawValue) (ONEDNN_MAX_CPU_ISA=\(cap ?? "unset"))")
        if cap == "AVX2" {
            #expect(level == .avx2)
            #expect(CPUFeatures.current.kernelLevel <= 2, "our kernels ran above AVX2: \(CPUFeatures.current.kernelLevel)")
        }
    }
}
