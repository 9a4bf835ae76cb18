import CDNNL

/// What the CPU offers that changes which precision is worth running.
///
/// Read from oneDNN's effective ISA, not from CPUID directly, so that it agrees with the kernels
/// oneDNN will actually dispatch, including a cap the user sets with `ONEDNN_MAX_CPU_ISA`.
public struct CPUFeatures: Sendable, Equatable {
    /// Whether int8 dot products run on VNNI (`vpdpbusd`): one instruction, a 32-bit
    /// accumulator, no intermediate saturation. Without it oneDNN pairs u8 x s8 products in a
    /// saturating 16-bit add (`vpmaddubsw`), so the engine must keep weights to 7 bits to stay
    /// exact, and int8 gains less over fp32.
    public let hasVNNI: Bool

    public init(hasVNNI: Bool) {
        self.hasVNNI = hasVNNI
    }

    /// This machine, as oneDNN sees it.
    public static let current: CPUFeatures = {
        let isa = dnnl_get_effective_cpu_isa()
        let vnni: [dnnl_cpu_isa_t] = [dnnl_cpu_isa_avx512_core_vnni, dnnl_cpu_isa_avx512_core_bf16,
                                      dnnl_cpu_isa_avx512_core_amx, dnnl_cpu_isa_avx2_vnni]
        return CPUFeatures(hasVNNI: vnni.contains(isa))
    }()

    /// The largest weight magnitude in quantized units: 127 with VNNI; 63 without, so that two
    /// products of a u8 activation (up to 255) and a weight sum to at most 32130 and the 16-bit
    /// pair sum never saturates.
    var weightLevels: Float { hasVNNI ? 127 : 63 }
}
