import Foundation
import XCTest
@testable import VidStyleKit

/// Reads (and re-encodes) every video in the folder named by `VIDSTYLE_SAMPLE_VIDEOS`, comparing
/// the frame count with `ffprobe -count_frames`. Skipped when the variable is unset: the sample
/// videos are not part of the repository.
final class SampleVideoTests: XCTestCase {
    func testEverySampleVideo() throws {
        guard let folder = ProcessInfo.processInfo.environment["VIDSTYLE_SAMPLE_VIDEOS"] else {
            throw XCTSkip("set VIDSTYLE_SAMPLE_VIDEOS to a folder of videos to run this")
        }
        let out = try TestMedia.temporaryFolder("samples")
        defer { TestMedia.remove(out) }
        let names = TestMedia.contents(folder).filter { !$0.hasPrefix(".") }
        for name in names {
            let path = folder + "/" + name
            let expected = (try? TestMedia.probeLines(path, stream: "v:0", entries: "stream=nb_read_frames",
                                                      countFrames: true))?
                .first.map { $0.split(separator: ",").first.map(String.init) ?? "" } ?? "?"
            let started = Date()
            do {
                let reader = try VideoReader(path: path)
                let output = out + "/" + name + ".mp4"
                let writer = try VideoWriter(path: output, video: reader.video, audio: reader.audio,
                                             options: EncodingOptions(preset: "ultrafast"))
                let pool = VideoFramePool(width: reader.video.width, height: reader.video.height)
                var frames = 0, audio = 0
                var firstPts: Int64?
                var decreasing = 0
                var last: Int64 = .min
                while let item = try reader.next(pool: pool) {
                    switch item {
                    case .video(let frame):
                        frames += 1
                        if firstPts == nil { firstPts = frame.pts }
                        if frame.pts <= last { decreasing += 1 }
                        last = frame.pts
                        try writer.write(frame)
                        pool.recycle(frame)
                    case .copied(let packet):
                        audio += 1
                        try writer.write(packet)
                    }
                }
                try writer.finish()
                let v = reader.video
                let check = try TestMedia.run("ffmpeg", ["-nostdin", "-v", "error", "-i", output, "-f", "null", "-"])
                    .checked().stdout
                print("SAMPLE \(name): \(v.codecName) \(v.width)x\(v.height) tb \(v.timeBase) "
                      + "rot \(v.rotationDegrees) colour \(v.colour.matrix)/\(v.colour.range) "
                      + "frames \(frames) ffprobe \(expected) firstPts \(firstPts ?? -1) nonIncreasing \(decreasing) "
                      + "skipped \(reader.skippedPackets) audio \(reader.audio?.codecName ?? "-") packets \(audio) "
                      + "notices \(writer.notices) decodeErrors \(check.isEmpty ? "none" : check) "
                      + String(format: "%.1fs", Date().timeIntervalSince(started)))
                XCTAssertEqual(String(frames), expected, name)
            } catch {
                print("SAMPLE \(name): ERROR \(error)")
                XCTFail("\(name): \(error)")
            }
        }
    }
}
