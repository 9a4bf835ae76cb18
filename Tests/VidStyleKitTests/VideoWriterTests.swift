import Foundation
import XCTest
@testable import VidStyleKit

final class VideoWriterTests: TemporaryFolderTestCase {
    /// Reads `input` and writes every frame and audio packet to `output`; returns the finished
    /// writer (for its notices) and the (pts, duration) of the frames read.
    @discardableResult
    private func copy(_ input: String, to output: String, options: EncodingOptions = .init(),
                      video override: ((inout VideoStreamInfo) -> Void)? = nil)
        throws -> (writer: VideoWriter, frames: [(Int64, Int64)]) {
        let reader = try VideoReader(path: input)
        var info = reader.video
        override?(&info)
        let writer = try VideoWriter(path: output, video: info, audio: reader.audio, options: options)
        let pool = VideoFramePool(width: info.width, height: info.height)
        var frames: [(Int64, Int64)] = []
        while let item = try reader.next(pool: pool) {
            switch item {
            case .video(let frame):
                frames.append((frame.pts, frame.duration))
                try writer.write(frame)
                pool.recycle(frame)
            case .copied(let packet):
                try writer.write(packet)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "OUT must not exist before finish")
        try writer.finish()
        XCTAssertTrue(FileManager.default.fileExists(atPath: output))
        XCTAssertFalse(FileManager.default.fileExists(atPath: writer.temporaryPath))
        return (writer, frames)
    }

    private func readFrames(_ path: String) throws -> [(Int64, Int64)] {
        let reader = try VideoReader(path: path)
        let pool = VideoFramePool(width: reader.video.width, height: reader.video.height)
        var frames: [(Int64, Int64)] = []
        while let item = try reader.next(pool: pool) {
            if case .video(let frame) = item {
                frames.append((frame.pts, frame.duration))
                pool.recycle(frame)
            }
        }
        return frames
    }

    /// Fully decodes `path` with the ffmpeg CLI; returns its error output (empty when clean).
    private func decodeErrors(_ path: String) throws -> String {
        do {
            try TestMedia.run("ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-f", "null", "-"]).checked()
            return ""
        } catch let failure as TestMediaError {
            return failure.description
        }
    }

