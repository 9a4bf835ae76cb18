import Testing
@testable import VidStyleKit

@Suite struct TemporalSmootherTests {
    func solidFrame(_ value: UInt8, width: Int = 8, height: Int = 8) -> VideoFrame {
        let frame = VideoFrame(width: width, height: height)
        for y in 0..<height { for x in 0..<width * 3 { frame.row(y)[x] = value } }
        return frame
    }

    /// Paints `network` (one value for every channel) into a copy of `input` with smoothing.
    func paint(_ input: VideoFrame, network: Float, smoother: TemporalSmoother) -> UInt8 {
        smoother.observeInput(input)
        let out = [Float](repeating: network, count: 3 * input.width * input.height)
        out.withUnsafeBufferPointer {
            PlanarImage.store($0.baseAddress!, width: input.width, height: input.height, into: input,
                              strength: 1, preserveColor: false, smoother: smoother)
        }
        return input.row(0)[0]
    }

    /// A still input whose painting flickers between two values is pulled towards the previous
    /// output; without smoothing it flickers fully.
    @Test func stillPixelsKeepPreviousOutput() {
        let smoother = TemporalSmoother(width: 8, height: 8, amount: 0.6)
        #expect(paint(solidFrame(100), network: 0.2, smoother: smoother) == 51)   // first frame: as painted
        let second = paint(solidFrame(100), network: 0.6, smoother: smoother)
        #expect(second > 51 && second < 153)
        let expected: Double = 51 + (153 - 51) * 0.4
        let difference: Double = abs(Double(second) - expected)
        #expect(difference <= 1)

        let off = TemporalSmoother(width: 8, height: 8, amount: 0)
        _ = paint(solidFrame(100), network: 0.2, smoother: off)
        #expect(paint(solidFrame(100), network: 0.6, smoother: off) == 153)
    }

    /// Where the input changed (motion, or a cut), the new painting is taken as it is.
    @Test func movingPixelsAndCutsAreNotBlended() {
        let smoother = TemporalSmoother(width: 8, height: 8, amount: 1)
        _ = paint(solidFrame(100), network: 0.2, smoother: smoother)
        #expect(paint(solidFrame(130), network: 0.6, smoother: smoother) == 153)  // changed by 30 > threshold
        smoother.reset()
        #expect(paint(solidFrame(130), network: 0.2, smoother: smoother) == 51)   // after reset: as painted
    }
}
