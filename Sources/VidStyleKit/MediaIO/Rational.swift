import CFFmpeg

/// A fraction such as a time base (1/90000) or a frame rate (30000/1001), kept exact because
/// timestamps are integers in a stream's time base and must round-trip without drift.
public struct Rational: Sendable, Hashable, CustomStringConvertible {
    /// Numerator.
    public var num: Int32
    /// Denominator; 0 means unknown, as in FFmpeg.
    public var den: Int32

    public init(num: Int32, den: Int32) {
        self.num = num
        self.den = den
    }

    /// The value as a Double, or nil when the denominator is 0 (FFmpeg's "unknown").
    public var doubleValue: Double? { den == 0 ? nil : Double(num) / Double(den) }

    public var description: String { "\(num)/\(den)" }

    /// A frame rate: exact for whole rates, to a thousandth otherwise (29.97 = 29970/1000).
    public init(framesPerSecond fps: Double) {
        if fps == fps.rounded() && fps < Double(Int32.max) {
            self.init(num: Int32(fps), den: 1)
        } else {
            self.init(num: Int32((fps * 1000).rounded()), den: 1000)
        }
    }

    init(_ r: AVRational) { self.init(num: r.num, den: r.den) }
    var av: AVRational { AVRational(num: num, den: den) }
}
