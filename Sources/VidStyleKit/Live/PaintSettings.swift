/// What a live recording paints right now: the part of `StyleSettings` the keys can change
/// while it runs (`LiveControls`).
///
/// A small value, so the stylize stage can take a consistent copy once per painted frame and
/// never sees half of a change (a new style with the old strength).
public struct PaintSettings: Sendable, Equatable {
    public var style: StyleSelection
    /// 0 gives the input back, 1 the full style.
    public var strength: Float
    public var preserveColor: Bool
    /// Whether temporal smoothing runs (at the job's `--smoothing` amount, or the default when
    /// that was 0).
    public var smoothing: Bool

    public init(style: StyleSelection, strength: Float, preserveColor: Bool, smoothing: Bool) {
        self.style = style
        self.strength = strength
        self.preserveColor = preserveColor
        self.smoothing = smoothing
    }

    /// What a job starts painting with.
    public init(_ settings: StyleSettings) {
        self.init(style: settings.style, strength: settings.strength, preserveColor: settings.preserveColor,
                  smoothing: settings.smoothing > 0)
    }
}
