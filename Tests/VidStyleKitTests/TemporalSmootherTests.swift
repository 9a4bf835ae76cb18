import Foundation
import Testing
@testable import VidStyleKit

/// Motion-compensated smoothing on small synthetic clips. A fake "network" paints each frame as
/// its input plus fresh per-pixel noise (the flicker a feed-forward network adds frame to
/// frame), so the ideal output is the clean input and every error is measurable.
@Suite struct TemporalSmootherTests {
    static let width = 512, height = 288

    /// Random blocks of `size` px, values 0..<256, seeded by `seed`, sampled at (x, y).
    static func blocks(_ x: Int, _ y: Int, size: Int, seed: UInt64) -> Int {
        var noise = SplitMix(seed: seed &+ UInt64(x / size) &* 0x1_0000_0001 &+ UInt64(y / size) &* 0x7FFF_FFFF)
        return Int(noise.next() % 256)
    }

    /// A random texture with coarse and fine detail, as photographs have (values 30...225):
    /// 16 px blocks for the flow to follow, 4 px blocks that blur visibly when misaligned.
    static func blockTexture(_ x: Int, _ y: Int, seed: UInt64) -> UInt8 {
        let coarse = blocks(x, y, size: 16, seed: seed), fine = blocks(x, y, size: 4, seed: seed &+ 1)
        return UInt8(30 + (coarse * 6 + fine * 4) * 195 / 2550)
    }

    /// A still, smoothly varying background (gentle stripes and a ramp, 60...190).
    static func background(_ x: Int, _ y: Int) -> UInt8 {
        let wave: Double = sin(Double(x) * 0.11) * cos(Double(y) * 0.07)
        let ramp: Double = 0.05 * Double(x - 256)
        return UInt8(max(0, min(255, 125 + 40 * wave + ramp)))
    }

