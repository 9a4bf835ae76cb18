/// The arithmetic a built `StyleNetwork` runs its convolutions in.
///
/// fp32 is the reference every model is trained and evaluated against. int8 runs the calibrated
/// convolutions (u8 or s8 activations, s8 weights with one scale per output channel) and keeps
/// the instance norms, residual adds, upsampling and the output in fp32, since those decide the
/// picture's contrast and colours and cost little; it needs the model's `QuantizationTable`.
public enum Precision: String, Sendable, CaseIterable {
    case fp32
    case int8
}
