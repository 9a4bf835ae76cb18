/// One checked step of a model's network, in the order the engine runs them.
///
/// The architecture lives in the model file (see `architecture.py`), so the engine builds its
/// graph from these values and a new architecture needs no Swift change.
public enum Layer: Sendable, Equatable {
    /// Convolution padding its input by `kernel / 2` on every side (with zeros or by mirroring,
    /// `padding`); weights `NAME.weight` [out, in, k, k] and, when `hasBias`, `NAME.bias` [out].
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
        public var padding: Padding = .zeros
        public var weightName: String { name + ".weight" }
        public var biasName: String { name + ".bias" }
    }

    /// What a convolution reads beyond its input's edges.
    public enum Padding: String, Sendable, Equatable {
        /// Zeros, as the first models were trained: the network sees where its input ends and
        /// paints streaks there, so frames need a wide mirrored margin (`StyleModel.edgeMargin`).
        case zeros
        /// The input mirrored (PyTorch's `reflect`): the edge looks like more picture, so the
        /// network paints it like the rest and a narrow margin suffices.
        case reflect
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
