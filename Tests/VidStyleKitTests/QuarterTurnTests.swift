import Testing
@testable import VidStyleKit

/// Turning pictures upright for outputs that cannot store a display matrix.
struct QuarterTurnTests {
    /// A 3x2 picture whose pixels are a b c / d e f (one grey level each).
    func picture() -> VideoFrame {
        let frame = VideoFrame(width: 3, height: 2)
        for (i, value) in [10, 20, 30, 40, 50, 60].enumerated() {
            let p = frame.row(i / 3) + (i % 3) * 3
            p[0] = UInt8(value); p[1] = UInt8(value + 1); p[2] = UInt8(value + 2)
        }
        return frame
    }

    func values(_ frame: VideoFrame) -> [[Int]] {
        (0..<frame.height).map { y in (0..<frame.width).map { x in
            let p = frame.row(y) + x * 3
            #expect(p[1] == p[0] + 1 && p[2] == p[0] + 2, "channels must travel together")
            return Int(p[0])
        } }
    }

    @Test(arguments: [
        (QuarterTurn.none, [[10, 20, 30], [40, 50, 60]]),
        (.clockwise, [[40, 10], [50, 20], [60, 30]]),
        (.half, [[60, 50, 40], [30, 20, 10]]),
        (.counterClockwise, [[30, 60], [20, 50], [10, 40]]),
    ])
    func turnsPixels(turn: QuarterTurn, expected: [[Int]]) {
        let size = turn.turnedSize(width: 3, height: 2)
        let out = VideoFrame(width: size.width, height: size.height)
        turn.apply(picture(), into: out)
        #expect(values(out) == expected)
    }

    @Test func readsTheTurnOfADisplayMatrix() {
        let one = Int32(65536), w = Int32(1 << 30)
        // Matrices as FFmpeg stores them; ffprobe shows rotation -90, 90, 180 for the first three.
        #expect(QuarterTurn(displayMatrix: [0, one, 0, -one, 0, 0, 0, 0, w]) == .clockwise)
        #expect(QuarterTurn(displayMatrix: [0, -one, 0, one, 0, 0, 0, 0, w]) == .counterClockwise)
        #expect(QuarterTurn(displayMatrix: [-one, 0, 0, 0, -one, 0, 0, 0, w]) == .half)
        #expect(QuarterTurn(displayMatrix: [one, 0, 0, 0, one, 0, 0, 0, w]) == QuarterTurn.none)
        // A mirror is not a rotation: the pixels cannot be turned into it.
        #expect(QuarterTurn(displayMatrix: [-one, 0, 0, 0, one, 0, 0, 0, w]) == nil)
        #expect(QuarterTurn(displayMatrix: [0, 0, 0]) == nil)
    }
}
