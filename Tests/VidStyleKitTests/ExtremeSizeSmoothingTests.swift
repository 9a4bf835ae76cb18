import Foundation
import Testing
@testable import VidStyleKit

/// Temporal smoothing at the sizes the pipeline accepts but rarely sees: single rows and
/// columns, 2x2, banners and audio-visualizer strips (4000x16, 16x4000) and 4K. Each either
/// follows the motion or is skipped with one notice; none may fail or crash in OpenCV.
@Suite struct ExtremeSizeSmoothingTests {
    /// A textured picture moved `shift` px along its longer side: 8 px blocks of random grey
    /// levels, blurred a little by averaging with the neighbouring block so the flow has
    /// gradients to follow.
    static func movingTexture(width: Int, height: Int, shift: Int) -> VideoFrame {
        let frame = VideoFrame(width: width, height: height)
        let alongWidth = width >= height
        var random = SplitMix(seed: 11)
        let blocks = (0..<((max(width, height) + 64) / 8 + 2) * ((min(width, height) + 7) / 8 + 1)).map { _ in
            UInt8(40 + random.next() % 176)
        }
        let across = (min(width, height) + 7) / 8 + 1
        for y in 0..<height {
            let row = frame.row(y)
            for x in 0..<width {
                let (u, v) = alongWidth ? (x + 64 - shift, y) : (y + 64 - shift, x)
                let a = blocks[(u / 8) * across + v / 8], b = blocks[(u / 8 + 1) * across + v / 8]
                let value = UInt8((Int(a) * (8 - u % 8) + Int(b) * (u % 8)) / 8)
                row[3 * x] = value
                row[3 * x + 1] = value
                row[3 * x + 2] = value
            }
        }
        return frame
    }

    /// The whole stylizer, smoothing on, over three moving frames: the output keeps the size,
    /// and only pictures with a side under 16 px skip smoothing, with a notice.
    @Test(arguments: [(1, 24), (24, 1), (1, 1), (2, 2), (4000, 16), (16, 4000)])
    func stylizerPaintsEverySizeWithSmoothingOn(size: (Int, Int)) throws {
        let (width, height) = size
        let model = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        let stylizer = try FrameStylizer(model: model, width: width, height: height,
                                         settings: StyleSettings(smoothing: 0.6))
        for t in 0..<3 {
            let frame = Self.movingTexture(width: width, height: height, shift: 2 * t)
            try stylizer.stylize(frame)
            #expect(frame.width == width && frame.height == height)
        }
        if min(width, height) < TemporalSmoother.minimumFlowSize {
            let notice = try #require(stylizer.smoothingNotice)
            #expect(notice.contains("\(width)x\(height)") && notice.contains("without smoothing"), "\(notice)")
        } else {
            #expect(stylizer.smoothingNotice == nil)
        }
    }

    /// The smoother alone: strips and a 4K frame are measured at a reduced size that keeps
    /// every side long enough for the flow, and a steady pan is followed (most pixels reliable,
    /// no cut) rather than failing in OpenCV's pyramid.
    @Test(arguments: [(4000, 16), (16, 4000), (100, 16), (256, 24), (64, 64), (4096, 2160)])
    func smootherFollowsAPanAtEverySize(size: (Int, Int)) throws {
        let (width, height) = size
        let scale = TemporalSmoother.flowScale(width: width, height: height)
        #expect(width / scale.x >= TemporalSmoother.minimumFlowSize && height / scale.y >= TemporalSmoother.minimumFlowSize)
        let smoother = try TemporalSmoother(width: width, height: height, amount: 0.6)
        #expect(smoother.notice == nil)
        for t in 0..<3 {
            let frame = Self.movingTexture(width: width, height: height, shift: 2 * t)
            try smoother.observe(frame)
            try smoother.apply(to: frame)
            if t > 0 {
                #expect(!smoother.lastFrameWasCut, "frame \(t) of \(width)x\(height) taken for a cut")
                #expect(smoother.reliability > 0.5, "frame \(t) of \(width)x\(height): reliability \(smoother.reliability)")
            }
        }
    }

    /// Per-axis scales: a banner is reduced along its length only; an ordinary frame as before.
    @Test func flowScaleIsChosenPerAxis() {
        #expect(TemporalSmoother.flowScale(width: 4000, height: 16) == (9, 1))
        #expect(TemporalSmoother.flowScale(width: 16, height: 4000) == (1, 2))
        #expect(TemporalSmoother.flowScale(width: 640, height: 360) == (2, 2))
        #expect(TemporalSmoother.flowScale(width: 4096, height: 2160) == (9, 9))
        #expect(TemporalSmoother.flowScale(width: 48, height: 48) == (1, 1))
    }
}
