import Foundation
import Testing
@testable import VidStyleKit

/// The folder plan (which files, which outputs, which folders are refused), the overall
/// progress line, and the clean-up of temporary files a killed run left.
@Suite struct FolderPlanTests {
    func touch(_ path: String, _ text: String = "x") throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func tree() throws -> (input: String, output: String) {
        let dir = try TestMedia.temporaryFolder()
        for name in ["a.mp4", "b.avi", "c.MOV", "deep/er/d.mkv", "p.jpg", "q.bmp", "notes.txt", ".hidden.mp4", ".git/x.mp4"] {
            try touch("\(dir)/in/\(name)")
        }
        return ("\(dir)/in", "\(dir)/out")
    }

    @Test func mapsEveryVideoAndPictureToTheSameRelativePath() throws {
        let (input, output) = try tree()
        let plan = try FolderPlan(input: input, output: output, container: nil)
        #expect(plan.items.map(\.relativePath) == ["a.mp4", "b.avi", "c.MOV", "deep/er/d.mkv", "p.jpg", "q.bmp"])
        #expect(plan.items.map { String($0.output.dropFirst(output.count + 1)) } == ["a.mp4", "b.mp4", "c.MOV", "deep/er/d.mkv", "p.jpg", "q.png"])
        #expect(plan.items.map(\.kind) == [.video, .video, .video, .video, .picture, .picture])
        #expect(plan.others == ["notes.txt"])
        #expect(plan.clashes.isEmpty)
        #expect(plan.items[0].bytes == 1)
    }

    @Test func containerAppliesToVideosOnly() throws {
        let (input, output) = try tree()
        let plan = try FolderPlan(input: input, output: output, container: "mkv")
        #expect(plan.items.map { ($0.output as NSString).pathExtension } == ["mkv", "mkv", "mkv", "mkv", "jpg", "png"])
    }

    @Test func twoInputsWithOneOutputClash() throws {
        let dir = try TestMedia.temporaryFolder()
        try touch("\(dir)/in/a.avi")
        try touch("\(dir)/in/a.mp4")
        let plan = try FolderPlan(input: "\(dir)/in", output: "\(dir)/out", container: nil)
        #expect(plan.items.map(\.relativePath) == ["a.avi"])
        #expect(plan.clashes.map(\.item.relativePath) == ["a.mp4"])
        #expect(plan.clashes.first?.claimedBy == "a.avi")
    }

    @Test func refusesOverlappingFolders() throws {
        let dir = try TestMedia.temporaryFolder()
        try touch("\(dir)/in/a.mp4")
        let cases: [(String, String, String)] = [
            ("\(dir)/in", "\(dir)/in", "is the input folder"),
            ("\(dir)/in", "\(dir)/in/../in/", "is the input folder"),
            ("\(dir)/in", "\(dir)/in/out", "inside the input folder"),
            ("\(dir)/in", dir, "inside the output folder"),
            ("\(dir)/missing", "\(dir)/out", "does not exist"),
        ]
        for (input, output, words) in cases {
            #expect(throws: OptionError.self) { try FolderPlan.checkFolders(input: input, output: output) }
            do { try FolderPlan.checkFolders(input: input, output: output) } catch {
                #expect(error.description.contains(words), "\(error)")
            }
        }
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/link", withDestinationPath: "\(dir)/in")
        #expect(throws: OptionError.self) { try FolderPlan.checkFolders(input: "\(dir)/link", output: "\(dir)/in/out") }
        try FolderPlan.checkFolders(input: "\(dir)/in", output: "\(dir)/out")
    }

    @Test func progressLineShowsShareFilesAndTimeLeft() {
        var progress = FolderProgress(totalBytes: 1000, filesTotal: 4)
        #expect(progress.line(fraction: progress.fraction(), elapsed: 0) == "[....................]   0%  0/4 files")
        progress.filesFinished = 1
        progress.finishedBytes = 250
        let fraction = progress.fraction(currentBytes: 500, currentDone: 0.5)
        #expect(fraction == 0.5)
        #expect(progress.line(fraction: fraction, elapsed: 30) == "[##########..........]  50%  1/4 files  0:30 left")
        #expect(progress.line(fraction: 1, elapsed: 60).hasPrefix("[####################] 100%"))
    }

    @Test func staleTemporaryFilesOfDeadProcessesAreRemoved() throws {
        let dir = try TestMedia.temporaryFolder()
        let dead = "\(dir)/.a.mp4.vidstyle-tmp-2147483646.mp4", alive = "\(dir)/.a.mp4.vidstyle-tmp-\(getpid()).mp4"
        let other = "\(dir)/.b.mp4.vidstyle-tmp-2147483646.mp4"
        for path in [dead, alive, other] { try touch(path) }
        #expect(VideoWriter.removeStaleTemporaryFiles(for: "\(dir)/a.mp4") == [(dead as NSString).lastPathComponent])
        #expect(TestMedia.contents(dir) == [(alive as NSString).lastPathComponent, (other as NSString).lastPathComponent].sorted())
    }
}
