import Foundation
import Synchronization
import Testing

/// `vidstyle IN_FOLDER OUT_FOLDER` as users run it: every file painted to the same relative
/// path, failures reported and survived, overlapping folders refused, and a run stopped with
/// Ctrl-C resumed with nothing done twice and nothing partial left.
@Suite(.serialized) struct FolderCLITests {
    let model = TestMedia.fixture("tiny-model.safetensors")

    func vidstyle(_ args: [String]) throws -> TestMedia.CommandResult {
        try TestMedia.run(CLITests.binary, args + ["--model", model])
    }

    /// Every path below `folder` (hidden files included), relative to it, sorted.
    func files(under folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var found: [String] = []
        while let next = walker.nextObject() as? String {
            if (walker.fileAttributes?[.type] as? FileAttributeType) != .typeDirectory { found.append(next) }
        }
        return found.sorted()
    }

    func modified(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
    }

    /// A 32x24 clip of 3 frames, copied under `names`.
    func clips(_ names: [String], in folder: String) throws {
        let first = "\(folder)/\(names[0])"
        try FileManager.default.createDirectory(atPath: (first as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try TestMedia.clip(first, size: "32x24", rate: 10, seconds: 0.3, audio: false)
        for name in names.dropFirst() {
            let path = "\(folder)/\(name)"
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: first, toPath: path)
        }
    }

    @Test func paintsEveryFileToTheSameRelativePathAndSkipsDoneOnes() throws {
        let dir = try TestMedia.temporaryFolder()
        try clips(["a.mp4", "sub/b.avi"], in: "\(dir)/in")
        try FileManager.default.createDirectory(atPath: "\(dir)/in/sub/deeper", withIntermediateDirectories: true)
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=40x30", "-frames:v", "1", "\(dir)/in/sub/deeper/p.png"])
        try "notes".write(toFile: "\(dir)/in/notes.txt", atomically: false, encoding: .utf8)
        let first = try vidstyle(["\(dir)/in", "\(dir)/out", "--style", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(files(under: "\(dir)/out") == ["a.mp4", "sub/b.mp4", "sub/deeper/p.png"])
        #expect(try TestMedia.probe("\(dir)/out/sub/b.mp4", stream: "v", entry: "nb_read_frames", countFrames: true) == "3")
        #expect(try TestMedia.probe("\(dir)/out/sub/deeper/p.png", stream: "v", entry: "width,height") == "40,30")
        let lines = first.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "vidstyle: skipped notes.txt: not a video or picture")
        #expect(lines.contains { $0.hasPrefix("vidstyle: done sub/b.avi -> sub/b.mp4: 3 frames in ") })
        #expect(lines.last == "vidstyle: 3 files: 3 done, 0 skipped (already done), 0 failed, 1 not a video or picture")
        #expect(lines.count == 5, "\(first.stderr)")

        let again = try vidstyle(["\(dir)/in", "\(dir)/out", "--style", "1"])
        #expect(again.status == 0)
        #expect(again.stderr.contains("vidstyle: skipped a.mp4: a.mp4 is already done"))
        #expect(again.stderr.hasSuffix("vidstyle: 3 files: 0 done, 3 skipped (already done), 0 failed, 1 not a video or picture\n"))
    }

    @Test func containerOptionPicksTheVideoContainer() throws {
        let dir = try TestMedia.temporaryFolder()
        try clips(["a.mp4"], in: "\(dir)/in")
        let result = try vidstyle(["\(dir)/in", "\(dir)/out", "--container", "mkv", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(files(under: "\(dir)/out") == ["a.mkv"])
    }

    @Test func aFailingFileIsReportedAndTheRestGoOn() throws {
        let dir = try TestMedia.temporaryFolder()
        try clips(["a.mp4", "c.mp4"], in: "\(dir)/in")
        try "not a video".write(toFile: "\(dir)/in/b.mp4", atomically: false, encoding: .utf8)
        let result = try vidstyle(["\(dir)/in", "\(dir)/out"])
        #expect(result.status == 1, "\(result.stderr)")
        let failures = result.stderr.split(separator: "\n").filter { $0.hasPrefix("vidstyle: failed b.mp4: ") }
        #expect(failures.count == 1, "\(result.stderr)")
        #expect(files(under: "\(dir)/out") == ["a.mp4", "c.mp4"])
        #expect(result.stderr.hasSuffix("vidstyle: 3 files: 2 done, 0 skipped (already done), 1 failed\n"), "\(result.stderr)")
    }

    @Test func overlappingFoldersAreRefusedInOneLine() throws {
        let dir = try TestMedia.temporaryFolder()
        try clips(["a.mp4"], in: "\(dir)/in")
        for (output, words) in [("\(dir)/in/out", "inside the input folder"), ("\(dir)/in", "is the input folder")] {
            let result = try vidstyle(["\(dir)/in", output])
            #expect(result.status != 0)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains(words), "\(result.stderr)")
        }
        #expect(files(under: "\(dir)/in") == ["a.mp4"])
    }

    /// Ctrl-C during the first file's open: that file is dropped, not finished short.
    @Test func aStopInsideAFileLeavesNothing() throws {
        let dir = try TestMedia.temporaryFolder()
        try clips(["a.mp4", "b.mp4"], in: "\(dir)/in")
        var environment = ProcessInfo.processInfo.environment
        environment["VIDSTYLE_TEST_STOP_DURING_OPEN"] = "1"
        let result = try TestMedia.run(CLITests.binary, ["\(dir)/in", "\(dir)/out", "--model", model], environment: environment)
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("vidstyle: stopped a.mp4: nothing kept"), "\(result.stderr)")
        #expect(result.stderr.hasSuffix("vidstyle: interrupted with 2 file(s) left; run the same command again to resume\n"), "\(result.stderr)")
        #expect(files(under: "\(dir)/out").isEmpty)
    }

    /// The target of issue 26: 20 clips, a real SIGINT after a few are done, then a rerun that
    /// paints only the rest.
    @Test func anInterruptedRunResumesWithNothingDoneTwice() throws {
        let dir = try TestMedia.temporaryFolder()
        let names = (1...20).map { String(format: "set%d/clip%02d.mp4", $0 % 3, $0) }
        try clips(names, in: "\(dir)/in")
        // Read until three files are done, then press "Ctrl-C".
        let stopped = try TestMedia.runAndInterrupt(CLITests.binary, ["\(dir)/in", "\(dir)/out", "--model", model]) { text in
            text.components(separatedBy: "vidstyle: done ").count - 1 >= 3
        }
        let text = stopped.stderr
        #expect(stopped.status == 130, "\(text)")
        let doneFirst = text.components(separatedBy: "vidstyle: done ").count - 1
        #expect(doneFirst >= 3 && doneFirst < 20, "\(text)")
        let kept = files(under: "\(dir)/out")
        #expect(kept.count == doneFirst, "\(kept) after: \(text)")
        #expect(!kept.contains { $0.contains("vidstyle-tmp") })
        var times: [String: Date] = [:]
        for name in kept { times[name] = try modified("\(dir)/out/\(name)") }

        let rerun = try vidstyle(["\(dir)/in", "\(dir)/out"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.hasSuffix("vidstyle: 20 files: \(20 - doneFirst) done, \(doneFirst) skipped (already done), 0 failed\n"),
                "\(rerun.stderr)")
        #expect(files(under: "\(dir)/out") == names.sorted())
        for (name, time) in times { #expect(try modified("\(dir)/out/\(name)") == time, "\(name) was painted again") }
        for name in names {
            #expect(try TestMedia.probe("\(dir)/out/\(name)", stream: "v", entry: "nb_read_frames", countFrames: true) == "3")
        }
    }
}
