import Foundation
import Testing

/// `--pipeline` and `vidstyle presets` end to end: the built binary, presets on disk, ffprobe on
/// the result.
extension CLITests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func writePreset(_ yaml: String, in folder: String, name: String = "p.yaml") throws -> String {
        let path = "\(folder)/\(name)"
        try yaml.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// MD5 of the decoded pixels, so two outputs can be compared whatever the container adds.
    func pixelHash(_ path: String) throws -> String {
        let result = try TestMedia.run("ffmpeg", ["-v", "error", "-i", path, "-f", "md5", "-"])
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs vidstyle from the repository root (where `pipelines/` holds the shipped presets), with
    /// the user's preset folder at `config` (an empty one unless given).
    func vidstyleInRepository(_ args: [String], config: String? = nil, model: Bool = true) throws -> TestMedia.CommandResult {
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = try config ?? TestMedia.temporaryFolder("config")
        return try TestMedia.run(Self.binary, args + (model ? ["--model", self.model] : []), environment: environment,
                                 in: Self.repositoryRoot)
    }

    @Test func shippedDefaultRunsAsTheBuiltInSettings() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: true)
        let preset = try vidstyleInRepository(["\(dir)/in.mp4", "\(dir)/preset.mp4", "--pipeline", "default"])
        #expect(preset.status == 0, "\(preset.stderr)")
        #expect(preset.stderr.contains("pipeline default"), "\(preset.stderr)")
        let plain = try vidstyle(["\(dir)/in.mp4", "\(dir)/plain.mp4", "--quiet"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(try pixelHash("\(dir)/preset.mp4") == pixelHash("\(dir)/plain.mp4"))
        #expect(try TestMedia.probe("\(dir)/preset.mp4", stream: "a", entry: "codec_name") == "aac")
    }

    @Test func shippedFastPreviewPaintsHalfSizeWithoutAudioOrSmoothing() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", size: "96x64", audio: true)
        let result = try vidstyleInRepository(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", "fast-preview"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("10 frames (48x32)"), "\(result.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.mp4", stream: "v", entry: "width,height") == "48,32")
        #expect(try TestMedia.frameTimes("\(dir)/out.mp4") == TestMedia.frameTimes("\(dir)/in.mp4"))
        #expect(try TestMedia.probe("\(dir)/out.mp4", stream: "a", entry: "codec_name") == "")
        // The same pixels as the options of the same meaning.
        let unsmoothed = try vidstyle(["\(dir)/in.mp4", "\(dir)/same.mp4", "--scale", "0.5", "--smoothing", "0", "--preset", "ultrafast",
                                       "--crf", "30", "--no-audio", "--quiet"])
        #expect(unsmoothed.status == 0, "\(unsmoothed.stderr)")
        #expect(try pixelHash("\(dir)/out.mp4") == pixelHash("\(dir)/same.mp4"))
    }

    @Test func shippedHighQualityEncodesSlowlyWithStrongerSmoothing() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: true)
        let result = try vidstyleInRepository(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", "high-quality"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.mp4", stream: "a", entry: "codec_name") == "aac")
        let same = try vidstyle(["\(dir)/in.mp4", "\(dir)/same.mp4", "--smoothing", "0.8", "--preset", "slow", "--crf", "17", "--quiet"])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(try pixelHash("\(dir)/out.mp4") == pixelHash("\(dir)/same.mp4"))
    }

    @Test(arguments: [("style-mix", "mix fixture-1:0.5,fixture-2:0.5"), ("soft-mix", "mix fixture-1:0.6,fixture-2:0.4")])
    func shippedMixPresetsBlendTwoStyles(name: String, summary: String) throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let result = try vidstyleInRepository(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", name])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("\(summary), pipeline \(name)"), "\(result.stderr)")
    }

    @Test func shippedWebVP9WritesWebMWithoutAudio() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: true)
        // OUT without an extension takes the preset's container.
        let result = try vidstyleInRepository(["\(dir)/in.mp4", "\(dir)/out", "--pipeline", "web-vp9"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("wrote \(dir)/out.webm"), "\(result.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.webm", stream: "v", entry: "codec_name") == "vp9")
        #expect(try TestMedia.probe("\(dir)/out.webm", stream: "a", entry: "codec_name") == "")
    }

    @Test func shippedWebcamLiveRecordsALavfiSource() throws {
        let dir = try TestMedia.temporaryFolder()
        let result = try vidstyleInRepository(["lavfi:testsrc2=size=160x120:rate=30", "\(dir)/out.mp4", "--pipeline", "webcam-live",
                                               "--live", "--duration", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("pipeline webcam-live"), "\(result.stderr)")
        #expect(result.stderr.contains("live: captured 60,"), "\(result.stderr)")
        // The preset itself makes the input live: without --live, the same.
        let implied = try vidstyleInRepository(["lavfi:testsrc2=size=160x120:rate=30", "\(dir)/implied.mp4", "--pipeline", "webcam-live",
                                                "--duration", "1"])
        #expect(implied.status == 0, "\(implied.stderr)")
        #expect(implied.stderr.contains("live: captured 30,"), "\(implied.stderr)")
    }

    @Test func aPresetsLiveInputIsUndoneByNoLive() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let preset = try writePreset("input: {live: true}\n", in: dir)
        let live = try vidstyle(["\(dir)/in.mp4", "\(dir)/live.mp4", "--pipeline", preset])
        #expect(live.status == 0, "\(live.stderr)")
        #expect(live.stderr.contains("vidstyle: live: captured"), "\(live.stderr)")
        let file = try vidstyle(["\(dir)/in.mp4", "\(dir)/file.mp4", "--pipeline", preset, "--no-live"])
        #expect(file.status == 0, "\(file.stderr)")
        #expect(!file.stderr.contains("live:") && file.stderr.contains("10 frames"), "\(file.stderr)")
    }

    @Test func liveBlockPolicyStylizesEveryFrame() throws {
        let dir = try TestMedia.temporaryFolder()
        let preset = try writePreset("input: {live: true, duration: 1}\nqueues: {policy: block}\n", in: dir)
        let result = try vidstyle(["lavfi:testsrc2=size=160x120:rate=30", "\(dir)/out.mp4", "--pipeline", preset])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("captured 30, stylized 30, dropped 0"), "\(result.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.mp4", stream: "v", entry: "nb_read_frames", countFrames: true) == "30")
    }

    @Test func pipelineFileSetsCodecAndAudioAndCommandLineOverridesIt() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: true)
        let preset = try writePreset("name: web\nencode: {codec: vp9, crf: 40, pixel_format: yuv444p}\naudio: {mode: none}\n", in: dir)
        let result = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mkv", "--pipeline", preset])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("pipeline web"), "\(result.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.mkv", stream: "v", entry: "codec_name,pix_fmt") == "vp9,yuv444p")
        #expect(try TestMedia.probe("\(dir)/out.mkv", stream: "a", entry: "codec_name") == "")

        let overridden = try vidstyle(["\(dir)/in.mp4", "\(dir)/out2.mkv", "--pipeline", preset, "--codec", "h264",
                                       "--pixel-format", "yuv420p", "--audio", "copy", "--quiet"])
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(try TestMedia.probe("\(dir)/out2.mkv", stream: "v", entry: "codec_name,pix_fmt") == "h264,yuv420p")
        #expect(try TestMedia.probe("\(dir)/out2.mkv", stream: "a", entry: "codec_name") == "aac")
    }

    @Test func audioCanBeReencodedOrDropped() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mkv", audio: true, extra: ["-c:a", "libopus"])
        let copied = try vidstyle(["\(dir)/in.mkv", "\(dir)/copy.mkv"])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(try TestMedia.probe("\(dir)/copy.mkv", stream: "a", entry: "codec_name") == "opus")
        let reencoded = try vidstyle(["\(dir)/in.mkv", "\(dir)/again.mkv", "--audio", "re-encode"])
        #expect(reencoded.status == 0, "\(reencoded.stderr)")
        #expect(reencoded.stderr.contains("audio: opus re-encoded to AAC, as asked"), "\(reencoded.stderr)")
        #expect(try TestMedia.probe("\(dir)/again.mkv", stream: "a", entry: "codec_name") == "aac")
        let dropped = try vidstyle(["\(dir)/in.mkv", "\(dir)/none.mkv", "--no-audio", "--quiet"])
        #expect(dropped.status == 0, "\(dropped.stderr)")
        #expect(try TestMedia.probe("\(dir)/none.mkv", stream: "a", entry: "codec_name") == "")
    }

    /// A preset with strength 0 gives the input back; `--strength 1` on top gives exactly what
    /// `--strength 1` alone gives, so the command line won over the preset.
    @Test func commandLineStrengthBeatsPresetStrength() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "\(dir)/in.png"])
        let preset = try writePreset("name: faint\nstylize:\n  style: 1\n  strength: 0\n", in: dir)
        let fromPreset = try vidstyle(["\(dir)/in.png", "\(dir)/preset.png", "--pipeline", preset, "--quiet"])
        let overridden = try vidstyle(["\(dir)/in.png", "\(dir)/override.png", "--pipeline", preset, "--strength", "1", "--quiet"])
        let plain = try vidstyle(["\(dir)/in.png", "\(dir)/plain.png", "--style", "1", "--strength", "1", "--quiet"])
        let plainFaint = try vidstyle(["\(dir)/in.png", "\(dir)/faint.png", "--style", "1", "--strength", "0", "--quiet"])
        for result in [fromPreset, overridden, plain, plainFaint] { #expect(result.status == 0, "\(result.stderr)") }
        #expect(try pixelHash("\(dir)/preset.png") == pixelHash("\(dir)/faint.png"))
        #expect(try pixelHash("\(dir)/override.png") == pixelHash("\(dir)/plain.png"))
        #expect(try pixelHash("\(dir)/override.png") != pixelHash("\(dir)/preset.png"))
    }

    @Test func aUsersPresetIsFoundByNameAndHidesAShippedOne() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: false)
        let config = try TestMedia.temporaryFolder("config")
        try FileManager.default.createDirectory(atPath: "\(config)/vidstyle/pipelines", withIntermediateDirectories: true)
        _ = try writePreset("description: My own default.\nencode: {codec: h265}\n", in: "\(config)/vidstyle/pipelines", name: "default.yaml")
        let result = try vidstyleInRepository(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", "default"], config: config)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.mp4", stream: "v", entry: "codec_name") == "hevc")

        let listed = try vidstyleInRepository(["presets"], config: config, model: false)
        #expect(listed.status == 0, "\(listed.stderr)")
        let lines = listed.stdout.split(separator: "\n").map(String.init)
        let mine = try #require(lines.first { $0.hasPrefix("default ") })
        #expect(mine.contains("user") && mine.contains("My own default.") && mine.contains("\(config)/vidstyle/pipelines/default.yaml"))
        #expect(mine.contains("hides \(Self.repositoryRoot)/pipelines/default.yaml"), "\(mine)")
        for name in ["fast-preview", "high-quality", "style-mix", "webcam-live"] {
            let line = try #require(lines.first { $0.hasPrefix(name + " ") }, "\(listed.stdout)")
            #expect(line.contains("checkout") && line.contains("\(Self.repositoryRoot)/pipelines/\(name).yaml"), "\(line)")
            #expect(!line.contains("(no description)") && !line.contains("cannot be used"), "\(line)")
        }
    }

    @Test func presetsShowPrintsEffectiveSettingsThatLoadAgain() throws {
        let dir = try TestMedia.temporaryFolder()
        let shown = try vidstyleInRepository(["presets", "show", "style-mix"], model: false)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("stylize:\n  mix: \"1:0.5,2:0.5\"\n  strength: 1\n  preserve_color: false\n"), "\(shown.stdout)")
        #expect(shown.stdout.contains("temporal:\n  smoothing: 0.6\n"), "\(shown.stdout)")
        #expect(shown.stdout.contains("encode:\n  codec: h264\n  crf: 20\n  preset: veryfast\n  pixel_format: yuv420p\n"))
        #expect(shown.stdout.contains("queues:\n  capacity: 2\n  policy: block\n"))
        let saved = try writePreset(shown.stdout, in: dir, name: "saved.yaml")
        let again = try vidstyleInRepository(["presets", "show", saved], model: false)
        #expect(again.status == 0, "\(again.stderr)")
        let body = { (text: String) in text.split(separator: "\n").filter { !$0.hasPrefix("# ") }.joined(separator: "\n") }
        #expect(body(again.stdout) == body(shown.stdout))
        let live = try vidstyleInRepository(["presets", "show", "webcam-live"], model: false)
        #expect(live.stdout.contains("queues:\n  capacity: 1\n  policy: drop-oldest\n"), "\(live.stdout)")
    }

    @Test func presetsSchemaIsJSON() throws {
        let result = try vidstyleInRepository(["presets", "schema"], model: false)
        #expect(result.status == 0, "\(result.stderr)")
        let schema = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(schema?["title"] as? String == "vidstyle pipeline preset")
    }

    @Test func missingPipelineIsAOneLineError() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", "\(dir)/none.yaml"]),
                           mentioning: ["none.yaml", "does not exist"])
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", "no-such-preset"]),
                           mentioning: ["no-such-preset", "no preset of that name", "vidstyle presets"])
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", dir]), mentioning: ["is a folder"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["in.mp4"])
    }

    @Test func badPipelinesAreOneLineErrorsLikeACompilers() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        let cases: [(String, [String])] = [
            ("name: typo\n# a comment\nstylize:\n  stlye: 2\n", ["p.yaml:4:3: unknown key 'stylize.stlye' (did you mean 'stylize.style'?)"]),
            ("stylize:\n  strength: 2\n", ["p.yaml:2:13: stylize.strength 2 is out of range; allowed: a number from 0 to 1"]),
            ("encode:\n  crf: 55\n", ["p.yaml:2:8: encode.crf 55 is out of range for h264; allowed: 0-51"]),
            ("stylize:\n  strength: 0.5\n mix: [1\n", ["p.yaml:3:", "invalid YAML"]),
            (String(repeating: "[", count: 10_000), ["p.yaml:1:17:", "nested more than 16 levels"]),
            (String(repeating: "{a: ", count: 3_000) + String(repeating: "}", count: 3_000), ["nested more than 16 levels"]),
            ("a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\n",
             ["p.yaml:1:4: YAML anchor (&name) refused"]),
            ("- just\n- a list\n", ["p.yaml:1:1: the file must be a mapping of sections"]),
        ]
        for (yaml, words) in cases {
            let preset = try writePreset(yaml, in: dir)
            let result = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", preset])
            expectOneLineError(result, mentioning: words.map { $0.replacingOccurrences(of: "p.yaml", with: preset) })
            #expect(result.status == 64 || result.status == 1, "exit \(result.status) for \(yaml.prefix(40))")
            #expect(result.stdout.isEmpty)
        }
        let huge = try writePreset("# " + String(repeating: "x", count: 100_000) + "\n", in: dir)
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", huge]), mentioning: ["at most 64 KiB"])
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", "/dev/zero"]), mentioning: ["not a regular file"])
        #expect(TestMedia.contents(dir) == ["in.mp4", "p.yaml"])
    }

    @Test func encoderOptionsAreCheckedBeforeAnythingRuns() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        let bogus = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--preset", "bogus"])
        expectOneLineError(bogus, mentioning: ["--preset bogus is not a libx264 preset", "valid names: ultrafast, superfast, veryfast"])
        #expect(!bogus.stderr.contains("x264 ["))
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.webm", "--preset", "slow"]),
                           mentioning: ["--preset slow is not a libvpx-vp9 speed", "-8 to 8"])
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--crf", "60"]), mentioning: ["--crf 60 is out of range for h264; allowed: 0-51"])
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pixel-format", "rgb24"]),
                           mentioning: ["--pixel-format rgb24 is not allowed", "yuv420p, yuv422p, yuv444p"])
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--audio", "keep"]),
                           mentioning: ["--audio keep is not allowed", "copy, re-encode, none"])
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--scale", "0"]),
                           mentioning: ["--scale 0.0 is out of range; allowed: a number above 0 up to 4"])
        expectOneLineError(try vidstyle(["lavfi:testsrc2", "\(dir)/out.mp4", "--live", "--scale", "0.5"]),
                           mentioning: ["--scale applies to files", "--size"])
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--queue-capacity", "0"]),
                           mentioning: ["--queue-capacity 0 is out of range; allowed: a whole number from 1 to 64"])
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--queue-policy", "drop-oldest"]),
                           mentioning: ["--queue-policy drop-oldest applies to live inputs"])
        #expect(TestMedia.contents(dir) == ["in.mp4"])
    }
}
