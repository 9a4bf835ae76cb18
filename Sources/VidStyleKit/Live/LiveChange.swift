/// One change made with the keys during a live recording, for the closing summary: when it
/// reached the picture and what it was.
public struct LiveChange: Sendable, Equatable {
    /// Recording time (seconds) of the first painted frame that shows it.
    public var seconds: Double
    /// "style 2 (mosaic)", "strength 0.8", "preserve colour on"... joined with ", " when several
    /// keys came between two painted frames.
    public var description: String
    /// Painted frames from the key press to the first frame that shows it: 1 when the key came
    /// between two frames, 2 when it came while a frame was being painted (that frame keeps the
    /// old settings).
    public var paintedFramesAfterKey: Int
}
