import CKernels
import Foundation
import Testing
@testable import VidStyleKit

/// The bicubic colour warp of temporal smoothing (CKernels, `WarpKernels.h`) against a direct
/// transcription of Keys' cubic convolution (A = -0.75, OpenCV's INTER_CUBIC) with edges
/// repeated: inside the picture (the vector path), across its edges and far outside (the
/// portable path), and for positions that are not numbers.
@Suite struct BicubicWarpTests {
    static func keys(_ t: Double) -> [Double] {
        let a = -0.75
        func w(_ x: Double) -> Double {
            let x = abs(x)
            if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
            return 0
        }
        return [w(t + 1), w(t), w(1 - t), w(2 - t)]
    }

    static func reference(_ src: [UInt8], width: Int, height: Int, x: Float, y: Float) -> [UInt8] {
        let qx = x.isNaN || y.isNaN ? 0 : Double(min(max(x, -8), Float(width + 8)))
        let qy = x.isNaN || y.isNaN ? 0 : Double(min(max(y, -8), Float(height + 8)))
        let fx = qx.rounded(.down), fy = qy.rounded(.down)
        let wx = keys(qx - fx), wy = keys(qy - fy)
        return (0..<3).map { c in
            var sum = 0.0
            for r in 0..<4 {
                let row = min(max(Int(fy) - 1 + r, 0), height - 1)
                for i in 0..<4 {
                    let column = min(max(Int(fx) - 1 + i, 0), width - 1)
                    sum += wy[r] * wx[i] * Double(src[(row * width + column) * 3 + c])
                }
            }
            return UInt8(min(max(sum + 0.5, 0), 255).rounded(.down))
        }
    }

    @Test(arguments: [(37, 23), (8, 5), (1, 1), (640, 4), (203, 41)])
    func matchesKeysCubicConvolution(width: Int, height: Int) {
        var generator = SplitMix(seed: UInt64(width * 31 + height))
        // A smooth picture plus noise, so both overshoot (clamping) and ordinary values occur.
        let src: [UInt8] = (0..<(width * height * 3)).map { i in
            let pixel = i / 3
            let value = 128 + 90 * sin(Float(pixel % width) * 0.3 + Float(i % 3)) + 40 * generator.nextSigned()
            return UInt8(min(max(value, 0), 255))
        }
        var map = [Float](repeating: 0, count: width * height * 2)
        for y in 0..<height {
            for x in 0..<width {
                let k = (y * width + x) * 2
                // Mostly small motions; every 13th pixel far outside, every 29th not a number.
                map[k] = Float(x) + 2.5 * generator.nextSigned()
                map[k + 1] = Float(y) + 2.5 * generator.nextSigned()
                if (x + y) % 13 == 0 { map[k] = 30 * generator.nextSigned() - 10; map[k + 1] = Float(height) + 20 * generator.nextSigned() }
                if (x * 7 + y) % 29 == 0 { map[k + (x % 2)] = .nan }
            }
        }
        var dst = [UInt8](repeating: 0, count: src.count)
        vs_warp_rgb_bicubic(src, &dst, Int32(width), Int32(height), map)
        var worst = 0
        for y in 0..<height {
            for x in 0..<width {
                let k = (y * width + x)
                let expected = Self.reference(src, width: width, height: height, x: map[2 * k], y: map[2 * k + 1])
                for c in 0..<3 { worst = max(worst, abs(Int(dst[3 * k + c]) - Int(expected[c]))) }
            }
        }
        print("bicubic warp \(width)x\(height): largest difference from the reference \(worst) level(s)")
        #expect(worst <= 1)
    }
}
