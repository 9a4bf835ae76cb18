import Testing
@testable import VidStyleKit

@Suite struct PlanarImageTests {
    @Test func mirrorReflectsWithoutRepeatingTheEdge() {
        #expect(PlanarImage.mirror(4, 5) == 4)
        #expect(PlanarImage.mirror(5, 5) == 3)
        #expect(PlanarImage.mirror(6, 5) == 2)
        #expect(PlanarImage.mirror(1, 1) == 0)
        #expect(PlanarImage.mirror(-1, 5) == 1)
        #expect(PlanarImage.mirror(-3, 2) == 1)
    }

    /// With a margin, the picture sits at (left, top), mirrored on every side, and store reads
    /// it back from there: a round trip through an identity "network" is exact.
    @Test func marginIsMirroredAndCroppedBack() {
        let frame = VideoFrame(width: 5, height: 3)
        for y in 0..<3 { for x in 0..<5 { for c in 0..<3 { frame.row(y)[3 * x + c] = UInt8(40 * y + 7 * x + c) } } }
        var planar = [Float](repeating: -1, count: 3 * 12 * 8)
        planar.withUnsafeMutableBufferPointer { PlanarImage.load(frame, into: $0.baseAddress!, width: 12, height: 8, left: 2, top: 2) }
        func red(_ x: Int, _ y: Int) -> Int { Int((planar[y * 12 + x] * 255).rounded()) }
        #expect(red(2, 2) == 0)          // the picture's corner
        #expect(red(1, 2) == 7)          // column -1 mirrors column 1
        #expect(red(2, 0) == 80)         // row -2 mirrors row 2
        let copy = VideoFrame(width: 5, height: 3)
        planar.withUnsafeBufferPointer {
            PlanarImage.store($0.baseAddress!, width: 12, height: 8, into: copy, left: 2, top: 2, strength: 1,
                              preserveColor: false)
        }
        for y in 0..<3 { for x in 0..<15 { #expect(copy.row(y)[x] == frame.row(y)[x]) } }
    }

    /// A 5x3 frame padded to 8x4: the padding mirrors the picture, the picture is exact.
    @Test func loadPadsByReflection() {
        let frame = VideoFrame(width: 5, height: 3)
        for y in 0..<3 { for x in 0..<5 { frame.row(y)[3 * x] = UInt8(10 * y + x) } }
        var planar = [Float](repeating: -1, count: 3 * 8 * 4)
        planar.withUnsafeMutableBufferPointer { PlanarImage.load(frame, into: $0.baseAddress!, width: 8, height: 4) }
        func red(_ x: Int, _ y: Int) -> Int { Int((planar[y * 8 + x] * 255).rounded()) }
        #expect(red(4, 2) == 24)
        #expect(red(5, 0) == 3)   // column 5 mirrors column 3
        #expect(red(7, 0) == 1)
        #expect(red(0, 3) == 10)  // row 3 mirrors row 1
        #expect(!planar.contains(-1))
    }

    /// Strength 0 gives the input back exactly; strength 1 the network's output.
    @Test func strengthBlendsWithTheInput() {
        for (strength, expected) in [(Float(0), UInt8(200)), (1, 51), (0.5, 126)] {
            let frame = VideoFrame(width: 4, height: 4)
            for y in 0..<4 { for x in 0..<12 { frame.row(y)[x] = 200 } }
            let output = [Float](repeating: 0.2, count: 3 * 16)
            output.withUnsafeBufferPointer {
                PlanarImage.store($0.baseAddress!, width: 4, height: 4, into: frame, strength: strength,
                                  preserveColor: false)
            }
            #expect(frame.row(3)[11] == expected, "strength \(strength)")
        }
    }

    /// Colour preservation keeps the input's chroma (differences between channels) and takes
    /// the output's luma.
    @Test func preserveColorKeepsInputChroma() {
        let frame = VideoFrame(width: 4, height: 4)
        for y in 0..<4 { for x in 0..<4 { frame.row(y)[3 * x] = 150; frame.row(y)[3 * x + 1] = 100; frame.row(y)[3 * x + 2] = 50 } }
        var output = [Float](repeating: 0, count: 3 * 16)
        for i in 0..<16 { output[i] = 0.2; output[16 + i] = 0.6; output[32 + i] = 0.9 }
        output.withUnsafeBufferPointer {
            PlanarImage.store($0.baseAddress!, width: 4, height: 4, into: frame, strength: 1,
                              preserveColor: true)
        }
        let p = frame.row(0)
        #expect(Int(p[0]) - Int(p[1]) == 50)
        #expect(Int(p[1]) - Int(p[2]) == 50)
        let styledLuma: Double = 255 * (0.299 * 0.2 + 0.587 * 0.6 + 0.114 * 0.9)
        let r = Double(p[0]), g = Double(p[1]), b = Double(p[2])
        let luma: Double = 0.299 * r + 0.587 * g + 0.114 * b
        #expect(abs(luma - styledLuma) < 1.5)
    }

    /// A frame large enough to be split over the threads, with margins of different widths:
    /// every tensor value is the mirrored picture's byte / 255.
    @Test func loadMatchesTheMirroredPictureEverywhere() {
        let frame = VideoFrame(width: 37, height: 23)
        for y in 0..<23 { for x in 0..<111 { frame.row(y)[x] = UInt8((y * 31 + x * 7) % 256) } }
        let (width, height, left, top) = (48, 32, 5, 4)
        var planar = [Float](repeating: -1, count: 3 * width * height)
        planar.withUnsafeMutableBufferPointer {
            PlanarImage.load(frame, into: $0.baseAddress!, width: width, height: height, left: left, top: top)
        }
        for c in 0..<3 { for y in 0..<height { for x in 0..<width {
            let byte = frame.row(PlanarImage.mirror(y - top, 23))[3 * PlanarImage.mirror(x - left, 37) + c]
            #expect(planar[(c * height + y) * width + x] == Float(byte) * (1 / 255), "channel \(c) at \(x), \(y)")
        } } }
    }

    /// Reading the last convolution's NHWC result with the depth to space on the way gives the
    /// same frame as shuffling to planar first, with strength and colour preservation too.
    @Test(arguments: [(Float(1), false), (0.7, true)])
    func storeShufflesOnTheWay(strength: Float, preserveColor: Bool) {
        let (width, height, left, top, f) = (48, 32, 5, 4, 2)
        var generator = SplitMix(seed: 3)
        let nhwc = (0..<(3 * width * height)).map { _ in 0.5 + 0.5 * generator.nextSigned() }
        var planar = [Float](repeating: 0, count: nhwc.count)
        nhwc.withUnsafeBufferPointer { src in
            planar.withUnsafeMutableBufferPointer { dst in
                StyleNetwork.pixelShuffle(src.baseAddress!, into: dst.baseAddress!, channels: 3, height: height, width: width, factor: f)
            }
        }
        func painted(_ source: [Float], factor: Int) -> [UInt8] {
            let frame = VideoFrame(width: 37, height: 23)
            for y in 0..<23 { for x in 0..<111 { frame.row(y)[x] = UInt8((y * 31 + x * 7) % 256) } }
            source.withUnsafeBufferPointer {
                PlanarImage.store($0.baseAddress!, width: width, height: height, into: frame, left: left, top: top,
                                  factor: factor, strength: strength, preserveColor: preserveColor)
            }
            return (0..<23).flatMap { y in (0..<111).map { frame.row(y)[$0] } }
        }
        let direct = painted(nhwc, factor: f), viaPlanar = painted(planar, factor: 1)
        #expect(direct == viaPlanar)
        // And the shuffle really moved pixels: the frame is not what planar order would give.
        #expect(painted(nhwc, factor: 1) != direct)
    }

    /// Bytes for an int8 network: the same mirrored placement as `load`, each byte scaled,
    /// rounded and saturated; scale 1 copies.
    @Test(arguments: [Float(1), 0.6, 1.7])
    func loadBytesScalesRoundsAndSaturates(scale: Float) {
        let frame = VideoFrame(width: 37, height: 23)
        for y in 0..<23 { for x in 0..<111 { frame.row(y)[x] = UInt8((y * 31 + x * 7) % 256) } }
        let (width, height, left, top) = (48, 32, 5, 4)
        var bytes = [UInt8](repeating: 0, count: 3 * width * height)
        bytes.withUnsafeMutableBufferPointer {
            PlanarImage.loadBytes(frame, into: $0.baseAddress!, scale: scale, width: width, height: height, left: left, top: top)
        }
        var saturated = false
        for y in 0..<height { for x in 0..<width { for c in 0..<3 {
            let byte = frame.row(PlanarImage.mirror(y - top, 23))[3 * PlanarImage.mirror(x - left, 37) + c]
            let scaled = (Float(byte) * scale).rounded(.toNearestOrEven)
            if scaled > 255 { saturated = true }
            #expect(bytes[(y * width + x) * 3 + c] == UInt8(min(255, scaled)), "\(x), \(y), channel \(c)")
        } } }
        #expect(saturated == (scale > 1))
    }
}
