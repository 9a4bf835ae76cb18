/// Conversions between packed RGB24 frames and the network's planar float tensors.
enum PlanarImage {
    /// Writes `frame` into a planar [3][height][width] tensor in 0...1 with the picture's top
    /// left corner at (`left`, `top`); the columns and rows around it mirror the picture
    /// (reflection padding), so the network sees no hard edge that it would paint as a border.
    static func load(_ frame: VideoFrame, into planar: UnsafeMutablePointer<Float>, width: Int, height: Int,
                     left: Int = 0, top: Int = 0) {
        let plane = width * height
        let inv: Float = 1 / 255
        for y in 0..<height {
            let row = frame.row(mirror(y - top, frame.height))
            let r = planar + y * width
            let g = r + plane
            let b = g + plane
            for x in 0..<width {
                let p = row + 3 * mirror(x - left, frame.width)
                r[x] = Float(p[0]) * inv
                g[x] = Float(p[1]) * inv
                b[x] = Float(p[2]) * inv
            }
        }
    }

    /// Writes the network's output back into `frame`, cropping the padding, then applying
    /// colour preservation and strength in one pass. (Temporal smoothing is a step of its own
    /// after this one: `TemporalSmoother`.)
    static func store(_ planar: UnsafePointer<Float>, width: Int, height: Int, into frame: VideoFrame,
                      left: Int = 0, top: Int = 0,
                      strength: Float, preserveColor: Bool) {
        let plane = width * height
        for y in 0..<frame.height {
            let row = frame.row(y)
            let rp = planar + (y + top) * width + left
            let gp = rp + plane
            let bp = gp + plane
            for x in 0..<frame.width {
                let p = row + 3 * x
                var r = rp[x] * 255, g = gp[x] * 255, b = bp[x] * 255
                let r0 = Float(p[0]), g0 = Float(p[1]), b0 = Float(p[2])
                if preserveColor {
                    // Luma of the painting, chroma of the input (BT.601 weights, full range).
                    let styledLuma = 0.299 * r + 0.587 * g + 0.114 * b
                    let inputLuma = 0.299 * r0 + 0.587 * g0 + 0.114 * b0
                    let shift = styledLuma - inputLuma
                    r = r0 + shift
                    g = g0 + shift
                    b = b0 + shift
                }
                if strength < 1 {
                    r = r0 + (r - r0) * strength
                    g = g0 + (g - g0) * strength
                    b = b0 + (b - b0) * strength
                }
                p[0] = toByte(r)
                p[1] = toByte(g)
                p[2] = toByte(b)
            }
        }
    }

    /// Reflects an index past either end back into 0..<count (edge pixel not repeated), and
    /// clamps where the picture is too small to reflect.
    @inline(__always)
    static func mirror(_ i: Int, _ count: Int) -> Int {
        if i < 0 { return min(-i, count - 1) }
        if i < count { return i }
        let reflected = 2 * count - 2 - i
        return max(0, reflected)
    }

    @inline(__always)
    static func toByte(_ v: Float) -> UInt8 {
        UInt8(max(0, min(255, v + 0.5)))
    }
}
