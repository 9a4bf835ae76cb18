import Synchronization

/// Where a live recording's timeline starts on `CLOCK_MONOTONIC`: the moment that video pts 0
/// stands for. Set once, from the first captured frame (`RecordingClockSource`), and read by
/// the audio side to put its samples on the same timeline, so sound and picture line up
/// whatever the stylizer drops.
public final class RecordingClock: Sendable {
    private let value = Atomic<UInt64>(0)

    public init() {}

    /// Monotonic nanoseconds of video pts 0; nil until the first frame was captured.
    public var origin: UInt64? {
        let v = value.load(ordering: .acquiring)
        return v == 0 ? nil : v
    }

    /// Sets the origin unless it is set already.
    public func start(at origin: UInt64) {
        _ = value.compareExchange(expected: 0, desired: max(1, origin), ordering: .acquiringAndReleasing)
    }
}
