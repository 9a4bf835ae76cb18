import Foundation
import XCTest
@testable import VidStyleKit

final class VideoReaderTests: TemporaryFolderTestCase {
    /// Reads every item; returns the video frames' (pts, duration) and the audio packet count.
    private func readAll(_ path: String) throws -> (frames: [(Int64, Int64)], audio: Int, reader: VideoReader) {
        let reader = try VideoReader(path: path)
        let pool = VideoFramePool(width: reader.video.width, height: reader.video.height)
        var frames: [(Int64, Int64)] = []
        var audio = 0
        while let item = try reader.next(pool: pool) {
            switch item {
            case .video(let frame):
                frames.append((frame.pts, frame.duration))
                pool.recycle(frame)
            case .copied:
                audio += 1
            }
        }
        return (frames, audio, reader)
    }

    func testVariableFrameRateKeepsEveryPts() throws {
        let path = folder + "/vfr.mp4"
        // Irregular timestamps (gaps grow by 20 ms each frame); B-frames reorder decoding.
        try TestMedia.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=160x120:r=10:d=3",
            "-vf", "settb=1/1000,setpts=(N*N*0.01+N*0.05)/TB",
            "-fps_mode", "passthrough", "-enc_time_base", "1/1000", "-video_track_timescale", "1000",
            "-c:v", "libx264", "-bf", "2", "-pix_fmt", "yuv420p", path])
        let expected = try TestMedia.probeLines(
            path, stream: "v:0", entries: "frame=best_effort_timestamp")
            .map { Int64($0.split(separator: ",")[0])! }
        let (frames, audio, reader) = try readAll(path)
        XCTAssertEqual(reader.video.timeBase, Rational(num: 1, den: 1000))
        XCTAssertEqual(audio, 0)
        XCTAssertNil(reader.audio)
        XCTAssertEqual(frames.count, 30)
        XCTAssertEqual(frames.map(\.0), expected)
        XCTAssertEqual(frames.first?.0, 0)
        // Not evenly spaced: the gaps differ.
        let gaps = Set(zip(frames.dropFirst(), frames).map { $0.0 - $1.0 })
        XCTAssertGreaterThan(gaps.count, 1)
        XCTAssertEqual(reader.skippedPackets, 0)
    }

    func testStartTimeIsShiftedToZeroForAudioAndVideo() throws {
        let path = folder + "/late.ts"
        try TestMedia.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=1",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:d=1",
            "-c:v", "mpeg2video", "-c:a", "mp2", "-output_ts_offset", "3", path])
        let reader = try VideoReader(path: path)
        XCTAssertEqual(reader.video.timeBase, Rational(num: 1, den: 90000))
        XCTAssertEqual(reader.audio?.codecName, "mp2")
        let pool = VideoFramePool(width: 160, height: 120)
        var videoPts: [Int64] = []
        var audioPts: [Int64] = []
        while let item = try reader.next(pool: pool) {
            switch item {
            case .video(let frame): videoPts.append(frame.pts); pool.recycle(frame)
            case .copied(let packet): audioPts.append(packet.pts ?? -1)
            }
        }
        XCTAssertEqual(videoPts.count, 25)
        // The earliest stream starts at 0; both are within 0.1 s of it (sync kept).
        let first = min(videoPts.min()!, audioPts.min()!)
        XCTAssertEqual(first, 0)
        XCTAssertLessThan(videoPts.min()!, 9000)
        XCTAssertLessThan(audioPts.min()!, 9000)
        XCTAssertEqual(videoPts[1] - videoPts[0], 3600)
    }

    func testReadsPixelsInRGBWithStreamColour() throws {
        // A flat BT.709 limited-range red: RGB must come back near (255, 0, 0).
        let path = folder + "/red.mkv"
        try TestMedia.ffmpeg([
            "-f", "lavfi", "-i", "color=c=red:s=1280x720:r=5:d=0.4",
            "-vf", "scale=out_color_matrix=bt709:out_range=tv",
            "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
            "-color_range", "tv", "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", path])
        let reader = try VideoReader(path: path)
        XCTAssertEqual(reader.video.colour.matrix, 1)
        XCTAssertEqual(reader.video.colour.range, 1)
        XCTAssertEqual(reader.video.codecName, "h264")
        let pool = VideoFramePool(width: 1280, height: 720)
        guard case .video(let frame)? = try reader.next(pool: pool) else {
            return XCTFail("no frame")
        }
        let p = frame.row(360) + 640 * 3
        XCTAssertGreaterThan(p[0], 245)
        XCTAssertLessThan(p[1], 10)
        XCTAssertLessThan(p[2], 10)
    }

    func testOddSizeAndFrameSizeChangeMidStream() throws {
        let a = folder + "/a.ts", b = folder + "/b.ts", path = folder + "/joined.ts"
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc=s=721x405:r=10:d=1",
                                     "-c:v", "mpeg2video", a])
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=320x240:r=10:d=1",
                                     "-c:v", "mpeg2video", "-output_ts_offset", "1", b])
        // Byte-concatenated transport streams: the decoder changes size after 10 frames.
        let joined = try Data(contentsOf: URL(fileURLWithPath: a)) + Data(contentsOf: URL(fileURLWithPath: b))
        try joined.write(to: URL(fileURLWithPath: path))
        let (frames, _, reader) = try readAll(path)
        XCTAssertEqual(reader.video.width, 721)
        XCTAssertEqual(reader.video.height, 405)
        // The packet that straddles the join may be lost; everything else decodes.
        XCTAssertGreaterThanOrEqual(frames.count, 18)
        XCTAssertLessThanOrEqual(frames.count, 20)
    }

    func testTruncatedFileYieldsDecodableFramesThenEnds() throws {
        let path = folder + "/full.mkv", cut = folder + "/cut.mkv"
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=4",
                                     "-c:v", "libx264", "-g", "10", path])
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count * 6 / 10).write(to: URL(fileURLWithPath: cut))
        let (frames, _, _) = try readAll(cut)
        XCTAssertGreaterThan(frames.count, 20)
        XCTAssertLessThan(frames.count, 100)
    }

    func testTruncatedMp4EitherYieldsFramesOrFailsClearly() throws {
        // Index at the end (the cut loses it: a clear error) and at the start (frames, then end).
        for (name, flags) in [("tail.mp4", "+empty_moov"), ("tail2.mp4", ""), ("head.mp4", "+faststart")] {
            let path = folder + "/" + name, cut = folder + "/cut-" + name
            var args = ["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=4", "-c:v", "libx264", "-g", "10"]
            if !flags.isEmpty { args += ["-movflags", flags] }
            try TestMedia.ffmpeg(args + [path])
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
            do {
                let (frames, _, _) = try readAll(cut)
                XCTAssertLessThan(frames.count, 100, name)
            } catch let error as MediaError {
                guard case .notMedia = error else { return XCTFail("\(name): \(error)") }
                XCTAssertFalse(error.description.contains("\n"))
            }
        }
    }

    func testStillImageReadsOneFrame() throws {
        let path = folder + "/still.png"
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc=s=99x51", "-frames:v", "1", path])
        let (frames, audio, reader) = try readAll(path)
        XCTAssertEqual(reader.video.width, 99)
        XCTAssertEqual(reader.video.height, 51)
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(audio, 0)
    }

    // MARK: errors

    private func assertReaderError(_ path: String, _ check: (MediaError) -> Bool,
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try VideoReader(path: path), file: file, line: line) { error in
            guard let media = error as? MediaError else {
                return XCTFail("not a MediaError: \(error)", file: file, line: line)
            }
            XCTAssertTrue(check(media), "unexpected \(media)", file: file, line: line)
            XCTAssertFalse(media.description.contains("\n"), file: file, line: line)
            XCTAssertTrue(media.description.contains(path), file: file, line: line)
        }
    }

    func testMissingFile() {
        assertReaderError(folder + "/nope.mp4") {
            if case .inputMissing = $0 { return true } else { return false }
        }
    }

    func testEmptyFile() throws {
        let path = folder + "/empty.mp4"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        assertReaderError(path) {
            if case .notMedia(_, let reason) = $0 { return reason.contains("empty") } else { return false }
        }
    }

    func testTextFileIsNotMedia() throws {
        for name in ["notes.txt", "notes.mp4"] {
            let path = folder + "/" + name
            try "hello, this is not a video\n".write(toFile: path, atomically: false, encoding: .utf8)
            assertReaderError(path) {
                if case .notMedia = $0 { return true } else { return false }
            }
        }
    }

    func testAudioOnlyFileHasNoVideo() throws {
        let path = folder + "/tone.m4a"
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "aac", path])
        assertReaderError(path) {
            if case .noVideoStream = $0 { return true } else { return false }
        }
    }
}
