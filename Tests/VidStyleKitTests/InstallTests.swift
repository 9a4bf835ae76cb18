import Foundation
import Testing

/// `make install` lays out a prefix that works on its own: the binary finds the shipped model
/// and the shipped presets in `share/vidstyle/` beside it, from any working folder, and
/// `make uninstall` takes all of it away again. The tests install the debug build.
@Suite(.serialized) struct InstallTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    func make(_ target: String, prefix: String) throws {
        _ = try TestMedia.run("make", ["--no-print-directory", "-C", Self.packageRoot, target,
                                       "CONFIG=debug", "PREFIX=\(prefix)"]).checked()
    }

    @Test func installedBinaryFindsModelAndPresetsThenUninstallRemovesThem() throws {
        let dir = try TestMedia.temporaryFolder()
        let prefix = "\(dir)/prefix", work = "\(dir)/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try make("install-built", prefix: prefix)
        let installed = "\(prefix)/bin/vidstyle"

        // No --model, no VIDSTYLE_MODEL, no pipelines/ in the working folder.
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "VIDSTYLE_MODEL")
        let styles = try TestMedia.run(installed, ["styles", "--json"], environment: environment, in: work)
        #expect(styles.status == 0, "\(styles.stderr)")
        let list = try JSONSerialization.jsonObject(with: Data(styles.stdout.utf8)) as? [[String: Any]]
        #expect((list?.count ?? 0) >= 8)

        try TestMedia.clip("\(work)/in.mp4", size: "64x48", rate: 5, seconds: 0.6, audio: false)
        let job = try TestMedia.run(installed, ["in.mp4", "out.webm", "--pipeline", "web-vp9", "--quiet"],
                                    environment: environment, in: work)
        #expect(job.status == 0, "\(job.stderr)")
        #expect(try TestMedia.probe("\(work)/out.webm", stream: "v", entry: "codec_name") == "vp9")

        // The style learner is installed beside the binary: `styles add` runs it from there.
        let learning = try UserStyleCLITests().setUp()
        let add = try TestMedia.run(installed, ["styles", "add", learning.painting, "--name", "installed", "--minutes", "0.02"],
                                    environment: learning.environment, in: work)
        #expect(add.status == 0, "\(add.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(prefix)/share/vidstyle/learning/learn_style.py"))

        try make("uninstall", prefix: prefix)
        #expect(!FileManager.default.fileExists(atPath: installed))
        #expect(!FileManager.default.fileExists(atPath: "\(prefix)/share/vidstyle"))
    }
}
