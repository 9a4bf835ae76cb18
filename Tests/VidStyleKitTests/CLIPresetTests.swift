import Foundation
import Testing

/// `--pipeline` end to end: the built binary, presets on disk, ffprobe on the result.
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

    @Test func pipelineFileSetsCodecAndAudioAndCommandLineOverridesIt() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", audio: true)
        let preset = try writePreset("name: web\ncodec: vp9\ncrf: 40\naudio: false\n", in: dir)
        let result = try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mkv", "--pipeline", preset])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("pipeline web"), "\(result.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.mkv", stream: "v", entry: "codec_name") == "vp9")
        #expect(try TestMedia.probe("\(dir)/out.mkv", stream: "a", entry: "codec_name") == "")

        let overridden = try vidstyle(["\(dir)/in.mp4", "\(dir)/out2.mkv", "--pipeline", preset, "--codec", "h264", "--audio", "--quiet"])
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(try TestMedia.probe("\(dir)/out2.mkv", stream: "v", entry: "codec_name") == "h264")
        #expect(try TestMedia.probe("\(dir)/out2.mkv", stream: "a", entry: "codec_name") == "aac")
    }

    /// A preset with strength 0 gives the input back; `--strength 1` on top gives exactly what
    /// `--strength 1` alone gives, so the command line won over the preset.
    @Test func commandLineStrengthBeatsPresetStrength() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "\(dir)/in.png"])
        let preset = try writePreset("name: faint\nstyle: 1\nstrength: 0\n", in: dir)
        let fromPreset = try vidstyle(["\(dir)/in.png", "\(dir)/preset.png", "--pipeline", preset, "--quiet"])
        let overridden = try vidstyle(["\(dir)/in.png", "\(dir)/override.png", "--pipeline", preset, "--strength", "1", "--quiet"])
        let plain = try vidstyle(["\(dir)/in.png", "\(dir)/plain.png", "--style", "1", "--strength", "1", "--quiet"])
        let plainFaint = try vidstyle(["\(dir)/in.png", "\(dir)/faint.png", "--style", "1", "--strength", "0", "--quiet"])
        for result in [fromPreset, overridden, plain, plainFaint] { #expect(result.status == 0, "\(result.stderr)") }
        #expect(try pixelHash("\(dir)/preset.png") == pixelHash("\(dir)/faint.png"))
        #expect(try pixelHash("\(dir)/override.png") == pixelHash("\(dir)/plain.png"))
        #expect(try pixelHash("\(dir)/override.png") != pixelHash("\(dir)/preset.png"))
    }

    @Test func shippedPresetByNameFromTheRepository() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        let command = "cd '\(Self.repositoryRoot)' && exec '\(Self.binary)' '\(dir)/in.mp4' '\(dir)/out.webm' --pipeline web-vp9 --model '\(model)'"
        let result = try TestMedia.run("/bin/sh", ["-c", command])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("pipeline web-vp9"), "\(result.stderr)")
        #expect(try TestMedia.probe("\(dir)/out.webm", stream: "v", entry: "codec_name") == "vp9")
    }

    @Test func missingPipelineIsAOneLineError() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", "\(dir)/none.yaml"]),
                           mentioning: ["none.yaml", "does not exist"])
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", "no-such-preset"]),
                           mentioning: ["no-such-preset", "not found", "pipelines/"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["in.mp4"])
    }

    @Test func badPipelineIsAOneLineErrorWithItsLine() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4")
        let typo = try writePreset("name: typo\n# a comment\nstrenght: 0.5\n", in: dir, name: "typo.yaml")
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", typo]),
                           mentioning: ["typo.yaml line 3", "unknown key 'strenght'", "valid keys"])
        let both = try writePreset("name: both\nstyle: 1\nmix: \"1:1\"\n", in: dir, name: "both.yaml")
        expectOneLineError(try vidstyle(["\(dir)/in.mp4", "\(dir)/out.mp4", "--pipeline", both]),
                           mentioning: ["both.yaml line 3", "style and mix"])
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.mp4"))
    }
}
