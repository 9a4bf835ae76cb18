/// Reduces flicker by blending the previous output into parts of the picture that did not move.
///
/// A feed-forward network paints every frame on its own, so still areas shimmer from frame to
/// frame. For each pixel, the input's luma change since the previous frame decides how much of
/// the previous output to keep: none where the change is above `motionThreshold` (so moving
/// things never leave ghosts), up to `amount` where the input is unchanged. When the whole
/// picture changes a lot (a cut), nothing is blended for that frame.
public final class TemporalSmoother {
    public let width: Int
    public let height: Int
    /// The most of the previous output a still pixel keeps (0 turns smoothing off).
    public let amount: Float
    /// A luma change (0-255) at and above which a pixel counts as moving.
    public let motionThreshold: Float = 20
    /// A mean luma change above which the frame counts as a cut.
    public let cutThreshold: Float = 40

    private var previousLuma: [UInt8]
    private var previousOutput: [UInt8]
    /// Per pixel: the fraction of the previous output to keep for the current frame, 0...255.
    private(set) var keep: [UInt8]
    private var hasPrevious = false

    public init(width: Int, height: Int, amount: Float) {
        self.width = width
        self.height = height
        self.amount = max(0, min(1, amount))
        previousLuma = [UInt8](repeating: 0, count: width * height)
        previousOutput = [UInt8](repeating: 0, count: width * height * 3)
        keep = [UInt8](repeating: 0, count: width * height)
    }

    public var isEnabled: Bool { amount > 0 }

    public func reset() {
        hasPrevious = false
    }

    /// Measures how much each pixel of the new input changed; call before `blend`.
    public func observeInput(_ frame: VideoFrame) {
        guard isEnabled else { return }
        let w = width
        var total = 0
        let scale = 255 * amount / motionThreshold
        previousLuma.withUnsafeMutableBufferPointer { luma in
            keep.withUnsafeMutableBufferPointer { keep in
                for y in 0..<height {
                    let row = frame.row(y)
                    for x in 0..<w {
                        let p = row + 3 * x
                        // Integer BT.601 luma; exactness does not matter, only the change.
                        let weighted: Int = 77 * Int(p[0]) + 150 * Int(p[1]) + 29 * Int(p[2])
                        let value = UInt8(truncatingIfNeeded: weighted >> 8)
                        let i = y * w + x
                        let change = abs(Int(value) - Int(luma[i]))
                        total += change
                        luma[i] = value
                        let still = max(0, motionThreshold - Float(change))
                        keep[i] = UInt8(min(255, still * scale))
                    }
                }
            }
        }
        let meanChange = Float(total) / Float(width * height)
        if !hasPrevious || meanChange > cutThreshold {
            keep.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        hasPrevious = true
    }

    /// Blends the previous output into pixel `i` (r, g, b in 0...255) and remembers the result.
    @inline(__always)
    func blend(pixel i: Int, _ r: inout Float, _ g: inout Float, _ b: inout Float,
               keep: UnsafePointer<UInt8>, previous: UnsafeMutablePointer<UInt8>) {
        let k = Float(keep[i]) * (1 / 255)
        let o = previous + 3 * i
        r += (Float(o[0]) - r) * k
        g += (Float(o[1]) - g) * k
        b += (Float(o[2]) - b) * k
    }

    /// Gives the store loop raw access to the state without per-pixel array checks.
    func withBuffers<R>(_ body: (UnsafePointer<UInt8>, UnsafeMutablePointer<UInt8>) -> R) -> R {
        keep.withUnsafeBufferPointer { keep in
            previousOutput.withUnsafeMutableBufferPointer { previous in
                body(keep.baseAddress!, previous.baseAddress!)
            }
        }
    }
}
