import Foundation
import Synchronization
import Testing
@testable import VidStyleKit

/// A key pressed during a live run, end to end through the real stylizer: the newest-frame
/// pipeline, `ControlledStylizer` reading the `LiveControls` cell, and the painted frames that
/// come out. The target: the painted style changes within 2 painted frames of the key.
@Suite(.serialized) struct LiveKeysPipelineTests {
    /// A real-time source of one unchanging picture that "presses" keys (bytes through
    /// `KeyDecoder`, as the terminal reader does) once `pressAfter` frames were painted, and
    /// ends 6 painted frames later: the key comes at a random point of the stylizer's work,
    /// however slow the machine is.
    final class PictureSource: MediaSource {
        let controls: LiveControls
        let pressAfter: Int
        let press: () -> Void
        private var pressedAt: Int?
        private var produced = 0

        init(controls: LiveControls, pressAfter: Int, press: @escaping () -> Void) {
            self.controls = controls
            self.pressAfter = pressAfter
            self.press = press
        }

        static func paint(_ frame: VideoFrame) {
            for y in 0..<frame.height {
                let row = frame.row(y)
                for x in 0..<frame.width {
                    row[3 * x] = UInt8((x * 4) & 0xff)
                    row[3 * x + 1] = UInt8((y * 5) & 0xff)
                    row[3 * x + 2] = UInt8(((x + y) * 3) & 0xff)
                }
            }
        }

        func next(pool: VideoFramePool) throws -> MediaItem? {
            let painted = controls.painted
            if let pressedAt, painted >= pressedAt + 6 || produced > 3000 { return nil }
            usleep(15_000)
            let frame = pool.take()
            Self.paint(frame)
            frame.pts = Int64(produced)
            frame.duration = 1
            frame.captureTime = MonotonicClock.nanoseconds()
            if pressedAt == nil && painted >= pressAfter {
                pressedAt = painted
                press()
            }
            produced += 1
            return .video(frame)
        }
    }

    /// Keeps a copy of every painted frame's pixels.
    final class PixelSink: MediaSink, @unchecked Sendable {
        let frames = Mutex<[[UInt8]]>([])
        let pts = Mutex<[Int64]>([])
        func write(_ frame: VideoFrame) throws {
            frames.withLock { $0.append(PixelSink.bytes(frame)) }
            pts.withLock { $0.append(frame.pts) }
        }
        func write(_ packet: CopiedPacket) throws {}
        func finish() throws {}
        func discard() {}

        static func bytes(_ frame: VideoFrame) -> [UInt8] {
            (0..<frame.height).flatMap { Array(UnsafeBufferPointer(start: frame.row($0), count: frame.width * 3)) }
        }
    }

    /// The first frame a fresh stylizer paints of the picture (nothing blended into it).
    func reference(_ model: StyleModel, _ settings: StyleSettings) throws -> [UInt8] {
        let stylizer = try FrameStylizer(model: model, width: 64, height: 48, settings: settings)
        let frame = VideoFrame(width: 64, height: 48)
        PictureSource.paint(frame)
        try stylizer.stylize(frame)
        return PixelSink.bytes(frame)
    }

