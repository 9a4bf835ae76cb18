/// One checked step of a model's network, in the order the engine runs them.
///
/// The architecture lives in the model file (see `architecture.py`), so the engine builds its
/// graph from these values and a new architecture needs no Swift change.
public enum Layer: Sendable, Equatable {
    /// Convolution with zero padding `kernel / 2`; weights `NAME.weight` [out, in, k, k] and,
    /// when `hasBias`, `NAME.bias` [out].
    case conv(Convolution)
    /// Conditional instance norm: per-image mean and biased variance over H, W (eps 1e-5), then
    /// the style-blended `NAME.scale` / `NAME.shift` rows, then ReLU if `relu`.
    case norm(Normalization)
    /// Push the current tensor (start of a residual branch).
    case save
    /// Pop the last saved tensor and add it to the current one.
    case add
    /// Nearest-neighbour upsampling by an integer factor.
    case upsample(factor: Int)
    /// Depth-to-space with PyTorch's channel order: channel `c * f * f + i * f + j` becomes
    /// pixel offset (i, j) of output channel c.
    case pixelShuffle(factor: Int)
    /// Logistic function, bringing the output into 0..1.
    case sigmoid

    /// The parameters of a `conv` layer.
    public struct Convolution: Sendable, Equatable {
        public let name: String
        public let inChannels: Int
        public let outChannels: Int
        public let kernel: Int
        public let stride: Int
        public let hasBias: Bool
        public var weightName: String { name + ".weight" }
        public var biasName: String { name + ".bias" }
    }

    /// The parameters of a `norm` layer.
    public struct Normalization: Sendable, Equatable {
        public let name: String
        public let channels: Int
        public let relu: Bool
        public var scaleName: String { name + ".scale" }
        public var shiftName: String { name + ".shift" }
    }

    /// The instance-norm epsilon used in training (`NORM_EPS` in architecture.py).
    public static let normEpsilon: Float = 1e-5
}
