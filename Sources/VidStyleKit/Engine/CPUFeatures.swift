import CDNNL
import CKernels

/// What the CPU offers that changes which precision and which kernels are worth running.
///
/// Read from oneDNN's effective ISA, not from CPUID directly, so that it agrees with the kernels
/// oneDNN will actually dispatch, including a cap the user sets with `ONEDNN_MAX_CPU_ISA`; our own
/// kernels obey the same cap (`kernelLevel`).
public struct CPUFeatures: Sendable, Equatable {
    /// The instruction-set levels this project tells apart (and `make bench` reports as `isa=`).
    public enum Level: String, Sendable, Comparable, CaseIterable {
        /// Below AVX2: oneDNN's SSE4.1/AVX kernels, our kernels' baseline code.
        case baseline
        case avx2
        /// AVX2 with VNNI (`vpdpbusd` on 256-bit registers: Alder Lake and later).
        case avx2VNNI = "avx2_vnni"
        case avx512
        /// AVX-512 with VNNI (and possibly BF16 or AMX).
        case avx512VNNI = "avx512_vnni"

        public static func < (a: Level, b: Level) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// The level oneDNN runs at.
    public let level: Level

    /// Whether int8 dot products run on VNNI (`vpdpbusd`): one instruction, a 32-bit
    /// accumulator, no intermediate saturation. Without it oneDNN pairs u8 x s8 products in a
    /// saturating 16-bit add (`vpmaddubsw`), so the engine must keep weights to 7 bits to stay
    /// exact.
    public var hasVNNI: Bool { level == .avx2VNNI || level == .avx512VNNI }

    public init(level: Level) {
        self.level = level
    }

    public init(hasVNNI: Bool) {
        self.level = hasVNNI ? .avx512VNNI : .avx2
    }

    /// This machine, as oneDNN sees it.
    public static let current: CPUFeatures = {
        switch dnnl_get_effective_cpu_isa() {
        case dnnl_cpu_isa_avx512_core_vnni, dnnl_cpu_isa_avx512_core_bf16, dnnl_cpu_isa_avx512_core_amx:
            return CPUFeatures(level: .avx512VNNI)
        case dnnl_cpu_isa_avx512_core, dnnl_cpu_isa_avx512_mic, dnnl_cpu_isa_avx512_mic_4ops:
            return CPUFeatures(level: .avx512)
        case dnnl_cpu_isa_avx2_vnni:
            return CPUFeatures(level: .avx2VNNI)
        case dnnl_cpu_isa_avx2:
            return CPUFeatures(level: .avx2)
        default:
            return CPUFeatures(level: .baseline)
        }
    }()

    /// The level our own C kernels run at (`vs_kernel_level`: 0 baseline, 2 AVX2, 3 AVX-512),
    /// capped like oneDNN's.
    public var kernelLevel: Int { Int(vs_kernel_level()) }

    /// The largest weight magnitude in quantized units: 127 with VNNI; 63 without, so that two
    /// products of a u8 activation (up to 255) and a weight sum to at most 32130 and the 16-bit
    /// pair sum never saturates.
    var weightLevels: Float { hasVNNI ? 127 : 63 }
}
