/// What the user asked for with `--precision`: a fixed precision, or `auto`.
///
/// `auto` picks, per CPU level, the precision `make bench` measured fastest at equal quality
/// (docs/performance.md, "What auto picks"): int8 wherever the model carries int8 calibration and
/// the CPU has AVX2 or more (with VNNI several times fp32; on AVX2 without VNNI, 7-bit weights:
/// on a Zen 3 39.6 ms against 66.6 ms for fp32 at 640x360, every style inside the quality
/// targets; on Zen 1 int8 was reported no slower than fp32), fp32 elsewhere: on a model without
/// calibration, and below AVX2, where no int8 kernel was measured. Asking for int8 on a model without
/// calibration is refused rather than quietly run in fp32, because the user asked for a speed
/// that would not be delivered.
public enum PrecisionChoice: String, Sendable, CaseIterable {
    case auto
    case int8
    case fp32

    /// The precision to build the network in for `model` on a CPU with `cpu`'s features.
    /// Throws `OptionError` for `int8` with a model that has no calibration.
    public func resolved(for model: StyleModel, cpu: CPUFeatures = .current) throws(OptionError) -> Precision {
        switch self {
        case .fp32:
            return .fp32
        case .int8:
            guard model.quantization != nil else {
                throw OptionError("--precision int8 needs int8 calibration, but model file \(model.path) has none (no \"\(QuantizationTable.metadataKey)\" metadata); add it with tools/calibrate.py, or use --precision fp32 or auto")
            }
            return .int8
        case .auto:
            return model.quantization != nil && cpu.level >= .avx2 ? .int8 : .fp32
        }
    }
}
