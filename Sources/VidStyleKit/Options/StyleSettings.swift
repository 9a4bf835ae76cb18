/// How each frame is painted: the style, and the adjustments applied around the network.
public struct StyleSettings: Sendable, Equatable {
    public var style: StyleSelection
    /// 0 gives the input back, 1 the full style; in between, a per-pixel blend of the two.
    public var strength: Float
    /// Keep the input's colours and take only the style's luminance (brush strokes and shading).
    public var preserveColor: Bool
    /// 0 turns temporal smoothing off; up to 1 keeps more of the previous output, moved along
    /// the picture's motion, wherever that motion is reliable (see `TemporalSmoother`).
    public var smoothing: Float
    /// The network's arithmetic (`--precision`), resolved against the model when the
    /// stylizer is built.
    public var precision: PrecisionChoice

    public init(style: StyleSelection = .single(0), strength: Float = 1, preserveColor: Bool = false,
                smoothing: Float = 0.6, precision: PrecisionChoice = .auto) {
        self.style = style
        self.strength = strength
        self.preserveColor = preserveColor
        self.smoothing = smoothing
        self.precision = precision
    }

    /// Checks the ranges that do not depend on the model.
    public func validate() throws(OptionError) {
        guard strength.isFinite, (0...1).contains(strength) else {
            throw OptionError("--strength \(strength) is out of range; give a value from 0 (the input) to 1 (the full style)")
        }
        guard smoothing.isFinite, (0...1).contains(smoothing) else {
            throw OptionError("--smoothing \(smoothing) is out of range; give a value from 0 (off) to 1 (strongest)")
        }
    }
}
