/// One step of a forward pass and its mean wall-clock time (`StyleNetwork.timeSteps`), so a
/// performance question ("is it the convolutions or the norms?") is answered by measuring the
/// shipped engine itself rather than a separate tool's reconstruction of it.
public struct StepTiming: Sendable, Equatable {
    /// What the step does, e.g. "conv up1 int8" or "norm res1b + residual add".
    public let label: String
    /// The kernel that ran it: oneDNN's implementation name, or "vidstyle:fused_norm".
    public let implementation: String
    public let milliseconds: Double
}
