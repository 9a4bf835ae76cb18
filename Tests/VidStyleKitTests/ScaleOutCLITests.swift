import Foundation
import Testing
import Yams

/// Parts on many machines, as users run them: `--part K/N`, `join`, and the job files of
/// `plan`, against a one-machine run of the same command. Lossless (`--crf 0`), so pictures
/// can be compared exactly; the clip has a keyframe every 10 frames and AAC audio.
@Suite(.serialized) struct ScaleOutCLITests {
    let model = TestMedia.fixture("tiny-model.safetensors")
    let options = ["--crf", "0", "--style", "1"]

    func vidstyle(_ args: [String], model: Bool = true) throws -> TestMedia.CommandResult {
        try TestMedia.run(CLITests.binary, args + (model ? ["--model", self.model] : []))
    }

    /// A 4.1 s clip with audio, and the one-machine result of `options`.
    func inputAndWhole(_ dir: String) throws -> (input: String, whole: String) {
        let input = "\(dir)/in.mp4", whole = "\(dir)/whole.mp4"
        try TestMedia.clip(input, size: "96x64", rate: 10, seconds: 4.1, extra: ["-c:v", "libx264", "-g", "10", "-c:a", "aac"])
        try vidstyle([input, whole, "--quiet"] + options).checked()
        return (input, whole)
    }

    func renderParts(_ input: String, in dir: String, count: Int, extra: [String] = []) throws -> [String] {
        try (1...count).map { k in
            let part = "\(dir)/part\(k).mp4"
            try vidstyle([input, part, "--part", "\(k)/\(count)", "--quiet"] + options + extra).checked()
            return part
        }
    }

