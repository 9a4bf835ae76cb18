/// Latencies in 1 ms buckets up to 10 s, allocated once, so recording one per frame allocates
/// nothing and memory stays flat however long a run is; percentiles read off the counts.
struct LatencyHistogram: ~Copyable {
    static let buckets = 10_001
    private var counts = [Int](repeating: 0, count: LatencyHistogram.buckets)
    private(set) var samples = 0

    mutating func record(nanoseconds: UInt64) {
        counts[min(Int(nanoseconds / 1_000_000), LatencyHistogram.buckets - 1)] += 1
        samples += 1
    }

    /// The latency below which `fraction` of the samples fall, in ms; nil before any.
    func percentile(_ fraction: Double) -> Int? {
        guard samples > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(samples)).rounded(.up)))
        var seen = 0
        for (milliseconds, count) in counts.enumerated() {
            seen += count
            if seen >= rank { return milliseconds }
        }
        return LatencyHistogram.buckets - 1
    }
}
