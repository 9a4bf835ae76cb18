import CKernels

/// Which family of kernels runs each convolution: decided here, in one place, from the CPU's
/// level and the measurements in docs/performance.md ("Which kernel runs where").
///
/// oneDNN is the default everywhere. Our own Winograd F(4x4,3x3) kernel (CKernels,
/// `WinogradKernels.h`: a quarter of the multiplies of a direct 3x3 convolution) takes the
/// 3x3 stride-1 convolutions where oneDNN has nothing as fast: CPUs whose best level is AVX2,
/// where oneDNN 2.6 has no Winograd (it has it only for AVX-512). Measured on a Zen 3 AVX2 CPU,
/// in the network: 4x oneDNN's fp32 kernel and 1.4x its int8 kernel (which needs two
/// instructions per pair of multiply-adds without VNNI), whichever precision the network runs
/// in. On AVX-512 oneDNN's own Winograd (fp32) and its VNNI kernels (int8) were measured
/// faster, so they run there. AVX2 with VNNI (Alder Lake and later) is not measured; it is
/// treated as AVX2.
struct KernelSelection {
    /// Convolution kernel families.
    enum Family: String, Sendable {
        /// oneDNN's convolution in the network's precision.
        case oneDNN
        /// Our fp32 Winograd kernel for AVX2 (`vs_winograd_run`), NHWC in and out.
        case winogradAVX2
    }

    let cpu: CPUFeatures
    let choice: ConvolutionKernelChoice

    /// The family for `conv` reading a `width` x `height` input; `phase`: one phase of a
    /// `PhaseSplitConvolution` (its own asymmetric padding: oneDNN's); `fusesSigmoid`: a sigmoid
    /// follows it as a post-op (oneDNN's).
    func family(for conv: Layer.Convolution, height: Int, width: Int, phase: Bool, fusesSigmoid: Bool) -> Family {
        guard choice != .onednn, !phase, !fusesSigmoid, conv.kernel == 3, conv.stride == 1,
              vs_winograd_supported() != 0, cpu.kernelLevel >= Int(VS_KERNEL_LEVEL_AVX2),
              vs_winograd_shape_supported(Int32(conv.inChannels), Int32(conv.outChannels), Int32(height), Int32(width),
                                          conv.padding == .reflect ? Int32(VS_WINOGRAD_PAD_REFLECT) : Int32(VS_WINOGRAD_PAD_ZEROS)) != 0
        else { return .oneDNN }
        if choice == .winograd { return .winogradAVX2 }
        return Self.winogradWins(on: cpu.level) ? .winogradAVX2 : .oneDNN
    }

    /// The measured table (docs/performance.md): the CPU levels where our Winograd beats
    /// oneDNN's kernel for the same convolution, in fp32 and in int8 alike.
    static func winogradWins(on level: CPUFeatures.Level) -> Bool {
        switch level {
        case .avx2, .avx2VNNI:
            return true
        case .baseline, .avx512, .avx512VNNI:
            return false
        }
    }
}

/// Which convolution kernels a network may use (`vidstyle bench --kernels`): what
/// `KernelSelection` picks for this CPU (`auto`, the default), oneDNN's alone, or our Winograd
/// wherever it can run (to measure one against the other on the same machine).
public enum ConvolutionKernelChoice: String, CaseIterable, Sendable {
    case auto
    case onednn
    case winograd
}
