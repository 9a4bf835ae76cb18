import CFFmpeg

/// A rotation by whole quarter turns, clockwise, as a player applies a display matrix.
///
/// Matroska and WebM (FFmpeg 5.1's muxers) and still images cannot store a display matrix, so
/// a phone's portrait video written there would play on its side. For those outputs the reader
/// turns the pixels upright instead (`VideoReader(path:upright:)`), which also lets the network
/// paint the picture the way it is seen.
public enum QuarterTurn: Int, Sendable, Hashable {
    case none = 0, clockwise = 1, half = 2, counterClockwise = 3

    /// The turn a display matrix asks for, or nil when it is not a pure rotation by a multiple
    /// of 90° (a flip, a shear or another angle), which pixels cannot be turned into here.
    public init?(displayMatrix m: [Int32]) {
        guard m.count == 9 else { return nil }
        let ccw = m.withUnsafeBufferPointer { av_display_rotation_get($0.baseAddress!) }
        guard ccw.isFinite else { return nil }
        let quarters = (-ccw / 90).rounded()
        guard abs(-ccw / 90 - quarters) < 1e-3 else { return nil }
        // Rebuild the pure rotation and compare: a flipped matrix has the same angle. (FFmpeg's
        // rotation_set(a) reads back as -a through rotation_get, hence the sign.)
        var pure = [Int32](repeating: 0, count: 9)
        pure.withUnsafeMutableBufferPointer { av_display_rotation_set($0.baseAddress!, quarters * 90) }
        for i in [0, 1, 3, 4] where abs(Int(pure[i]) - Int(m[i])) > 2 { return nil }
        self.init(rawValue: ((Int(quarters) % 4) + 4) % 4)
    }

    /// Clockwise degrees: 0, 90, 180 or 270.
    public var degrees: Int { rawValue * 90 }

    /// The size of a `width` × `height` picture after the turn.
    public func turnedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        rawValue % 2 == 1 ? (height, width) : (width, height)
    }

    /// Writes `source` turned into `destination`, which must have the turned size.
    public func apply(_ source: VideoFrame, into destination: VideoFrame) {
        let (w, h) = (source.width, source.height)
        let turned = turnedSize(width: w, height: h)
        precondition(destination.width == turned.width && destination.height == turned.height,
                     "the destination must have the turned size")
        for oy in 0..<destination.height {
            let out = destination.row(oy)
            // For each output row, the source pixel of output column ox is (ix, iy) =
            // origin + ox * step, walking a source row or column.
            let (originX, originY, stepX, stepY): (Int, Int, Int, Int)
            switch self {
            case .none: (originX, originY, stepX, stepY) = (0, oy, 1, 0)
            case .clockwise: (originX, originY, stepX, stepY) = (oy, h - 1, 0, -1)
            case .half: (originX, originY, stepX, stepY) = (w - 1, h - 1 - oy, -1, 0)
            case .counterClockwise: (originX, originY, stepX, stepY) = (w - 1 - oy, 0, 0, 1)
            }
            let stepBytes = stepY * source.stride + stepX * 3
            var from = source.row(originY) + originX * 3
            var to = out
            for _ in 0..<destination.width {
                to[0] = from[0]
                to[1] = from[1]
                to[2] = from[2]
                to += 3
                from += stepBytes
            }
        }
    }
}
