/// What the user asked for with `--precision`: a fixed precision, or `auto`.
///
/// `auto` picks int8 only where it is both possible (the model carries int8 calibration) and
/// clearly worth it (the CPU has VNNI); elsewhere fp32, the reference quality, so an old model
/// file or an older CPU keeps working exactly as before. Asking for int8 on a model without
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
            return model.quantization != nil && cpu.hasVNNI ? .int8 : .fp32
        }
    }
}
