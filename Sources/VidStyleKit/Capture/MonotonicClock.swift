import Glibc

/// `CLOCK_MONOTONIC`, the clock V4L2 drivers stamp buffers with, so capture times and the
/// moment a frame is encoded can be subtracted.
public enum MonotonicClock {
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
