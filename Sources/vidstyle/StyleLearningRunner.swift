import ArgumentParser
import Foundation
import VidStyleKit

/// The flow of `styles add` and `styles relearn`: checks, the painting's import, the set-up on
/// first use, resuming, the learner's run with a progress bar, and the finished style's check.
struct StyleLearningRunner {
    /// The learning time: with it, on a 2-core CPU, Klee's painting reached the shipped styles'
    /// quality targets in 4:22 for the whole command; two black-and-white graphics did not
    /// (docs/model.md, "Your own styles").
    static let defaultMinutes = 4.0

    let catalog: StyleCatalog
    let modelURL: URL
    let name: String
    let quiet: Bool
    let folder = UserStyleFolder()

    init(modelOption: ModelOption, name: String, quiet: Bool) throws {
        modelURL = try ModelLocator.locate(explicit: modelOption.model)
        catalog = StyleCatalog(shipped: try StyleModel.load(contentsOf: modelURL))
        self.name = name
        self.quiet = quiet
        if catalog.shipped.styleIndex(named: name) != nil {
            throw UserStyleError.badName(name: name, reason: "is a shipped style's name")
        }
    }

    private func say(_ line: String) {
        if !quiet { FileHandle.standardError.write(Data("vidstyle: \(line)\n".utf8)) }
    }

    /// What the work folder's `request.json` records, to tell a resume from a new start.
    private struct Request: Codable, Equatable {
        var paintingFile: String
        var paintingBytes: Int
        var digest: String
        /// The `--boldness` it was started with (absent: 1), so a resume keeps it.
        var boldness: Double?
    }

    func learn(painting: String?, paintingFile: String? = nil, minutes: Double?, boldness: Double?, resume: Bool, overwrite: Bool) throws {
        let files = FileManager.default
        let output = folder.file(for: name), work = folder.workFolder(for: name)
        if files.fileExists(atPath: output.path) && !overwrite {
            throw UserStyleError.exists(name: name)
        }
        let requestURL = work.appendingPathComponent("request.json"), paintingURL = work.appendingPathComponent("painting.png")
        let previous = (try? Data(contentsOf: requestURL)).flatMap { try? JSONDecoder().decode(Request.self, from: $0) }
        let digest = catalog.shipped.convolutionDigest

        // The painting: imported (and so checked) before anything else is done.
        var request: Request
        if let painting {
            try files.createDirectory(at: folder.stylesFolder, withIntermediateDirectories: true)
            let staged = folder.stylesFolder.appendingPathComponent(".import-\(getpid()).png")
            defer { try? files.removeItem(at: staged) }
            _ = try PaintingImport.importPainting(from: painting, to: staged)
            let bytes = (try? Data(contentsOf: staged)) ?? Data()
            request = Request(paintingFile: paintingFile ?? (painting as NSString).lastPathComponent, paintingBytes: bytes.count, digest: digest)
            let samePainting = previous.map { $0.paintingBytes == bytes.count && (try? Data(contentsOf: paintingURL)) == bytes } ?? false
            if previous != nil && !samePainting {
                guard overwrite else {
                    throw OptionError("style \"\(name)\" is half learned from another painting (\(previous!.paintingFile)); "
                                      + "give that painting to continue, or --overwrite to start again from \(request.paintingFile)")
                }
                try? files.removeItem(at: work)
            }
            try files.createDirectory(at: work, withIntermediateDirectories: true)
            if !samePainting { try bytes.write(to: paintingURL) }
        } else {
            guard let previous, files.fileExists(atPath: paintingURL.path) else {
                throw OptionError("there is no unfinished learning of \"\(name)\" to resume; give the PAINTING to start it")
            }
            request = previous
        }
        if let previous, previous.digest != digest {
            say("the model changed since \"\(name)\" was started; starting its learning again")
            try? files.removeItem(at: work.appendingPathComponent("state.pt"))
        }
        request.digest = digest
        // A boldness given now wins; a resume without one keeps the one the learning began with.
        let boldness = boldness ?? (hasSavedState(work) ? previous?.boldness : nil) ?? 1
        request.boldness = boldness
        try JSONEncoder().encode(request).write(to: requestURL)
        let resuming = files.fileExists(atPath: work.appendingPathComponent("state.pt").path)

        // The environment, made on first use.
        let learner: URL
        switch LearnerLocation.locate() {
        case .success(let found): learner = found
        case .failure(let notFound): throw OptionError(notFound.description)
        }
        let environment = LearningEnvironment(folder: folder.learningFolder)
        let missing = environment.missingPieces()
        if !missing.isEmpty {
            say("first use: setting up style learning in \(environment.folder.path), once (afterwards it works offline): "
                + missing.map(\.summary).joined(separator: ", "))
            let started = Date()
            try environment.setUp(missing, learner: learner) { line in say("set-up: \(line)") }
            say(String(format: "set-up done in %@ (not part of the learning time)", Self.clock(Date().timeIntervalSince(started))))
        }

        let stop = InterruptHandler.makeStopSignal()
        let interrupts = InterruptHandler(stop: stop, quiet: quiet, message: "stopping; saving \"\(name)\" so it can continue")
        defer { interrupts.cancel() }
        let extra = ProcessInfo.processInfo.environment["VIDSTYLE_LEARNER_ARGS"]?.split(separator: " ").map(String.init) ?? []
        let job = StyleLearningJob(name: name, painting: paintingURL, paintingFile: request.paintingFile, model: catalog.shipped,
                                   modelURL: modelURL, minutes: minutes ?? Self.defaultMinutes, boldness: boldness, work: work, output: output,
                                   environment: environment, learner: learner, extraArguments: extra)
        let bar = LearningProgressBar(name: name, enabled: !quiet && isatty(STDERR_FILENO) == 1)
        if resuming { say("continuing the learning of \"\(name)\"") }
        let started = Date()
        let outcome = try job.run(stop: stop, onEvent: { event in
            switch event.kind {
            case .start where !quiet:
                let from = (event.startFrom ?? [:]).sorted { $0.value > $1.value }
                    .map { $0.value == 1 ? $0.key : "\($0.key) \(Int($0.value * 100))%" }.joined(separator: " + ")
                bar.printLine("vidstyle: learning \"\(name)\" from \(request.paintingFile), starting from \(from), for "
                              + Self.clock((minutes ?? Self.defaultMinutes) * 60) + (boldness == 1 ? "" : ", boldness \(boldness)"))
            case .resumed where !quiet:
                bar.printLine("vidstyle: resumed at step \(event.step ?? 0) (\(Self.clock(event.seconds ?? 0)) learned)")
            case .progress:
                bar.update(event)
            case .notice:
                if !quiet, let message = event.message { bar.printLine("vidstyle: \(message)") }
            default:
                break
            }
        }, onOtherLine: { line in
            if line.contains("Error") || line.contains("error") { bar.printLine("learner: \(line)") }
        })
        bar.finish()
        switch outcome {
        case .interrupted(let step):
            FileHandle.standardError.write(Data(("vidstyle: stopped; \"\(name)\" is saved at step \(step) and is not usable yet; "
                + "run the same command again (or with --resume) to continue\n").utf8))
            throw ExitCode(130)
        case .finished(let last):
            let style = try UserStyle.read(contentsOf: output)
            try style.check(against: catalog.shipped)
            try? files.removeItem(at: work)
            let index = StyleCatalog(shipped: catalog.shipped, folder: folder).model.styleIndex(named: name) ?? -1
            say(String(format: "learned style \"%@\" in %@ (%d steps, %@ learning); paint with --style %@ (index %d)",
                       name, Self.clock(Date().timeIntervalSince(started)), last.step ?? 0, Self.clock(last.seconds ?? 0), name, index))
        }
    }

