/// Keeps recorded audio on the recording's clock: lays the captured pieces end to end as one
/// unbroken run of samples, and mends the run where the pieces' capture times say it drifted.
///
/// Sample n of the run was captured at `origin + n / rate` (monotonic nanoseconds). Each new
/// piece's capture time is compared with where the run has got to: a piece that comes later
/// than that by more than `tolerance` means samples were lost (a device overrun, a stall), and
/// silence fills the gap; one that comes earlier means the device's clock runs fast against
/// the system's, and its first samples are dropped. Within the tolerance nothing is touched,
/// since timestamps jitter a little from piece to piece. So audio and picture, both stamped on
/// `CLOCK_MONOTONIC`, stay within the tolerance of each other for any length of recording.
public struct AudioClockAligner: Sendable {
    public let rate: Int
    public let toleranceNanoseconds: Int64
    /// Monotonic time of sample 0 (the first piece's capture time).
    public private(set) var origin: UInt64?
    /// Samples laid so far (the next piece's first sample index, before any mending).
    public private(set) var next: Int64 = 0
    public private(set) var silenceInserted: Int64 = 0
    public private(set) var samplesDropped: Int64 = 0

    /// Where a piece goes.
    public struct Placement: Sendable, Equatable {
        /// Samples of silence to lay before the piece.
        public var silence: Int
        /// Samples to drop from the piece's head.
        public var drop: Int
        /// Index of the first sample laid (silence included).
        public var firstSample: Int64
    }

    /// 20 ms: half the 40 ms a viewer starts to notice, and above the few milliseconds device
    /// timestamps jitter.
    public init(rate: Int, toleranceNanoseconds: Int64 = 20_000_000) {
        self.rate = rate
        self.toleranceNanoseconds = toleranceNanoseconds
    }

    /// Places a piece of `count` samples whose first sample was captured at `captureTime`.
    public mutating func place(captureTime: UInt64, count: Int) -> Placement {
        guard let origin else {
            self.origin = captureTime
            next = Int64(count)
            return Placement(silence: 0, drop: 0, firstSample: 0)
        }
        let expected = Int64(origin) + next * 1_000_000_000 / Int64(rate)
        let late = Int64(captureTime) - expected
        let first = next
        if late > toleranceNanoseconds {
            let silence = Int(late * Int64(rate) / 1_000_000_000)
            silenceInserted += Int64(silence)
            next += Int64(silence + count)
            return Placement(silence: silence, drop: 0, firstSample: first)
        }
        if -late > toleranceNanoseconds {
            let drop = min(count, Int(-late * Int64(rate) / 1_000_000_000))
            samplesDropped += Int64(drop)
            next += Int64(count - drop)
            return Placement(silence: 0, drop: drop, firstSample: first)
        }
        next += Int64(count)
        return Placement(silence: 0, drop: 0, firstSample: first)
    }

    /// Monotonic time of sample `index`.
    public func time(ofSample index: Int64) -> UInt64? {
        origin.map { UInt64(Int64($0) + index * 1_000_000_000 / Int64(rate)) }
    }
}
