import Foundation
import Testing
@testable import VidStyleKit

/// The shipped network paints streaks over 24 px deep along its input's edges. The stylizer's
/// mirrored margin must keep them out of the picture: the outer rows and columns of a painted
/// frame must match the same pixels painted in the middle of a larger, mirror-extended frame.
@Suite struct EdgeMarginTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/city.mp4").path

    /// Mean absolute difference, in levels of 255, over the outer `band` pixels of `small`
    /// against the same pixels of `large`, where `small` sits at (`offset`, `offset`).
    func edgeDifference(_ small: VideoFrame, _ large: VideoFrame, offset: Int, band: Int) -> Double {
        bandDifference(small, large, offset: offset) { x, y in
            x < band || y < band || x >= small.width - band || y >= small.height - band
        }
    }

    /// The same over the pixels of `small` where `inside(x, y)` holds.
    func bandDifference(_ small: VideoFrame, _ large: VideoFrame, offset: Int, _ inside: (Int, Int) -> Bool) -> Double {
        var sum = 0, count = 0
        for y in 0..<small.height {
            for x in 0..<small.width where inside(x, y) {
                let a = small.row(y) + 3 * x, b = large.row(y + offset) + 3 * (x + offset)
                for c in 0..<3 { sum += abs(Int(a[c]) - Int(b[c])) }
                count += 3
            }
        }
        return Double(sum) / Double(count)
    }

    @Test func picturesEdgesAreFreeOfTheNetworksEdgeStreaks() throws {
        let model = try StyleModel.load(contentsOf: ModelLocator.locate(explicit: nil, environment: [:]))
        let reader = try VideoReader(path: Self.sample)
        let pool = VideoFramePool(width: reader.video.width, height: reader.video.height)
        var first: VideoFrame?
        while first == nil, let item = try reader.next(pool: pool) {
            if case .video(let frame) = item { first = frame }
        }
        let picture = try #require(first)
        let extra = 64
        let large = VideoFrame(width: picture.width + 2 * extra, height: picture.height + 2 * extra)
        for y in 0..<large.height {
            let source = picture.row(PlanarImage.mirror(y - extra, picture.height))
            for x in 0..<large.width {
                let from = source + 3 * PlanarImage.mirror(x - extra, picture.width)
                for c in 0..<3 { large.row(y)[3 * x + c] = from[c] }
            }
        }
        for style in [0, 2, 6] {
            let settings = StyleSettings(style: .single(style), smoothing: 0)
            let small = VideoFrame(width: picture.width, height: picture.height)
            small.pixels.update(from: picture.pixels, count: picture.stride * picture.height)
            let painted = VideoFrame(width: large.width, height: large.height)
            painted.pixels.update(from: large.pixels, count: large.stride * large.height)
            try FrameStylizer(model: model, width: small.width, height: small.height, settings: settings).stylize(small)
            try FrameStylizer(model: model, width: painted.width, height: painted.height, settings: settings).stylize(painted)
            let difference = edgeDifference(small, painted, offset: extra, band: 8)
            // 2-4 levels with the 32 px margin, 3-5 with 24 px (the shipped one); with 16 px style 2's
            // top rows are 9-10 levels off, where the streaks show.
            #expect(difference < 6, "style \(style): outer 8 px differ by \(difference) levels")
            // A streak along one side alone: every side on its own (at most 6.0 with 24 px).
            let (w, h) = (small.width, small.height)
            for (side, inside) in [("top", { (_: Int, y: Int) in y < 8 }), ("bottom", { (_: Int, y: Int) in y >= h - 8 }),
                                   ("left", { (x: Int, _: Int) in x < 8 }), ("right", { (x: Int, _: Int) in x >= w - 8 })] {
                let sideDifference = bandDifference(small, painted, offset: extra, inside)
                #expect(sideDifference < 7.5, "style \(style): \(side) 8 px differ by \(sideDifference) levels")
            }
        }
    }
}
