import Foundation
import Testing
import VidStyleKit

/// `vidstyle styles add/relearn/remove` and `--style NAME` as a user runs them: the whole flow,
/// with the real learner (tools/learn_style.py) on the tiny fixture network, a tiny loss network
/// (Fixtures/tiny-vgg.ckpt) and three generated photographs, so it learns in seconds; the
/// refusals; Ctrl-C and resuming; and the shipped model file left untouched.
///
/// The learner runs on the Python of `make learning-python` (`$VIDSTYLE_TEST_PYTHON`, which
/// `make test` sets), as `vidstyle styles add` runs its own after the first-use set-up.
@Suite(.serialized) struct UserStyleCLITests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let python: String = {
        if let given = ProcessInfo.processInfo.environment["VIDSTYLE_TEST_PYTHON"], !given.isEmpty { return given }
        return packageRoot + "/.build/learning/venv/bin/python"
    }()

    /// A fresh user data folder, photographs, a painting, and a copy of the fixture model.
    struct Setup {
        let dir: String
        let model: String
        let painting: String
        let environment: [String: String]
    }

    func setUp() throws -> Setup {
        #expect(FileManager.default.isExecutableFile(atPath: Self.python),
                "no Python with PyTorch at \(Self.python): run `make learning-python` (make test does)")
        let dir = try TestMedia.temporaryFolder("styles")
        try FileManager.default.createDirectory(atPath: "\(dir)/photos", withIntermediateDirectories: true)
        for hue in [0, 120, 240] {
            try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x72:rate=1,hue=h=\(hue)", "-frames:v", "1", "\(dir)/photos/photo\(hue).png"])
        }
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "mandelbrot=size=80x72", "-frames:v", "1", "\(dir)/painting.jpg"])
        let model = "\(dir)/model.safetensors"
        try FileManager.default.copyItem(atPath: TestMedia.fixture("tiny-model.safetensors"), toPath: model)
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_DATA_HOME"] = "\(dir)/data"
        environment["VIDSTYLE_LEARNING_PYTHON"] = Self.python
        environment["VIDSTYLE_LEARNING_VGG"] = TestMedia.fixture("tiny-vgg.ckpt")
        environment["VIDSTYLE_LEARNING_PHOTOS"] = "\(dir)/photos"
        environment["VIDSTYLE_LEARNER_ARGS"] = "--crop 32 --batch 1 --crops 4 --probe 1 --margin 4 --style-size 64 --progress-seconds 0"
        environment.removeValue(forKey: "VIDSTYLE_MODEL")
        return Setup(dir: dir, model: model, painting: "\(dir)/painting.jpg", environment: environment)
    }

    func vidstyle(_ setup: Setup, _ args: [String]) throws -> TestMedia.CommandResult {
        try TestMedia.run(CLITests.binary, args + ["--model", setup.model], environment: setup.environment, in: setup.dir)
    }

    func expectOneLineError(_ result: TestMedia.CommandResult, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(words), "'\(words)' missing from: \(result.stderr)", sourceLocation: sourceLocation)
    }

    func listed(_ setup: Setup) throws -> [[String: Any]] {
        let result = try vidstyle(setup, ["styles", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    }

    @Test func addLearnsAStyleThatPaintsByNameInStyleMixAndPresets() throws {
        let setup = try setUp()
        let modelBefore = try Data(contentsOf: URL(fileURLWithPath: setup.model))
        let add = try vidstyle(setup, ["styles", "add", setup.painting, "--name", "mine", "--minutes", "0.02"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stderr.contains("learning \"mine\" from painting.jpg, starting from fixture-"))
        #expect(add.stderr.contains("learned style \"mine\""))
        #expect(add.stderr.contains("--style mine (index 3)"))

        // A small file of its own in the user's data folder; the model file is untouched.
        let file = "\(setup.dir)/data/vidstyle/styles/mine.safetensors"
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
        #expect(size > 0 && size < 64_000)
        #expect(try Data(contentsOf: URL(fileURLWithPath: setup.model)) == modelBefore)
        #expect(!FileManager.default.fileExists(atPath: "\(setup.dir)/data/vidstyle/styles/.learning/mine"))

        let list = try listed(setup)
        #expect(list.map { $0["name"] as? String } == ["fixture-0", "fixture-1", "fixture-2", "mine"])
        #expect(list.last?["user"] as? Bool == true && list.first?["user"] as? Bool == false)
        #expect(list.last?["painting_file"] as? String == "painting.jpg")
        let table = try vidstyle(setup, ["styles"])
        #expect(table.stdout.contains("3      mine"), "\(table.stdout)")
        #expect(table.stdout.contains("yours - from painting.jpg"))

        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "\(setup.dir)/in.png"])
        func paint(_ out: String, _ args: [String]) throws -> Data {
            let result = try vidstyle(setup, ["in.png", out, "--quiet"] + args)
            #expect(result.status == 0, "\(args): \(result.stderr)")
            return try Data(contentsOf: URL(fileURLWithPath: "\(setup.dir)/\(out)"))
        }
        let byName = try paint("name.png", ["--style", "mine"])
        #expect(try paint("index.png", ["--style", "3"]) == byName)
        #expect(try paint("mix.png", ["--mix", "mine:1"]) == byName)
        #expect(try paint("shipped.png", ["--style", "0"]) != byName)
        #expect(try paint("blend.png", ["--mix", "mine:0.5,fixture-1:0.5"]) != byName)
        try "stylize:\n  style: mine\n  precision: fp32\n".write(toFile: "\(setup.dir)/mine.yaml", atomically: false, encoding: .utf8)
        #expect(try paint("preset.png", ["--pipeline", "mine.yaml", "--precision", "auto"]) == byName)

        // A second add of the same name is refused, and leaves the style as it was.
        let styleBefore = try Data(contentsOf: URL(fileURLWithPath: file))
        expectOneLineError(try vidstyle(setup, ["styles", "add", setup.painting, "--name", "mine"]), "already exists")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == styleBefore)

        // Remove.
        let remove = try vidstyle(setup, ["styles", "remove", "mine"])
        #expect(remove.status == 0, "\(remove.stderr)")
        #expect(try listed(setup).count == 3)
        expectOneLineError(try vidstyle(setup, ["in.png", "gone.png", "--style", "mine"]), "no style named \"mine\"")
        expectOneLineError(try vidstyle(setup, ["styles", "remove", "mine"]), "no user style named \"mine\"")
        expectOneLineError(try vidstyle(setup, ["styles", "remove", "fixture-0"]), "only your own styles can be removed")
    }

    @Test func badInputIsRefusedBeforeAnyWork() throws {
        let setup = try setUp()
        try "not a picture".write(toFile: "\(setup.dir)/notes.jpg", atomically: false, encoding: .utf8)
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=48x48", "-frames:v", "1", "\(setup.dir)/small.png"])
        let cases: [([String], String)] = [
            (["notes.jpg", "--name", "a"], "FFmpeg cannot read it as a picture"),
            (["missing.jpg", "--name", "a"], "there is no such file"),
            (["small.png", "--name", "a"], "48x48; a painting needs at least 64 px"),
            ([setup.painting, "--name", ""], "is empty"),
            ([setup.painting, "--name", "a/b"], "path separator"),
            ([setup.painting, "--name", "fixture-1"], "shipped style's name"),
            ([setup.painting, "--name", "a", "--minutes", "0"], "--minutes 0.0 is out of range"),
            ([setup.painting, "--name", "a", "--boldness", "9"], "--boldness 9.0 is out of range"),
            (["--name", "a", "--resume"], "no unfinished learning of \"a\""),
        ]
        for (args, words) in cases {
            expectOneLineError(try vidstyle(setup, ["styles", "add"] + args), words)
        }
        // Nothing was set up or started.
        #expect(!FileManager.default.fileExists(atPath: "\(setup.dir)/data/vidstyle/learning"))
        #expect(!FileManager.default.fileExists(atPath: "\(setup.dir)/data/vidstyle/styles/.learning/a"))
    }

    @Test func ctrlCSavesAndTheSameCommandContinues() throws {
        let setup = try setUp()
        // Stop once the learning has started (its first line is out), as Ctrl-C would.
        let stopped = try TestMedia.runAndInterrupt(
            CLITests.binary, ["styles", "add", setup.painting, "--name", "mine", "--minutes", "2", "--model", setup.model],
            environment: setup.environment, in: setup.dir) { $0.contains("learning \"mine\" from") }
        let text = stopped.stderr
        #expect(stopped.status == 130, "\(text)")
        #expect(text.contains("is saved at step"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: "\(setup.dir)/data/vidstyle/styles/.learning/mine/state.pt"))

        // Not usable, and listed as unfinished.
        #expect(try listed(setup).count == 3)
        #expect(try vidstyle(setup, ["styles"]).stdout.contains("unfinished"))
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "\(setup.dir)/in.png"])
        expectOneLineError(try vidstyle(setup, ["in.png", "out.png", "--style", "mine"]), "still being learned")
        // Another painting under the same name is refused rather than mixed in.
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=80x80", "-frames:v", "1", "\(setup.dir)/other.png"])
        expectOneLineError(try vidstyle(setup, ["styles", "add", "other.png", "--name", "mine"]), "half learned from another painting")

        let again = try vidstyle(setup, ["styles", "add", setup.painting, "--name", "mine", "--minutes", "0.02"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("continuing the learning of \"mine\""))
        #expect(again.stderr.contains("resumed at step"))
        #expect(try listed(setup).count == 4)
    }

    @Test func relearnUsesTheKeptPaintingAndAStyleForAnotherModelIsRefused() throws {
        let setup = try setUp()
        let add = try vidstyle(setup, ["styles", "add", setup.painting, "--name", "mine", "--minutes", "0.02", "--boldness", "1.5"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stderr.contains("boldness 1.5"))
        let file = URL(fileURLWithPath: "\(setup.dir)/data/vidstyle/styles/mine.safetensors")
        #expect(try UserStyle.read(contentsOf: file).boldness == 1.5)
        // The same style against another network: the fixture with one convolution weight changed.
        var (header, data) = Fixtures.split(try Data(contentsOf: URL(fileURLWithPath: setup.model)))
        let offsets = try #require((header["enc1.weight"] as? [String: Any])?["data_offsets"] as? [Int])
        data.replaceSubrange(offsets[0]..<(offsets[0] + 4), with: Fixtures.floatBytes([0.5]))
        let other = "\(setup.dir)/other.safetensors"
        try Fixtures.assemble(header: header, data: data).write(to: URL(fileURLWithPath: other))
        let otherSetup = Setup(dir: setup.dir, model: other, painting: setup.painting, environment: setup.environment)
        try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "\(setup.dir)/in.png"])
        #expect(try listed(otherSetup).count == 3)
        #expect(try vidstyle(otherSetup, ["styles"]).stdout.contains("not usable"))
        expectOneLineError(try vidstyle(otherSetup, ["in.png", "out.png", "--style", "mine"]), "vidstyle styles relearn mine")
        let relearn = try vidstyle(otherSetup, ["styles", "relearn", "mine", "--minutes", "0.02"])
        #expect(relearn.status == 0, "\(relearn.stderr)")
        #expect(relearn.stderr.contains("learning \"mine\" from painting.jpg"))
        #expect(try UserStyle.read(contentsOf: file).boldness == 1.5, "relearn keeps the boldness the style was learned with")
        #expect(try listed(otherSetup).count == 4)
        // ...and now it is the first model's turn to refuse it.
        expectOneLineError(try vidstyle(setup, ["in.png", "out.png", "--style", "mine"]), "relearn")
    }
}