    /// The lowest per-frame PSNR of `a` against `b`, and how many frames were compared.
    func worstPSNR(_ a: String, _ b: String) throws -> (worst: Double, frames: Int) {
        let stats = a + ".psnr.txt"
        try TestMedia.ffmpeg(["-i", a, "-i", b, "-lavfi", "[0:v][1:v]psnr=stats_file=\(stats)", "-f", "null", "-"])
        let lines = try String(contentsOfFile: stats, encoding: .utf8).split(separator: "\n")
        let values = lines.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("psnr_avg:") }.map { word -> Double in
                let value = word.dropFirst("psnr_avg:".count)
                return value == "inf" ? .infinity : Double(value) ?? 0
            }
        }
        return (values.min() ?? 0, values.count)
    }

    /// Same frames, timestamps and audio packets, and pictures within 40 dB everywhere.
    func expectSameVideo(_ joined: String, as whole: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try TestMedia.probeLines(joined, stream: "v:0", entries: "packet=pts,duration")
                == TestMedia.probeLines(whole, stream: "v:0", entries: "packet=pts,duration"), sourceLocation: sourceLocation)
        let audio = { (path: String) in try TestMedia.run("ffmpeg", ["-v", "error", "-i", path, "-map", "0:a", "-c", "copy", "-f", "framemd5", "-"]).checked().stdout }
        #expect(try audio(joined) == audio(whole), sourceLocation: sourceLocation)
        #expect(try !audio(joined).isEmpty, sourceLocation: sourceLocation)
        let psnr = try worstPSNR(joined, whole)
        #expect(psnr.frames >= 41, sourceLocation: sourceLocation)
        #expect(psnr.worst >= 40, "worst frame \(psnr.worst) dB", sourceLocation: sourceLocation)
    }

    @Test func partsJoinIntoWhatOneMachineMakes() throws {
        let dir = try TestMedia.temporaryFolder()
        let (input, whole) = try inputAndWhole(dir)
        let parts = try renderParts(input, in: dir, count: 3)
        for part in parts {
            #expect(try TestMedia.probe(part, stream: "a", entry: "codec_name").isEmpty, "parts carry no audio")
        }
        // Part 2 of 41 frames is frames 13..<27: it starts at its own time, 1.3 s (within the
        // millisecond an mp4 edit list keeps; the join restores the exact ticks).
        let start = try TestMedia.frameTimes(parts[1]).first.flatMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) } ?? -1
        #expect(abs(start - 1.3) < 0.002, "part 2 starts at \(start)")
        #expect(try TestMedia.probeLines(parts[1], stream: "v:0", entries: "packet=pts").count == 14)
        let joined = "\(dir)/joined.mp4"
        let result = try vidstyle(["join", input, joined] + parts, model: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("joined 3 parts"))
        try expectSameVideo(joined, as: whole)

        // Without warm-up the seams start cold: the pictures there differ from the whole run.
        let coldDir = try TestMedia.temporaryFolder("cold")
        let cold = try renderParts(input, in: coldDir, count: 3, extra: ["--warmup", "0"])
        try vidstyle(["join", input, "\(coldDir)/joined.mp4"] + cold, model: false).checked()
        #expect(try worstPSNR("\(coldDir)/joined.mp4", whole).worst < 40)
    }

    @Test func joinRefusesPartsThatDoNotFitInOneLine() throws {
        let dir = try TestMedia.temporaryFolder()
        let (input, _) = try inputAndWhole(dir)
        let parts = try renderParts(input, in: dir, count: 3)
        let out = "\(dir)/joined.mp4"
        func refuses(_ given: [String], _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
            let result = try vidstyle(["join", input, out] + given, model: false)
            #expect(result.status != 0, sourceLocation: sourceLocation)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
            for word in words { #expect(result.stderr.contains(word), "\(result.stderr)", sourceLocation: sourceLocation) }
            #expect(!FileManager.default.fileExists(atPath: out), sourceLocation: sourceLocation)
        }
        try refuses([parts[0], parts[2]], ["part 2/3 is missing"])
        try refuses([parts[0], parts[1], parts[1], parts[2]], ["duplicates"])
        try refuses([parts[1], parts[0], parts[2]], ["given in place 1", "in order"])
        try refuses([parts[0], parts[1], "\(dir)/nope.mp4"], ["nope.mp4 is missing"])
        // A part cut short, as a copy interrupted on shared storage leaves it.
        let data = try Data(contentsOf: URL(fileURLWithPath: parts[1]))
        let cut = "\(dir)/cut.mp4"
        try data.prefix(data.count * 2 / 3).write(to: URL(fileURLWithPath: cut))
        try refuses([parts[0], cut, parts[2]], ["cut.mp4", "damaged"])
        // The same part with another style.
        let other = "\(dir)/other2.mp4"
        try vidstyle([input, other, "--part", "2/3", "--quiet", "--crf", "0", "--style", "2"]).checked()
        try refuses([parts[0], other, parts[2]], ["other2.mp4", "other settings"])
        // The right parts, joined against another input.
        let otherInput = "\(dir)/in2.mp4"
        try TestMedia.clip(otherInput, size: "96x64", rate: 10, seconds: 3, extra: ["-c:v", "libx264", "-g", "10"])
        let wrong = try vidstyle(["join", otherInput, out] + parts, model: false)
        #expect(wrong.status != 0 && wrong.stderr.contains("another input"), "\(wrong.stderr)")
        #expect(try vidstyle(["join", input, out] + parts, model: false).status == 0)
    }

    @Test func partOptionsAreCheckedUpFront() throws {
        let dir = try TestMedia.temporaryFolder()
        try TestMedia.clip("\(dir)/in.mp4", size: "96x64", rate: 10, seconds: 1)
        for (args, word) in [(["--part", "4/3"], "K must be from 1 to 3"), (["--part", "x"], "write K/N"),
                             (["--warmup", "3"], "--warmup only applies with --part"),
                             (["--part", "1/30"], "fewer than 30 parts")] {
            let result = try vidstyle(["\(dir)/in.mp4", "\(dir)/p.mp4"] + args)
            #expect(result.status != 0)
            #expect(result.stderr.contains(word), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/p.mp4"))
        }
        // A part goes to a file the join reads, never to standard output.
        let piped = try vidstyle(["\(dir)/in.mp4", "-", "--part", "1/2"])
        #expect(piped.status != 0 && piped.stdout.isEmpty)
        #expect(piped.stderr.contains("give PARTFILE a file name, not -"), "\(piped.stderr)")
    }

    /// The emitted GNU parallel line, run as is, makes the one-machine video; the Slurm script
    /// run once per array index and once outside the array, and the Kubernetes pods' commands
    /// run once per completion index, make it too.
    @Test func emittedJobFilesRunToTheOneMachineVideo() throws {
        let dir = try TestMedia.temporaryFolder()
        let (input, whole) = try inputAndWhole(dir)
        func plan(_ format: String, output: String) throws -> String {
            try vidstyle(["plan", input, output, "--parts", "3", "--emit", format, "--executable", CLITests.binary,
                          "--quiet"] + options).checked().stdout
        }
        let parallel = try plan("parallel", output: "\(dir)/par/out.mp4")
        try FileManager.default.createDirectory(atPath: "\(dir)/par", withIntermediateDirectories: true)
        #expect(parallel.hasPrefix("parallel --halt now,fail=1"))
        try TestMedia.run("/bin/sh", ["-c", parallel]).checked()
        try expectSameVideo("\(dir)/par/out.mp4", as: whole)
        #expect(FileManager.default.fileExists(atPath: "\(dir)/par/out.part3-of-3.mp4"))

        let slurm = try plan("slurm", output: "\(dir)/slurm/out.mp4")
        try FileManager.default.createDirectory(atPath: "\(dir)/slurm", withIntermediateDirectories: true)
        let script = "\(dir)/job.sbatch"
        try slurm.write(toFile: script, atomically: false, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        for k in 1...3 {
            environment["SLURM_ARRAY_TASK_ID"] = "\(k)"
            try TestMedia.run("/bin/bash", [script], environment: environment).checked()
        }
        environment["SLURM_ARRAY_TASK_ID"] = nil
        try TestMedia.run("/bin/bash", [script], environment: environment).checked()
        try expectSameVideo("\(dir)/slurm/out.mp4", as: whole)

        let manifest = try plan("kubernetes", output: "\(dir)/k8s/out.mp4")
        try FileManager.default.createDirectory(atPath: "\(dir)/k8s", withIntermediateDirectories: true)
        let jobs = try Array(Yams.load_all(yaml: manifest)).compactMap { $0 as? [String: Any] }
        #expect(jobs.count == 2)
        func command(of job: [String: Any]) -> [String] {
            let spec = job["spec"] as? [String: Any]
            let template = (spec?["template"] as? [String: Any])?["spec"] as? [String: Any]
            let container = (template?["containers"] as? [[String: Any]])?.first
            return container?["command"] as? [String] ?? []
        }
        let partsSpec = jobs[0]["spec"] as? [String: Any]
        #expect(partsSpec?["completionMode"] as? String == "Indexed")
        #expect(partsSpec?["completions"] as? Int == 3)
        let partCommand = command(of: jobs[0]), joinCommand = command(of: jobs[1])
        #expect(partCommand.prefix(2) == ["/bin/sh", "-c"])
        for index in 0..<3 {
            environment["JOB_COMPLETION_INDEX"] = "\(index)"
            try TestMedia.run(partCommand[0], Array(partCommand.dropFirst()), environment: environment).checked()
        }
        try TestMedia.run(joinCommand[0], Array(joinCommand.dropFirst())).checked()
        try expectSameVideo("\(dir)/k8s/out.mp4", as: whole)
    }
}
