import Foundation
import Testing

/// `--precision` on the command line: `bench` says which precision ran, int8 asked of a model
/// without calibration is a one-line error, and the job summary names the precision.
@Suite(.serialized) struct PrecisionCLITests {
    let plain = TestMedia.fixture("tiny-model.safetensors")
    let calibrated = TestMedia.fixture("tiny-model-int8.safetensors")

    func vidstyle(_ args: [String]) throws -> TestMedia.CommandResult {
        try TestMedia.run(CLITests.binary, args)
    }

    @Test(arguments: [("int8", "int8"), ("fp32", "fp32")])
    func benchSaysWhichPrecisionRan(option: String, ran: String) throws {
        let result = try vidstyle(["bench", "--width", "40", "--height", "30", "--runs", "1", "--precision", option, "--model", calibrated])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("stylizer: 40x30 network=88x80 median_ms="), "\(result.stdout)")
        #expect(result.stdout.hasSuffix(" precision=\(ran)\n"), "\(result.stdout)")
    }

    /// Without calibration, auto (the default) runs fp32.
    @Test func autoRunsFP32WithoutCalibration() throws {
        let result = try vidstyle(["bench", "--width", "40", "--height", "30", "--runs", "1", "--model", plain])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix(" precision=fp32\n"), "\(result.stdout)")
    }

    @Test func int8WithoutCalibrationIsAOneLineError() throws {
        let dir = try TestMedia.temporaryFolder()
        for args in [["bench", "--runs", "1"], ["\(dir)/missing.mp4", "\(dir)/out.mp4"]] {
            let result = try vidstyle(args + ["--precision", "int8", "--model", plain])
            #expect(result.status != 0)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("--precision int8 needs int8 calibration"), "\(result.stderr)")
            #expect(result.stderr.contains("tools/calibrate.py"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func unknownPrecisionIsRefused() throws {
        let result = try vidstyle(["bench", "--precision", "int4", "--model", plain])
        #expect(result.status != 0)
        #expect(result.stderr.contains("int4"), "\(result.stderr)")
        #expect(result.stderr.contains("auto") && result.stderr.contains("int8") && result.stderr.contains("fp32"), "\(result.stderr)")
    }

    /// A preset's `stylize.precision` picks the arithmetic; `--precision` on the command line
    /// wins over it; a bad value in the preset is refused naming the key.
    @Test func presetPicksThePrecision() throws {
        let dir = try TestMedia.temporaryFolder()
        let input = "\(dir)/in.png"
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=48x32", "-frames:v", "1", input])
        let preset = "\(dir)/fast.yaml"
        try "stylize:\n  precision: int8\ntemporal:\n  smoothing: 0\n".write(toFile: preset, atomically: true, encoding: .utf8)
        let fromPreset = try vidstyle([input, "\(dir)/a.png", "--pipeline", preset, "--model", calibrated])
        #expect(fromPreset.status == 0, "\(fromPreset.stderr)")
        #expect(fromPreset.stderr.contains(", precision int8\n"), "\(fromPreset.stderr)")
        let overridden = try vidstyle([input, "\(dir)/b.png", "--pipeline", preset, "--model", calibrated, "--precision", "fp32"])
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(overridden.stderr.contains(", precision fp32\n"), "\(overridden.stderr)")
        let bad = "\(dir)/bad.yaml"
        try "stylize:\n  precision: int4\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try vidstyle([input, "\(dir)/c.png", "--pipeline", bad, "--model", calibrated])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("stylize.precision") && refused.stderr.contains("int4"), "\(refused.stderr)")
    }

    /// The job summary names the precision that ran.
    @Test func summaryNamesThePrecision() throws {
        let dir = try TestMedia.temporaryFolder()
        let input = "\(dir)/in.png"
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=48x32", "-frames:v", "1", input])
        for (option, ran) in [("int8", "int8"), ("fp32", "fp32"), ("auto", "fp32")] {
            let model = option == "auto" ? plain : calibrated
            let result = try vidstyle([input, "\(dir)/out-\(option).png", "--precision", option, "--model", model, "--smoothing", "0"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains(", precision \(ran)\n"), "\(result.stderr)")
        }
    }
}