    static func frame(_ value: (Int, Int) -> UInt8) -> VideoFrame {
        let frame = VideoFrame(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let v = value(x, y)
                for c in 0..<3 { frame.row(y)[3 * x + c] = v }
            }
        }
        return frame
    }

    static func copy(_ frame: VideoFrame) -> VideoFrame {
        let copy = VideoFrame(width: frame.width, height: frame.height)
        copy.pixels.update(from: frame.pixels, count: frame.stride * frame.height)
        return copy
    }

    /// The fake network: the input plus fresh uniform noise of ±`flicker` on every pixel.
    static func paint(_ input: VideoFrame, flicker: Float, noise: inout SplitMix) -> VideoFrame {
        let out = copy(input)
        for y in 0..<input.height {
            for x in 0..<3 * input.width {
                let v = Float(out.row(y)[x]) + noise.uniform(flicker)
                out.row(y)[x] = UInt8(max(0, min(255, v)).rounded())
            }
        }
        return out
    }

    /// Runs `inputs` through smoothing of `amount` (0: off) with the fake network; returns the outputs.
    static func run(_ inputs: [VideoFrame], amount: Float, flicker: Float = 24) throws -> [VideoFrame] {
        let smoother = try TemporalSmoother(width: width, height: height, amount: amount)
        var noise = SplitMix(seed: 7)
        return try inputs.map { input in
            try smoother.observe(input)
            let painted = paint(input, flicker: flicker, noise: &noise)
            try smoother.apply(to: painted)
            return painted
        }
    }

    /// Mean absolute difference (levels) between `a` and `b` over the pixels `inside` selects.
    static func meanDifference(_ a: VideoFrame, _ b: VideoFrame, where inside: (Int, Int) -> Bool) -> Double {
        var sum = 0, count = 0
        for y in 0..<a.height {
            for x in 0..<a.width where inside(x, y) {
                for c in 0..<3 { sum += abs(Int(a.row(y)[3 * x + c]) - Int(b.row(y)[3 * x + c])) }
                count += 3
            }
        }
        return Double(sum) / Double(max(1, count))
    }

    /// A 128 px textured square moving right by 3 px a frame over the still background.
    static let side = 128, top = 80, start = 60, step = 3
    static func movingSquare(_ t: Int) -> VideoFrame {
        let left = start + step * t
        return frame { x, y in
            if x >= left, x < left + side, y >= top, y < top + side {
                return blockTexture(x - left, y - top, seed: 99)
            }
            return background(x, y)
        }
    }

    /// The square's painted texture follows it (flicker down, not smeared), and the background
    /// it has just left shows no copy of it: a blend without motion compensation fails both.
    @Test func movingSquareKeepsItsTextureAlignedAndLeavesNoTrail() throws {
        let inputs = (0..<14).map(Self.movingSquare)
        let off = try Self.run(inputs, amount: 0)
        let on = try Self.run(inputs, amount: 0.6)
        var squareOff = 0.0, squareOn = 0.0, trailOff = 0.0, trailOn = 0.0
        for t in 6..<inputs.count {
            let left = Self.start + Self.step * t
            // Inside the square, 6 px in from its edges (the edges may fall back to the new painting).
            let square: (Int, Int) -> Bool = { x, y in
                x >= left + 6 && x < left + Self.side - 6 && y >= Self.top + 6 && y < Self.top + Self.side - 6
            }
            // The strip the square covered in the last four frames, now background again.
            let trail: (Int, Int) -> Bool = { x, y in
                x >= left - 4 * Self.step && x < left && y >= Self.top && y < Self.top + Self.side
            }
            squareOff += Self.meanDifference(off[t], inputs[t], where: square)
            squareOn += Self.meanDifference(on[t], inputs[t], where: square)
            trailOff += Self.meanDifference(off[t], inputs[t], where: trail)
            trailOn += Self.meanDifference(on[t], inputs[t], where: trail)
        }
        let frames = Double(inputs.count - 6)
        squareOff /= frames; squareOn /= frames; trailOff /= frames; trailOn /= frames
        // ±24 uniform flicker is 12 levels off on average; aligned blending of 0.6 cuts it to ~7.
        #expect(squareOn < 0.75 * squareOff, "square: \(squareOn) levels off with smoothing, \(squareOff) without")
        #expect(trailOn < trailOff - 1.5, "trail: \(trailOn) levels off with smoothing, \(trailOff) without")
    }

    /// A new shot keeps nothing of the last, even when its brightness matches; `reset()` too.
    @Test func cutStartsAfresh() throws {
        let shotA = Self.frame { x, y in Self.blockTexture(x, y, seed: 1) }
        let shotB = Self.frame { x, y in Self.blockTexture(x, y, seed: 2) }
        let smoother = try TemporalSmoother(width: Self.width, height: Self.height, amount: 0.8)
        var noise = SplitMix(seed: 3)
        func step(_ input: VideoFrame) throws -> (painted: VideoFrame, output: VideoFrame) {
            try smoother.observe(input)
            let painted = Self.paint(input, flicker: 24, noise: &noise)
            let output = Self.copy(painted)
            try smoother.apply(to: output)
            return (painted, output)
        }
        for _ in 0..<3 { _ = try step(shotA) }
        #expect(!smoother.lastFrameWasCut)
        let cut = try step(shotB)
        #expect(smoother.lastFrameWasCut)
        #expect(Self.meanDifference(cut.output, cut.painted) { _, _ in true } == 0)
        let next = try step(shotB)
        #expect(!smoother.lastFrameWasCut)
        #expect(Self.meanDifference(next.output, next.painted) { _, _ in true } > 3)
        smoother.reset()
        let afterReset = try step(shotB)
        #expect(Self.meanDifference(afterReset.output, afterReset.painted) { _, _ in true } == 0)
    }

    /// A still scene with sensor noise of σ 8 on every input frame (a webcam on a desk) is
    /// blended almost everywhere, and its output flickers far less.
    @Test func stillNoisySceneIsBlended() throws {
        var sensor = SplitMix(seed: 11)
        let inputs = (0..<10).map { _ in
            Self.frame { x, y in
                let clean = Float(Self.background(x, y)) + Float(Self.blockTexture(x, y, seed: 5)) * 0.3 - 38
                return UInt8(max(0, min(255, clean + sensor.gaussian(8))).rounded())
            }
        }
        let smoother = try TemporalSmoother(width: Self.width, height: Self.height, amount: 0.6)
        var noise = SplitMix(seed: 7)
        var onOutputs: [VideoFrame] = []
        for (t, input) in inputs.enumerated() {
            try smoother.observe(input)
            let painted = Self.paint(input, flicker: 24, noise: &noise)
            try smoother.apply(to: painted)
            onOutputs.append(painted)
            if t > 0 { #expect(smoother.reliability > 0.85, "frame \(t): reliability \(smoother.reliability)") }
        }
        let off = try Self.run(inputs, amount: 0)
        var flickerOn = 0.0, flickerOff = 0.0
        for t in 4..<inputs.count {
            flickerOn += Self.meanDifference(onOutputs[t], onOutputs[t - 1]) { _, _ in true }
            flickerOff += Self.meanDifference(off[t], off[t - 1]) { _, _ in true }
        }
        #expect(flickerOn < 0.6 * flickerOff, "frame-to-frame change \(flickerOn) with smoothing, \(flickerOff) without")
    }

    /// The flow, mask and warp buffers are made once per frame size and reused for every frame.
    @Test func buffersAreAllocatedOncePerSize() throws {
        let smoother = try TemporalSmoother(width: Self.width, height: Self.height, amount: 0.6)
        #expect(smoother.allocations == 1)
        let addresses = smoother.bufferAddresses
        #expect(addresses.count >= 10)
        for t in 0..<4 {
            let frame = Self.movingSquare(t)
            try smoother.observe(frame)
            try smoother.apply(to: frame)
        }
        #expect(smoother.allocations == 1)
        #expect(smoother.bufferAddresses == addresses)
        let larger = VideoFrame(width: 320, height: 200)
        try smoother.observe(larger)
        try smoother.apply(to: larger)
        #expect(smoother.allocations == 2)
        let largerAddresses = smoother.bufferAddresses
        for _ in 0..<3 {
            try smoother.observe(larger)
            try smoother.apply(to: larger)
        }
        #expect(smoother.allocations == 2)
        #expect(smoother.bufferAddresses == largerAddresses)
    }

    /// Through the stylizer, smoothing composes with strength and colour preservation: on a
    /// still clip, strength 0 still gives the input back (to rounding), and with colour
    /// preservation the output keeps the input's chroma as closely as without smoothing.
    @Test func strengthAndPreservedColourSurviveSmoothing() throws {
        let model = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        let still = Self.frame { x, y in Self.blockTexture(x, y, seed: 8) }
        // Colour: the texture in red, less of it in green, a constant blue.
        for y in 0..<still.height {
            for x in 0..<still.width {
                let p = still.row(y) + 3 * x
                p[1] = p[0] / 2 + 40
                p[2] = 90
            }
        }
        /// The largest difference from the input: of every channel, or of the chroma (the
        /// differences between channels) with `chroma`.
        func deviation(_ frame: VideoFrame, chroma: Bool) -> Int {
            var worst = 0
            for y in 0..<still.height {
                for x in 0..<still.width {
                    let a = frame.row(y) + 3 * x, b = still.row(y) + 3 * x
                    if chroma {
                        worst = max(worst, abs((Int(a[0]) - Int(a[1])) - (Int(b[0]) - Int(b[1]))))
                        worst = max(worst, abs((Int(a[1]) - Int(a[2])) - (Int(b[1]) - Int(b[2]))))
                    } else {
                        for c in 0..<3 { worst = max(worst, abs(Int(a[c]) - Int(b[c]))) }
                    }
                }
            }
            return worst
        }
        for (strength, preserve) in [(Float(0), false), (1, true)] {
            let stylizers = try [Float(0), 0.6].map { amount in
                try FrameStylizer(model: model, width: still.width, height: still.height,
                                  settings: StyleSettings(style: .single(0), strength: strength, preserveColor: preserve,
                                                          smoothing: amount))
            }
            for t in 0..<3 {
                let off = Self.copy(still), on = Self.copy(still)
                try stylizers[0].stylize(off)
                try stylizers[1].stylize(on)
                if strength == 0 {
                    #expect(deviation(on, chroma: false) <= 1, "strength 0, frame \(t)")
                } else {
                    // Where the painting's luma shift clips at 0 or 255 neither keeps the chroma exactly.
                    #expect(deviation(on, chroma: true) <= deviation(off, chroma: true) + 2, "preserved colour, frame \(t)")
                }
            }
        }
    }

    /// `--smoothing 0` allocates nothing and leaves every frame as painted.
    @Test func zeroAmountIsOff() throws {
        let smoother = try TemporalSmoother(width: Self.width, height: Self.height, amount: 0)
        #expect(!smoother.isEnabled)
        #expect(smoother.allocations == 0)
        let inputs = (0..<3).map(Self.movingSquare)
        let outputs = try Self.run(inputs, amount: 0)
        var noise = SplitMix(seed: 7)
        for (input, output) in zip(inputs, outputs) {
            #expect(Self.meanDifference(output, Self.paint(input, flicker: 24, noise: &noise)) { _, _ in true } == 0)
        }
    }
}
