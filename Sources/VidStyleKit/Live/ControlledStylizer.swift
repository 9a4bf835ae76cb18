/// The stylizer of a live recording whose keys are on: before each frame it checks the
/// `LiveControls` cell and, when the settings moved, repaints with them from this frame on.
///
/// It is the pipeline's `FrameProcessor` in place of the bare `FrameStylizer`, so the pipeline
/// keeps its shape. Per frame it costs one atomic load and a lock to count the frame; it
/// allocates only when a change is applied (the summary's entry).
public final class ControlledStylizer: FrameProcessor {
    public let stylizer: FrameStylizer
    public let controls: LiveControls
    private let secondsPerTick: Double
    private var applied: UInt64 = 0

    /// - Parameter timeBase: the frames' time base, for the changes' recording times.
    public init(stylizer: FrameStylizer, controls: LiveControls, timeBase: Rational) {
        self.stylizer = stylizer
        self.controls = controls
        secondsPerTick = timeBase.doubleValue ?? 0
    }

    public func process(_ frame: VideoFrame) throws {
        if controls.generation != applied {
            let (paint, generation) = controls.current
            try stylizer.repaint(with: paint)
            applied = generation
            controls.recordApplied(paint, atSeconds: Double(frame.pts) * secondsPerTick)
        }
        try stylizer.stylize(frame)
        controls.recordPainted()
    }
}