    private func hasSavedState(_ work: URL) -> Bool {
        FileManager.default.fileExists(atPath: work.appendingPathComponent("state.pt").path)
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return String(format: "%d:%02d", whole / 60, whole % 60)
    }
}

/// The one rewritten line of a learning run: bar, share of the budget, time left, and the
/// running style and content figures.
final class LearningProgressBar: @unchecked Sendable {
    private let name: String
    private let enabled: Bool
    private var shown = false
    private let lock = NSLock()

    init(name: String, enabled: Bool) {
        self.name = name
        self.enabled = enabled
    }

    func update(_ event: LearningEvent) {
        guard enabled, let seconds = event.seconds, let budget = event.budget, budget > 0 else { return }
        let share = min(1, seconds / budget)
        let filled = Int((share * 24).rounded())
        var line = "\rlearning \(name) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: 24 - filled) + "]"
        line += String(format: " %3d%%  %@ left  step %d", Int(share * 100), StyleLearningRunner.clock(max(0, budget - seconds)), event.step ?? 0)
        if let ratio = event.styleRatio, let content = event.content {
            line += String(format: "  style %.2f  content %.2f", ratio, content)
        }
        lock.lock()
        shown = true
        lock.unlock()
        FileHandle.standardError.write(Data((line + "  ").utf8))
    }

    func printLine(_ text: String) {
        lock.lock()
        let clear = shown
        shown = false
        lock.unlock()
        FileHandle.standardError.write(Data(((clear ? "\r\u{1B}[K" : "") + text + "\n").utf8))
    }

    func finish() {
        lock.lock()
        let clear = shown
        lock.unlock()
        if clear { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
