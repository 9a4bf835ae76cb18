import CKernels
import Foundation
import Testing
@testable import VidStyleKit

/// The plan alone, without oneDNN: which layers of the shipped network fuse into one step, and
/// which kernel family and precision each convolution gets on each CPU level.
@Suite("Network plan")
struct NetworkPlanTests {
    static let model = try! StyleModel.load(contentsOf: ModelLocator.locate(explicit: nil, environment: [:]))
    static var calibrated: Set<String> { Set(model.quantization!.inputRanges.keys) }
    static let residualConvolutions = ["res0_a", "res0_b", "res1_a", "res1_b", "res2_a", "res2_b"]
    /// Whether our Winograd kernel can run on this machine at all (it needs AVX2 and FMA).
    static let winogradHere = vs_winograd_supported() != 0 && vs_kernel_level() >= VS_KERNEL_LEVEL_AVX2

    static func plan(_ level: CPUFeatures.Level, _ precision: Precision, choice: ConvolutionKernelChoice = .auto,
                     fuseNorms: Bool = true, bf16: Bool = false) -> NetworkPlan {
        NetworkPlan(layers: model.layers, width: 688, height: 408, precision: precision, calibrated: calibrated,
                    kernels: KernelSelection(cpu: CPUFeatures(level: level), choice: choice),
                    fuseNorms: fuseNorms, bf16ConvolutionOutputs: bf16)
    }

    func convolution(_ plan: NetworkPlan, _ name: String) throws -> NetworkPlan.Convolution {
        try #require(plan.convolutions.first { $0.layer.name == name })
    }

    func norm(_ plan: NetworkPlan, _ name: String) throws -> NetworkPlan.Norm {
        try #require(plan.steps.lazy.compactMap { step -> NetworkPlan.Norm? in
            if case .norm(let norm) = step, norm.layer.name == name { return norm } else { return nil }
        }.first)
    }

    /// On AVX2 our Winograd takes the six residual convolutions in fp32 and oneDNN's int8
    /// kernels the rest; the norms before a Winograd convolution write fp32 for it, the others
    /// quantize for their int8 convolution.
    @Test(.enabled(if: winogradHere)) func int8OnAVX2HandsTheResidualConvolutionsToWinograd() throws {
        let plan = Self.plan(.avx2, .int8)
        for name in Self.residualConvolutions {
            let conv = try convolution(plan, name)
            #expect(conv.family == .winogradAVX2 && !conv.int8, "\(name)")
        }
        for name in ["enc1", "enc2", "enc3", "dec1", "dec2"] {
            let conv = try convolution(plan, name)
            #expect(conv.family == .oneDNN && conv.int8, "\(name)")
        }
        let enc2Norm = try norm(plan, "enc2_norm")
        #expect(enc2Norm.quantizesFor == "enc3" && !enc2Norm.writesFP32)
        let enc3Norm = try norm(plan, "enc3_norm")
        #expect(enc3Norm.quantizesFor == nil && enc3Norm.writesFP32, "the next convolution is a Winograd one")
        let last = try norm(plan, "res2_b_norm")
        #expect(last.addsResidual && last.quantizesFor == "dec1" && !last.writesFP32)
    }

    /// With VNNI oneDNN runs everything in int8; the norm before a residual block both saves its
    /// fp32 result for the add and quantizes for the block's first convolution.
    @Test func int8WithVNNIStaysInOneDNN() throws {
        let plan = Self.plan(.avx512VNNI, .int8, bf16: true)
        #expect(plan.convolutions.allSatisfy { $0.family == .oneDNN && $0.int8 })
        let enc3Norm = try norm(plan, "enc3_norm")
        #expect(enc3Norm.quantizesFor == "res0_a" && enc3Norm.writesFP32)
        #expect(try convolution(plan, "res0_a").bf16Output)
        #expect(try !convolution(plan, "dec2").bf16Output, "dec2 is followed by a sigmoid, not a norm")
    }

    /// The shape of the whole plan: nine fused norms and a phase-split one, three residual adds
    /// taken into norms, dec1 as phases, the sigmoid moved into dec2 and the shuffle left to the
    /// output.
    @Test func fusionsOfTheShippedNetwork() throws {
        let plan = Self.plan(.avx512VNNI, .int8)
        #expect(plan.finalShuffle == 2)
        #expect(!plan.steps.contains(.sigmoid) && !plan.steps.contains(.add))
        #expect(!plan.steps.contains { if case .upsample = $0 { true } else { false } })
        #expect(plan.steps.contains { if case .phaseSplit(let conv, 2) = $0 { conv.layer.name == "dec1" } else { false } })
        #expect(try convolution(plan, "dec2").fusesSigmoid)
        #expect(try norm(plan, "dec1_norm").depthToSpace == 2)
        let norms = plan.steps.compactMap { if case .norm(let norm) = $0 { norm } else { nil } }
        #expect(norms.count == 10 && norms.allSatisfy(\.fused))
        #expect(norms.filter(\.addsResidual).map(\.layer.name) == ["res0_b_norm", "res1_b_norm", "res2_b_norm"])
        #expect(plan.steps.filter { $0 == .save }.count == 3)
    }

    /// fp32 never quantizes; without fused norms (the comparison build) nothing is rewritten and
    /// oneDNN runs every convolution.
    @Test func fp32AndUnfusedPlans() throws {
        let fp32 = Self.plan(.avx2, .fp32)
        #expect(fp32.convolutions.allSatisfy { !$0.int8 })
        #expect(fp32.steps.allSatisfy { if case .norm(let norm) = $0 { norm.quantizesFor == nil } else { true } })
        #expect(try convolution(fp32, "res1_a").family == (Self.winogradHere ? .winogradAVX2 : .oneDNN))
        let onednn = Self.plan(.avx2, .fp32, choice: .onednn)
        #expect(onednn.convolutions.allSatisfy { $0.family == .oneDNN })
        let unfused = Self.plan(.avx2, .int8, choice: .winograd, fuseNorms: true)
        #expect(try convolution(unfused, "dec1").family == .oneDNN, "a phase split stays oneDNN's")
        let plain = NetworkPlan(layers: Self.model.layers, width: 688, height: 408, precision: .fp32, calibrated: [],
                                kernels: KernelSelection(cpu: .current, choice: .onednn),
                                fuseNorms: false, bf16ConvolutionOutputs: false)
        #expect(plain.steps.contains(.upsample(factor: 2)) && plain.steps.filter { $0 == .add }.count == 3)
        #expect(plain.steps.allSatisfy { if case .norm(let norm) = $0 { !norm.fused } else { true } })
    }
}