    @Test(arguments: [Float(0), 0.6])
    func aKeyChangesThePaintedStyleWithinTwoPaintedFrames(smoothing: Float) async throws {
        let model = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        let settings = StyleSettings(style: .single(0), smoothing: smoothing)
        var changed = settings
        changed.style = .single(1)
        let before = try reference(model, settings), after = try reference(model, changed)
        #expect(before != after)

        let controls = LiveControls(styleNames: model.styles.map(\.name), initial: PaintSettings(settings))
        let paintedAtPress = Mutex(-1)
        let source = PictureSource(controls: controls, pressAfter: 3) {
            var decoder = KeyDecoder()
            for byte in "1".utf8 { if let key = decoder.feed(byte) { controls.handle(key) } }
            paintedAtPress.withLock { $0 = controls.painted }
        }
        let stylizer = try FrameStylizer(model: model, width: 64, height: 48, settings: settings)
        let sink = PixelSink()
        _ = try await FramePipeline(queueDepth: 1, inputPolicy: .dropOldest)
            .run(source: source, processor: ControlledStylizer(stylizer: stylizer, controls: controls, timeBase: Rational(num: 1, den: 30)),
                 sink: sink, pool: VideoFramePool(width: 64, height: 48), stop: StopSignal())

        let frames = sink.frames.withLock { $0 }
        let first = try #require(frames.firstIndex(of: after), "no painted frame shows style 1")
        // Painted frame number first + 1 is the first in the new style; at most 2 after the key.
        let pressed = paintedAtPress.withLock { $0 }
        #expect(first + 1 - pressed <= 2, "key after \(pressed) painted frames, change at frame \(first + 1)")
        // Every frame before is style 0 (the very first exactly; later ones, smoothed, close to it),
        // every frame from then on style 1.
        #expect(frames[0] == before)
        #expect(frames[..<first].allSatisfy { $0 != after })
        if smoothing == 0 {
            #expect(frames[..<first].allSatisfy { $0 == before })
            #expect(frames[first...].allSatisfy { $0 == after })
        } else {
            // Smoothing starts afresh at the change (the first frame is the new painting itself)
            // and then blends only new-style frames: they stay close to the new painting.
            for frame in frames[first...] {
                let worst = zip(frame, after).map { abs(Int($0) - Int($1)) }.max() ?? 0
                #expect(worst <= 8, "a frame after the change is \(worst) levels off the new style")
            }
        }
        let change = try #require(controls.changes.first)
        #expect(controls.changes.count == 1)
        #expect(change.description == "style 1 (\(model.styles[1].name))")
        #expect((1...2).contains(change.paintedFramesAfterKey))
        #expect(first + 1 - change.paintedFramesAfterKey <= pressed)
        // Its time is the recording time of the first frame that shows it.
        let firstPts = sink.pts.withLock { $0[first] }
        #expect(abs(change.seconds - Double(firstPts) / 30) < 1e-9, "\(change.seconds) against frame pts \(firstPts)")
    }

    @Test func strengthColourAndSmoothingKeysReachThePicture() throws {
        let model = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        let settings = StyleSettings(style: .single(0), smoothing: 0)
        let controls = LiveControls(styleNames: model.styles.map(\.name), initial: PaintSettings(settings))
        let stylizer = ControlledStylizer(stylizer: try FrameStylizer(model: model, width: 64, height: 48, settings: settings),
                                          controls: controls, timeBase: Rational(num: 1, den: 30))
        func paint() throws -> [UInt8] {
            let frame = VideoFrame(width: 64, height: 48)
            PictureSource.paint(frame)
            try stylizer.process(frame)
            return PixelSink.bytes(frame)
        }
        let full = try paint()
        for _ in 0..<10 { controls.handle(.strengthDown) }
        let input = VideoFrame(width: 64, height: 48)
        PictureSource.paint(input)
        #expect(try paint() == PixelSink.bytes(input), "strength 0 gives the input back")
        for _ in 0..<10 { controls.handle(.strengthUp) }
        #expect(try paint() == full)
        controls.handle(.toggleColor)
        var colour = settings
        colour.preserveColor = true
        let kept = try reference(model, colour)
        #expect(kept != full)
        #expect(try paint() == kept)
        // Smoothing on (from a job started without it): the stylizer makes a smoother, and the
        // first frame after the change is the painting itself.
        controls.handle(.toggleSmoothing)
        #expect(try paint() == kept)
        #expect(stylizer.stylizer.settings.smoothing == 0)
        #expect(controls.changes.map(\.description) == ["strength 0.0", "strength 1.0", "preserve colour on", "smoothing on"])
    }
}
