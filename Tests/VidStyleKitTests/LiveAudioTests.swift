import Foundation
import Testing
@testable import VidStyleKit

/// `--audio-input`: sound recorded beside a live picture on the same clock. The aligner alone,
/// then whole recordings from lavfi sources whose flashes and beeps start together, measured
/// back from the file with ffmpeg.
@Suite(.serialized) struct LiveAudioTests {
    let model = TestMedia.fixture("tiny-model.safetensors")

    // MARK: the aligner

    @Test func piecesOnTimeAreLaidEndToEnd() {
        var aligner = AudioClockAligner(rate: 48000)
        let start: UInt64 = 5_000_000_000  // the first piece comes 5 ms early (its jitter)
        var first: [Int64] = []
        for i in 0..<100 {
            // 1024-sample pieces, stamped with up to ±5 ms of jitter.
            let jitter = Int64((i * 7919) % 11 - 5) * 1_000_000
            let stamp = UInt64(Int64(start) + Int64(i) * 1024 * 1_000_000_000 / 48000 + jitter)
            let placement = aligner.place(captureTime: stamp, count: 1024)
            #expect(placement.silence == 0 && placement.drop == 0)
            first.append(placement.firstSample)
        }
        #expect(first == (0..<100).map { Int64($0) * 1024 })
        #expect(aligner.origin == start - 5_000_000)
    }

    @Test func lostSamplesBecomeSilenceAndAFastClockIsTrimmed() {
        var aligner = AudioClockAligner(rate: 48000)
        _ = aligner.place(captureTime: 1_000_000_000, count: 4800)  // 100 ms
        // The next piece comes 150 ms later than the run has got to: 150 ms of silence first.
        let gap = aligner.place(captureTime: 1_250_000_000, count: 4800)
        #expect(gap == .init(silence: 7200, drop: 0, firstSample: 4800))
        #expect(aligner.next == 4800 + 7200 + 4800)
        // One that comes 30 ms early (a device clock running ahead) loses its first 30 ms.
        let early = aligner.place(captureTime: 1_320_000_000, count: 4800)
        #expect(early == .init(silence: 0, drop: 1440, firstSample: 16800))
        #expect(aligner.silenceInserted == 7200 && aligner.samplesDropped == 1440)
    }

    @Test func aDriftingDeviceStaysWithinTheToleranceForAnHour() {
        // A sound card 200 ppm fast against the system clock: an hour of 10 ms pieces.
        var aligner = AudioClockAligner(rate: 48000)
        let pieceSeconds = 480.0 / 48000 / 1.0002
        var worst: Int64 = 0
        for i in 0..<360_000 {
            let stamp = UInt64(1e9 + Double(i) * pieceSeconds * 1e9)
            let placement = aligner.place(captureTime: stamp, count: 480)
            // The piece's first kept sample: where it was laid against when it was captured.
            let laidAt = Int64(aligner.time(ofSample: placement.firstSample + Int64(placement.silence))!)
            let capturedAt = Int64(stamp) + Int64(placement.drop) * 1_000_000_000 / 48000
            worst = max(worst, abs(laidAt - capturedAt))
        }
        #expect(worst <= aligner.toleranceNanoseconds + 1_000_000, "\(worst) ns off")
        #expect(aligner.samplesDropped > 0)
    }

    // MARK: recordings

    func vidstyle(_ args: [String]) throws -> TestMedia.CommandResult {
        try TestMedia.run(CLITests.binary, args + ["--model", model])
    }

    /// A 1 kHz beep in the second half of every second, and a white picture at the same times
    /// (black before it, so every flash has a dark frame before its first lit one).
    static let beeps = "lavfi:aevalsrc='if(gte(mod(t,1),0.5),0.5*sin(2*PI*1000*t),0)':s=48000"

    static func flashes(size: String) -> String {
        "lavfi:color=c=black:s=\(size):r=30,drawbox=c=white:t=fill:enable='gte(mod(t,1),0.5)'"
    }

