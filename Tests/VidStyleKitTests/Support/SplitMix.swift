/// Deterministic pseudo-random numbers (SplitMix64), so every test run sees the same weights,
/// pictures and noise.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in -1...1.
    mutating func nextSigned() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
    /// Uniform in -amplitude...amplitude.
    mutating func uniform(_ amplitude: Float) -> Float { nextSigned() * amplitude }
    /// Roughly Gaussian with standard deviation `sigma` (sum of four uniforms).
    mutating func gaussian(_ sigma: Float) -> Float {
        var s: Float = 0
        for _ in 0..<4 { s += uniform(1) }
        return s * sigma * 0.866
    }
}
