import Foundation

/// Times `StyleNetwork.run()` so that `vidstyle bench` and performance notes all measure the
/// same way: a few warm-up runs (first runs pay for page faults and oneDNN's lazy setup), then
/// per-run wall-clock milliseconds, from which callers report the median.
public enum NetworkTimer {
    /// Per-run milliseconds of `runs` timed runs after `warmUp` untimed ones.
    public static func measure(_ network: StyleNetwork, warmUp: Int = 3, runs: Int = 10) throws -> [Double] {
        for _ in 0..<max(0, warmUp) { try network.run() }
        var times: [Double] = []
        times.reserveCapacity(runs)
        for _ in 0..<max(0, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            try network.run()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return times
    }

    /// The median of `times` (0 for none).
    public static func median(_ times: [Double]) -> Double {
        let sorted = times.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
