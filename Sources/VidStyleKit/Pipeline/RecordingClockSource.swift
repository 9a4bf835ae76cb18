/// A live source that starts the `RecordingClock` from its first frame: the frame's capture
/// time minus its pts is the monotonic moment pts 0 stands for. Everything else passes through.
final class RecordingClockSource: MediaSource {
    private let source: any MediaSource
    private let clock: RecordingClock
    private let nanosecondsPerTick: Double

    init(_ source: any MediaSource, timeBase: Rational, clock: RecordingClock) {
        self.source = source
        self.clock = clock
        nanosecondsPerTick = (timeBase.doubleValue ?? 0) * 1e9
    }

    func next(pool: VideoFramePool) throws -> MediaItem? {
        let item = try source.next(pool: pool)
        if clock.origin == nil, case .video(let frame)? = item, frame.captureTime > 0 {
            let offset = Double(frame.pts) * nanosecondsPerTick
            clock.start(at: UInt64(max(1, Double(frame.captureTime) - offset)))
        }
        return item
    }

    var framesSkippedBySource: Int { source.framesSkippedBySource }
}