    /// Seconds of the A/V recordings (VIDSTYLE_AV_SYNC_SECONDS overrides: docs/live.md ran 60).
    var seconds: Int { Int(ProcessInfo.processInfo.environment["VIDSTYLE_AV_SYNC_SECONDS"] ?? "") ?? 8 }

    /// Where each flash starts in the file: the first lit frame's time and the frame before it.
    func flashStarts(_ path: String, width: Int, height: Int) throws -> [(before: Double, lit: Double)] {
        let times = try TestMedia.frameTimes(path).compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ", "))) }
        // Every frame once, as stored (no repeats to a constant rate).
        let data = try rawOutput(["-i", path, "-map", "0:v", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray"])
        let frameSize = width * height
        let means = stride(from: 0, to: data.count - frameSize + 1, by: frameSize).map { start in
            Double(data[start..<start + frameSize].reduce(0) { $0 + Int($1) }) / Double(frameSize)
        }
        #expect(means.count == times.count)
        let threshold = ((means.min() ?? 0) + (means.max() ?? 255)) / 2
        var starts: [(Double, Double)] = []
        for i in 1..<min(means.count, times.count) where means[i] > threshold && means[i - 1] <= threshold {
            starts.append((times[i - 1], times[i]))
        }
        return starts
    }

    /// Where each beep starts in the file (seconds), from the decoded samples.
    func beepStarts(_ path: String) throws -> [Double] {
        let start = Double(try TestMedia.probe(path, stream: "a", entry: "start_time")) ?? 0
        let data = try rawOutput(["-i", path, "-map", "0:a", "-f", "s16le", "-ac", "1", "-ar", "48000"])
        let samples = data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        var starts: [Double] = []
        var quiet = 48000  // samples since the last loud one
        for (i, sample) in samples.enumerated() {
            if abs(Int(sample)) > 3000 {
                if quiet > 9600 { starts.append(start + Double(i) / 48000) }
                quiet = 0
            } else {
                quiet += 1
            }
        }
        return starts
    }

    /// What `ffmpeg ARGUMENTS FILE` writes (raw pictures or samples).
    func rawOutput(_ arguments: [String]) throws -> Data {
        let file = try TestMedia.temporaryFolder("raw") + "/out.raw"
        try TestMedia.ffmpeg(arguments + [file])
        return try Data(contentsOf: URL(fileURLWithPath: file))
    }

    /// Records `seconds` of flashes and beeps that start together, and returns each beep's
    /// distance from its flash in the file: 0 within the frame interval the flash began in.
    /// `offsets`: each first lit frame's time minus its beep's (the frame interval caps it when
    /// frames are dropped).
    func record(size: String, width: Int, height: Int, extra: [String] = []) throws
        -> (errors: [Double], offsets: [Double], summary: String, drops: Int) {
        let dir = try TestMedia.temporaryFolder()
        let out = "\(dir)/av.mp4"
        // Half strength: the fixture model's random painting alone does not show the flashes.
        let result = try vidstyle([Self.flashes(size: size), out, "--live", "--duration", "\(seconds)",
                                   "--audio-input", Self.beeps, "--strength", "0.5"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        let flashes = try flashStarts(out, width: width, height: height)
        let beeps = try beepStarts(out)
        #expect(flashes.count >= seconds - 1, "\(flashes.count) flashes in \(seconds) s")
        #expect(beeps.count == seconds, "\(beeps.count) beeps in \(seconds) s")
        let errors = beeps.map { beep -> Double in
            guard let flash = flashes.min(by: { abs($0.lit - beep) < abs($1.lit - beep) }) else { return .infinity }
            // The flash began after the frame before it and by the first lit frame.
            if beep < flash.before { return beep - flash.before }
            if beep > flash.lit { return beep - flash.lit }
            return 0
        }
        let dropped = result.stderr.firstMatch(of: /(\d+) with no time to stylize/).flatMap { Int($0.1) } ?? 0
        let offsets = beeps.map { beep in
            (flashes.map(\.lit).min { abs($0 - beep) < abs($1 - beep) } ?? .infinity) - beep
        }
        return (errors, offsets, result.stderr, dropped)
    }

    /// A small picture the stylizer keeps up with (almost) fully: each beep starts on its
    /// flash's first frame, to the millisecond.
    @Test func soundAndPictureStayTogetherAtTheFullFrameRate() throws {
        let (errors, offsets, summary, drops) = try record(size: "160x120", width: 160, height: 120, extra: ["--smoothing", "0"])
        let worst = offsets.map(abs).max() ?? .infinity
        print("A/V sync, \(seconds) s, 160x120, \(drops) frames dropped: worst first-lit-frame minus beep "
              + "\(String(format: "%.1f", worst * 1000)) ms; " + offsets.map { String(format: "%+.1f", $0 * 1000) }.joined(separator: " "))
        #expect(errors.allSatisfy { abs($0) <= 0.001 }, "each beep within its flash's frame interval: \(errors)")
        #expect(drops > 0 || worst <= 0.001, "\(offsets)")
        #expect(summary.contains("audio: recording \(Self.beeps) (48000 Hz, mono) as AAC"), "\(summary)")
        #expect(summary.contains("played in real time"), "\(summary)")
    }

    /// A picture the stylizer cannot keep up with: most frames are dropped, yet each beep still
    /// falls between the last dark frame and the first lit one of its flash.
    @Test func soundAndPictureStayTogetherWhenFramesAreDropped() throws {
        let (errors, offsets, summary, drops) = try record(size: "640x480", width: 640, height: 480)
        let worst = errors.map(abs).max() ?? .infinity
        print("A/V sync, \(seconds) s, 640x480, \(drops) frames dropped: worst beep outside its flash's frame interval "
              + "\(String(format: "%.1f", worst * 1000)) ms; first lit frame minus beep "
              + offsets.map { String(format: "%+.0f", $0 * 1000) }.joined(separator: " "))
        #expect(drops > 0, "the stylizer kept up; nothing shows what happens when frames are dropped: \(summary)")
        #expect(worst <= 0.040, "\(errors)")
    }

    @Test func aCameraRecordsSoundOnItsOwnClock() throws {
        let dir = try TestMedia.temporaryFolder()
        let cameras = "\(dir)/cameras.json"
        try #"[{"path": "/dev/video0", "name": "Desk Cam", "realTime": true, "formats": [{"fourcc": "YUYV", "sizes": [{"width": 160, "height": 120, "framesPerSecond": [15]}]}]}]"#
            .write(toFile: cameras, atomically: false, encoding: .utf8)
        let out = "\(dir)/cam.mkv"
        let result = try TestMedia.run(CLITests.binary, ["/dev/video0", out, "--size", "160x120", "--duration", "3",
                                                         "--audio-input", "lavfi:sine=f=440:sample_rate=44100", "--model", model],
                                       environment: ["VIDSTYLE_FAKE_V4L2": cameras])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try TestMedia.probe(out, stream: "a", entry: "codec_name,sample_rate") == "aac,44100")
        let audio = try TestMedia.probeLines(out, stream: "a:0", entries: "packet=pts_time")
            .compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ", "))) }
        let video = try TestMedia.frameTimes(out).compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ", "))) }
        // The sound covers the recording: from its start (the first captured frame, time 0; the
        // first frame written may come a little later when the first ones were dropped) to its
        // last frame, within a packet.
        #expect((audio.first ?? 9) < 0.03 && (audio.first ?? 9) <= (video.first ?? 0),
                "audio from \(audio.first ?? -1), video from \(video.first ?? -1)")
        #expect(abs((audio.last ?? 0) - (video.last ?? 9)) < 0.1, "audio to \(audio.last ?? -1), video to \(video.last ?? -1)")
    }

    /// With `--to-camera` the sound goes into the recorded file (the camera takes pictures only);
    /// a virtual camera as OUT, with no file, cannot take it.
    @Test func withAVirtualCameraTheSoundGoesIntoTheFile() throws {
        let dir = try TestMedia.temporaryFolder()
        let devices = "\(dir)/devices.json"
        try #"[{"path": "/dev/video10", "name": "vidstyle", "output": true, "recordTo": "\#(dir)/cam.yuv", "formats": [{"fourcc": "YUYV", "sizes": []}]}]"#
            .write(toFile: devices, atomically: false, encoding: .utf8)
        let out = "\(dir)/tee.mp4"
        let tee = try TestMedia.run(CLITests.binary, ["lavfi:testsrc2=size=160x120:rate=25", out, "--live", "--duration", "2",
                                                      "--to-camera", "/dev/video10", "--audio-input", "lavfi:sine=f=440", "--model", model],
                                    environment: ["VIDSTYLE_FAKE_V4L2": devices])
        #expect(tee.status == 0, "\(tee.stderr)")
        #expect(try TestMedia.probe(out, stream: "a", entry: "codec_name") == "aac")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/cam.yuv"))
        let cameraOnly = try TestMedia.run(CLITests.binary, ["lavfi:testsrc2=size=160x120:rate=25", "/dev/video10", "--live",
                                                             "--audio-input", "lavfi:sine=f=440", "--model", model],
                                           environment: ["VIDSTYLE_FAKE_V4L2": devices])
        #expect(cameraOnly.status != 0)
        #expect(cameraOnly.stderr.contains("--audio-input records into a file; OUT /dev/video10 is a virtual camera"),
                "\(cameraOnly.stderr)")
    }

    @Test func webmGetsOpusAndTheSoundCoversThePicture() throws {
        let dir = try TestMedia.temporaryFolder()
        let out = "\(dir)/av.webm"
        let result = try vidstyle([Self.flashes(size: "160x120"), out, "--live", "--duration", "2", "--audio-input", "lavfi:sine=f=440"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try TestMedia.probe(out, stream: "a", entry: "codec_name") == "opus")
        let audio = try TestMedia.probeLines(out, stream: "a:0", entries: "packet=pts_time")
            .compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ", "))) }
        #expect((audio.first ?? 1) < 0.05 && (audio.last ?? 0) > 1.9, "audio from \(audio.first ?? -1) to \(audio.last ?? -1) s")
    }

    @Test func badAudioInputsAreOneLineErrorsBeforeAnythingIsWritten() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let out = "\(dir)/never.mp4"
        let live = ["lavfi:testsrc2=size=160x120:rate=30", out, "--live", "--duration", "1"]
        let cases: [(args: [String], words: [String])] = [
            (live + ["--audio-input", "nosuchformat:x"], ["--audio-input nosuchformat:x: no such device or file", "pulse:default"]),
            (live + ["--audio-input", "lavfi:nosuchfilter"], ["--audio-input lavfi:nosuchfilter: could not open it"]),
            (live + ["--audio-input", "alsa:hw:9"], ["--audio-input alsa:hw:9: could not open it", "arecord -L"]),
            (live + ["--audio-input", "lavfi:testsrc2"], ["--audio-input lavfi:testsrc2: has no audio stream"]),
            (live + ["--audio-input", "lavfi:sine", "--audio", "none"], ["--audio-input and --audio none both given"]),
            (["\(dir)/in.mp4", out, "--audio-input", "lavfi:sine"], ["records sound beside a live recording", "--live"]),
            (["lavfi:testsrc2=size=160x120:rate=30", "\(dir)/still.png", "--live", "--audio-input", "lavfi:sine"],
             ["needs a video OUT"]),
        ]
        for c in cases {
            let result = try vidstyle(c.args)
            #expect(result.status == 1 || result.status == 64, "\(c.args): \(result.stderr)")
            let lines = result.stderr.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.isEmpty }
            #expect(lines.count == 1, "\(c.args): \(result.stderr)")
            for word in c.words { #expect(result.stderr.contains(word), "\(c.args): \(result.stderr)") }
            #expect(try TestMedia.contents(dir).filter { $0 != "in.mp4" }.isEmpty, "\(c.args)")
        }
    }
}