    private func audioHash(_ path: String) throws -> String {
        try TestMedia.run("ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-map", "0:a",
                                     "-c", "copy", "-f", "md5", "-"]).checked().stdout
    }

    private func makeClip(_ name: String, video: String = "testsrc2=s=320x240:r=25:d=2",
                          audioCodec: String? = "aac", extra: [String] = []) throws -> String {
        let path = folder + "/" + name
        var args = ["-f", "lavfi", "-i", video]
        if audioCodec != nil { args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:d=2"] }
        args += ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
        if let audioCodec { args += ["-c:a", audioCodec] }
        try TestMedia.ffmpeg(args + extra + [path])
        return path
    }

    // MARK: timing

    func testRoundTripKeepsFrameCountPtsAndDuration() throws {
        let input = folder + "/vfr.mp4"
        try TestMedia.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=160x120:r=10:d=3",
            "-vf", "settb=1/1000,setpts=(N*N*0.01+N*0.05)/TB",
            "-fps_mode", "passthrough", "-enc_time_base", "1/1000", "-video_track_timescale", "1000",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", input])
        let inputBase = try VideoReader(path: input).video.timeBase
        for ext in ["mp4", "mkv", "mov"] {
            let output = folder + "/out." + ext
            let (_, written) = try copy(input, to: output)
            let read = try readFrames(output)
            // The muxer may pick a finer time base (mp4: 1/16000): compare as exact fractions.
            let outputBase = try VideoReader(path: output).video.timeBase
            func same(_ a: Int64, _ b: Int64) -> Bool {
                a * Int64(inputBase.num) * Int64(outputBase.den) == b * Int64(outputBase.num) * Int64(inputBase.den)
            }
            XCTAssertEqual(written.count, 30, ext)
            XCTAssertEqual(read.count, 30, ext)
            XCTAssertTrue(zip(written, read).allSatisfy { same($0.0, $1.0) },
                          "\(ext): \(written.map(\.0)) vs \(read.map(\.0)) in \(outputBase)")
            // Durations of all frames but the last (for which only a frame-rate guess exists).
            XCTAssertTrue(zip(written.dropLast(), read.dropLast()).allSatisfy { same($0.1, $1.1) },
                          "\(ext): \(written.map(\.1)) vs \(read.map(\.1))")
            XCTAssertEqual(Set(written.dropLast().map(\.1)).count, 29, "irregular durations")
        }
        let output = folder + "/out.mp4"
        let probed = try TestMedia.probeLines(output, stream: "v:0", entries: "stream=nb_frames")
        XCTAssertEqual(probed, ["30"])
    }

    // MARK: audio

    func testAudioIsCopiedBitForBit() throws {
        let input = try makeClip("in.mp4")
        for ext in ["mp4", "mkv", "mov"] {
            let output = folder + "/out." + ext
            let (writer, _) = try copy(input, to: output)
            XCTAssertEqual(writer.notices, [], ext)
            XCTAssertEqual(try audioHash(output), try audioHash(input), ext)
            XCTAssertEqual(try decodeErrors(output), "", ext)
        }
    }

    func testMp2IntoWebmIsReencodedToOpusWithNotice() throws {
        let input = try makeClip("in.mkv", audioCodec: "mp2")
        let output = folder + "/out.webm"
        let (writer, _) = try copy(input, to: output)
        XCTAssertTrue(writer.notices.contains("audio: mp2 can't go into webm; re-encoded to Opus"),
                      "\(writer.notices)")
        XCTAssertTrue(writer.notices.contains("video: h264 can't go into webm; encoded as VP9"),
                      "\(writer.notices)")
        let codecs = try TestMedia.probeLines(output, stream: "a:0", entries: "stream=codec_name")
        XCTAssertEqual(codecs, ["opus"])
        XCTAssertEqual(try TestMedia.probeLines(output, stream: "v:0", entries: "stream=codec_name"), ["vp9"])
        XCTAssertEqual(try decodeErrors(output), "")
        let seconds = try TestMedia.ffprobe(["-show_entries", "format=duration", "-of", "csv=p=0", output])
        XCTAssertEqual(Double(seconds.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 2, accuracy: 0.15)
    }

    func testPcmIntoMp4IsReencodedToAAC() throws {
        let input = try makeClip("in.mov", audioCodec: "pcm_s16le")
        let output = folder + "/out.mp4"
        let (writer, _) = try copy(input, to: output)
        XCTAssertEqual(writer.notices, ["audio: pcm_s16le can't go into mp4; re-encoded to AAC"])
        XCTAssertEqual(try TestMedia.probeLines(output, stream: "a:0", entries: "stream=codec_name"), ["aac"])
        XCTAssertEqual(try decodeErrors(output), "")
        let duration = try TestMedia.probeLines(output, stream: "a:0", entries: "stream=duration")
        XCTAssertEqual(Double(duration.first ?? "") ?? 0, 2, accuracy: 0.1)
    }

    func testKeepAudioFalseDropsAudio() throws {
        let input = try makeClip("in.mp4")
        let output = folder + "/out.mp4"
        try copy(input, to: output, options: EncodingOptions(keepAudio: false))
        XCTAssertEqual(try TestMedia.probeLines(output, stream: "a", entries: "stream=codec_name"), [])
    }

    // MARK: containers and codecs

    func testEveryContainerPlays() throws {
        let input = try makeClip("in.mp4")
        let cases: [(String, VideoCodec)] = [("mp4", .h264), ("mkv", .h264), ("mov", .h264),
                                             ("webm", .vp9), ("mkv", .h265), ("mp4", .h265), ("mkv", .vp9)]
        for (ext, codec) in cases {
            let output = folder + "/out-\(codec.rawValue)." + ext
            try copy(input, to: output, options: EncodingOptions(codec: codec))
            XCTAssertEqual(try decodeErrors(output), "", output)
            let frames = try TestMedia.probe(output, stream: "v", entry: "nb_read_frames", countFrames: true)
            XCTAssertEqual(frames, "50", output)
            XCTAssertEqual(TestMedia.contents(folder).filter { $0.hasPrefix(".") }, [])
        }
    }

    func testCrfAndPresetAreUsed() throws {
        let input = try makeClip("in.mp4", audioCodec: nil)
        let small = folder + "/small.mp4", large = folder + "/large.mp4"
        try copy(input, to: small, options: EncodingOptions(crf: 40, preset: "ultrafast"))
        try copy(input, to: large, options: EncodingOptions(crf: 10, preset: "ultrafast"))
        let size = { (p: String) in (try FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0 }
        XCTAssertLessThan(try size(small) * 2, try size(large))
    }

    func testBadPresetFailsClearlyAndLeavesNothing() throws {
        let input = try makeClip("in.mp4", audioCodec: nil)
        let reader = try VideoReader(path: input)
        let output = folder + "/out.mp4"
        XCTAssertThrowsError(try VideoWriter(path: output, video: reader.video, audio: nil,
                                             options: EncodingOptions(preset: "warp-speed"))) { error in
            guard case .encodeFailed? = error as? MediaError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(TestMedia.contents(folder), ["in.mp4"])
    }

    // MARK: metadata

    func testRotationIsCarried() throws {
        let input = try makeClip("in.mp4", audioCodec: nil)
        let output = folder + "/rotated.mp4"
        // 90° clockwise, as phones store portrait video.
        let matrix: [Int32] = [0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30]
        try copy(input, to: output) { $0.displayMatrix = matrix }
        let reader = try VideoReader(path: output)
        XCTAssertEqual(reader.video.displayMatrix, matrix)
        XCTAssertEqual(reader.video.rotationDegrees, 90, accuracy: 0.01)
        let probe = try TestMedia.ffprobe(["-show_streams", "-select_streams", "v:0", output])
        XCTAssertTrue(probe.contains("rotation=-90"), probe)
        // And onwards from a file that has it.
        try copy(output, to: folder + "/again.mov")
        XCTAssertEqual(try VideoReader(path: folder + "/again.mov").video.displayMatrix, matrix)
    }

    func testColourTagsAreCarried() throws {
        let input = try makeClip("hd.mp4", video: "testsrc2=s=1280x720:r=10:d=0.5", audioCodec: nil,
                                 extra: ["-color_primaries", "bt709", "-color_trc", "bt709",
                                         "-colorspace", "bt709", "-color_range", "tv"])
        for ext in ["mp4", "mkv", "webm"] {
            let output = folder + "/out." + ext
            try copy(input, to: output)
            let tags = try TestMedia.probeLines(output, stream: "v:0",
                entries: "stream=color_space,color_primaries,color_transfer,color_range")
            XCTAssertEqual(tags, ["tv,bt709,bt709,bt709"], ext)
        }
    }

    func testColoursSurviveTheRoundTrip() throws {
        // Flat red in BT.601 SD and BT.709 HD: after decode → RGB → encode → decode, still red.
        for (size, matrix) in [("640x360", "bt601"), ("1280x720", "bt709")] {
            let input = folder + "/red-\(matrix).mp4"
            try TestMedia.ffmpeg(["-f", "lavfi", "-i", "color=c=red:s=\(size):r=5:d=0.4",
                                         "-vf", "scale=out_color_matrix=\(matrix):out_range=tv",
                                         "-colorspace", matrix == "bt601" ? "smpte170m" : "bt709",
                                         "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", input])
            let output = folder + "/out-\(matrix).mp4"
            try copy(input, to: output)
            let reader = try VideoReader(path: output)
            let pool = VideoFramePool(width: reader.video.width, height: reader.video.height)
            guard case .video(let frame)? = try reader.next(pool: pool) else { return XCTFail("no frame") }
            let p = frame.row(frame.height / 2) + frame.width / 2 * 3
            XCTAssertGreaterThan(p[0], 240, matrix)
            XCTAssertLessThan(p[1], 15, matrix)
            XCTAssertLessThan(p[2], 15, matrix)
        }
    }

    // MARK: sizes and stills

    func testOddSizeIsCroppedForH264AndExactForPNG() throws {
        let input = folder + "/odd.mkv"
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc=s=721x405:r=10:d=0.5",
                                     "-c:v", "ffv1", input])
        let reader = try VideoReader(path: input)
        XCTAssertEqual(reader.video.width, 721)
        for (ext, size) in [("mp4", "720,404"), ("webm", "720,404"), ("jpg", "720,404"), ("png", "721,405")] {
            let output = folder + "/out." + ext
            try copy(input, to: output)
            XCTAssertEqual(try TestMedia.probeLines(output, stream: "v:0", entries: "stream=width,height"),
                           [size], ext)
        }
    }

    func testPngStillRoundTripIsExact() throws {
        let input = folder + "/still.png"
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc=s=99x51", "-frames:v", "1", input])
        let output = folder + "/out.png"
        try copy(input, to: output)
        func pixels(_ path: String) throws -> [UInt8] {
            let reader = try VideoReader(path: path)
            let pool = VideoFramePool(width: reader.video.width, height: reader.video.height)
            guard case .video(let frame)? = try reader.next(pool: pool) else { return [] }
            return (0..<frame.height).flatMap { Array(UnsafeBufferPointer(start: frame.row($0), count: frame.width * 3)) }
        }
        let a = try pixels(input), b = try pixels(output)
        XCTAssertEqual(a.count, 99 * 51 * 3)
        XCTAssertEqual(a, b)
        XCTAssertEqual(try TestMedia.probeLines(output, stream: "v:0", entries: "stream=codec_name,pix_fmt"),
                       ["png,rgb24"])
    }

    func testVideoIntoPngKeepsTheLastFrame() throws {
        let input = try makeClip("in.mp4")
        let output = folder + "/last.png"
        try copy(input, to: output)
        XCTAssertEqual(try TestMedia.probeLines(output, stream: "v:0", entries: "stream=width,height"),
                       ["320,240"])
        XCTAssertEqual(TestMedia.contents(folder), ["in.mp4", "last.png"])
    }

    // MARK: output file handling and errors

    func testFinishRenamesAtomicallyAndDiscardLeavesNothing() throws {
        let input = try makeClip("in.mp4")
        let reader = try VideoReader(path: input)
        let output = folder + "/out.mp4"
        let pool = VideoFramePool(width: reader.video.width, height: reader.video.height)
        do {
            let writer = try VideoWriter(path: output, video: reader.video, audio: reader.audio,
                                         options: EncodingOptions())
            XCTAssertTrue(writer.temporaryPath.hasPrefix(folder + "/.out.mp4.vidstyle-tmp-"))
            for _ in 0..<5 {
                guard let item = try reader.next(pool: pool) else { break }
                switch item {
                case .video(let frame): try writer.write(frame)
                case .copied(let packet): try writer.write(packet)
                }
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: writer.temporaryPath))
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
            writer.discard()
            writer.discard()
            XCTAssertThrowsError(try writer.finish())
        }
        XCTAssertEqual(TestMedia.contents(folder), ["in.mp4"])
        // Dropped without finish or discard: deinit cleans up.
        do {
            let writer = try VideoWriter(path: output, video: reader.video, audio: nil, options: EncodingOptions())
            if case .video(let frame)? = try reader.next(pool: pool) { try writer.write(frame) }
        }
        XCTAssertEqual(TestMedia.contents(folder), ["in.mp4"])
        // finish replaces an existing OUT in one rename.
        try Data("old".utf8).write(to: URL(fileURLWithPath: output))
        try copy(input, to: folder + "/fresh.mp4")
        XCTAssertEqual(TestMedia.contents(folder), ["fresh.mp4", "in.mp4", "out.mp4"])
    }

    func testFinishWithoutFramesFailsAndLeavesNothing() throws {
        let info = VideoStreamInfo(width: 64, height: 48, timeBase: Rational(num: 1, den: 25))
        let output = folder + "/empty.mp4"
        let writer = try VideoWriter(path: output, video: info, audio: nil, options: EncodingOptions())
        XCTAssertThrowsError(try writer.finish()) { error in
            XCTAssertTrue("\(error)".contains("no video frames"))
        }
        writer.discard()
        XCTAssertEqual(TestMedia.contents(folder), [])
    }

    func testSyntheticFramesEncode() throws {
        // Frames made in Swift (as the stylizer makes them) with irregular pts.
        let info = VideoStreamInfo(width: 64, height: 48, timeBase: Rational(num: 1, den: 1000))
        let output = folder + "/synthetic.mkv"
        let writer = try VideoWriter(path: output, video: info, audio: nil, options: EncodingOptions())
        let pts: [Int64] = [0, 40, 100, 120, 300, 333, 400]
        for (i, t) in pts.enumerated() {
            let frame = VideoFrame(width: 64, height: 48, pts: t, duration: i + 1 < pts.count ? pts[i + 1] - t : 40)
            for y in 0..<48 { frame.row(y).update(repeating: UInt8(y * 5), count: 64 * 3) }
            try writer.write(frame)
        }
        try writer.finish()
        XCTAssertEqual(try readFrames(output).map(\.0), pts)
    }

    private func assertWriterError(_ output: String, _ check: (MediaError) -> Bool,
                                   file: StaticString = #filePath, line: UInt = #line) {
        let info = VideoStreamInfo(width: 64, height: 48, timeBase: Rational(num: 1, den: 25))
        XCTAssertThrowsError(try VideoWriter(path: output, video: info, audio: nil, options: EncodingOptions()),
                             file: file, line: line) { error in
            guard let media = error as? MediaError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertTrue(check(media), "unexpected \(media)", file: file, line: line)
            XCTAssertFalse(media.description.contains("\n"), file: file, line: line)
        }
    }

    func testUnknownExtension() {
        assertWriterError(folder + "/out.xyz") {
            guard case .unknownOutputExtension = $0 else { return false }
            return $0.description.contains(".mp4") && $0.description.contains(".webm")
                && $0.description.contains("out.xyz")
        }
        XCTAssertEqual(TestMedia.contents(folder), [])
    }

    func testUnwritableFolder() throws {
        assertWriterError(folder + "/missing/out.mp4") {
            if case .outputFolderNotWritable = $0 { return true } else { return false }
        }
        try Data().write(to: URL(fileURLWithPath: folder + "/plain-file"))
        assertWriterError(folder + "/plain-file/out.mp4") {
            if case .outputFolderNotWritable = $0 { return true } else { return false }
        }
        if getuid() != 0 {
            let locked = folder + "/locked"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o555])
            assertWriterError(locked + "/out.mp4") {
                if case .outputFolderNotWritable = $0 { return true } else { return false }
            }
            XCTAssertEqual(TestMedia.contents(locked), [])
        }
        XCTAssertEqual(TestMedia.contents(folder), ["plain-file"])
    }
}

extension VideoWriterTests {
    func testContainerThatCannotHoldCodec() throws {
        let folder = try TestMedia.temporaryFolder("cannotHold")
        defer { TestMedia.remove(folder) }
        let info = VideoStreamInfo(width: 64, height: 48, timeBase: Rational(num: 1, den: 25))
        XCTAssertThrowsError(try VideoWriter(path: folder + "/o.mov", video: info, audio: nil,
                                             options: EncodingOptions(codec: .vp9))) { error in
            XCTAssertEqual(error as? MediaError, .containerCannotHoldCodec(container: "mov", codec: "vp9"))
            XCTAssertEqual("\(error)", "mov cannot hold vp9; pick another codec or output extension")
        }
        XCTAssertEqual(TestMedia.contents(folder), [])
        // Every other combination opens.
        for ext in ["mov", "mp4", "mkv", "webm"] {
            for codec in VideoCodec.allCases where !(ext == "mov" && codec == .vp9) {
                let writer = try VideoWriter(path: folder + "/o." + ext, video: info, audio: nil,
                                             options: EncodingOptions(codec: codec))
                writer.discard()
            }
        }
        XCTAssertEqual(TestMedia.contents(folder), [])
    }
}

extension VideoWriterTests {
    func testStartOffsetIsRemovedAndSyncKept() throws {
        let folder = try TestMedia.temporaryFolder("sync")
        defer { TestMedia.remove(folder) }
        let input = folder + "/late.ts", output = folder + "/out.mkv"
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=2",
                                     "-f", "lavfi", "-i", "sine=d=2:sample_rate=48000",
                                     "-c:v", "mpeg2video", "-c:a", "mp2", "-output_ts_offset", "3", input])
        func starts(_ path: String) throws -> (video: Double, audio: Double) {
            let v = try TestMedia.probeLines(path, stream: "v:0", entries: "stream=start_time")
            let a = try TestMedia.probeLines(path, stream: "a:0", entries: "stream=start_time")
            return (Double(v[0].split(separator: ",")[0])!, Double(a[0].split(separator: ",")[0])!)
        }
        let before = try starts(input)
        XCTAssertGreaterThan(before.video, 3)
        try copy(input, to: output)
        let after = try starts(output)
        XCTAssertLessThan(min(after.video, after.audio), 0.05)
        // The gap between audio and video is the same (to the millisecond of mkv).
        XCTAssertEqual(after.video - after.audio, before.video - before.audio, accuracy: 0.002)
        XCTAssertEqual(try audioHash(output), try audioHash(input))
    }
}
