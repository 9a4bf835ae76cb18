import Foundation

/// One run of the learner (`learn_style.py`) for one style: it starts the Python process, turns
/// its lines into `LearningEvent`s, and passes a stop on as SIGINT, on which the learner saves
/// its state and exits, so the same command continues later.
public struct StyleLearningJob: Sendable {
    public var name: String
    /// The painting as imported (PNG), and its file name as the user gave it.
    public var painting: URL
    public var paintingFile: String
    /// The model the style is for, and its file.
    public var model: StyleModel
    public var modelURL: URL
    /// The learning time budget.
    public var minutes: Double
    /// How far the style may pull away from the photo (the learner's `--boldness`): 1 keeps
    /// the content figure inside the shipped styles' limit; more paints more of the painting.
    public var boldness: Double
    /// The resumable state, and the finished style file (written by the learner, atomically).
    public var work: URL
    public var output: URL
    public var environment: LearningEnvironment
    /// The folder holding `learn_style.py`.
    public var learner: URL
    /// More learner options, e.g. smaller crops (`$VIDSTYLE_LEARNER_ARGS`; the tests learn in
    /// seconds with them).
    public var extraArguments: [String]

    public init(name: String, painting: URL, paintingFile: String, model: StyleModel, modelURL: URL, minutes: Double,
                boldness: Double = 1, work: URL, output: URL, environment: LearningEnvironment, learner: URL, extraArguments: [String] = []) {
        self.name = name
        self.painting = painting
        self.paintingFile = paintingFile
        self.model = model
        self.modelURL = modelURL
        self.minutes = minutes
        self.boldness = boldness
        self.work = work
        self.output = output
        self.environment = environment
        self.learner = learner
        self.extraArguments = extraArguments
    }

    /// How a run ended.
    public enum Outcome: Sendable, Equatable {
        /// The style file is written; the last event says where the learning got to.
        case finished(LearningEvent)
        /// Stopped; the state is saved in `work`.
        case interrupted(step: Int)
    }

    public var arguments: [String] {
        [learner.appendingPathComponent(LearnerLocation.scriptName).path,
         "--base", modelURL.path, "--base-digest", model.convolutionDigest,
         "--painting", painting.path, "--painting-file", paintingFile, "--name", name,
         "--vgg", environment.vgg.path, "--content", environment.photos.path,
         "--work", work.path, "--out", output.path, "--minutes", String(minutes),
         "--boldness", String(boldness)] + extraArguments
    }

    /// Runs the learner to its end.
    /// - Parameters:
    ///   - onEvent: each event, as it comes.
    ///   - onOtherLine: any other line the learner prints (Python's own warnings and errors).
    /// - Throws: `OptionError` when the learner fails, with its last words.
    public func run(stop: StopSignal, onEvent: @escaping (LearningEvent) -> Void,
                    onOtherLine: @escaping (String) -> Void = { _ in }) throws -> Outcome {
        var variables = ProcessInfo.processInfo.environment
        variables["PYTHONUNBUFFERED"] = "1"
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: environment.python.path, arguments: arguments, environment: variables)
        } catch {
            throw OptionError("cannot start the learner with \(environment.python.path): \(error)")
        }
        // A stop (Ctrl-C, SIGTERM) reaches the learner as SIGINT: it saves its state and exits.
        let finished = StopSignal()
        let pid = child.pid
        let watcher = Thread {
            while !finished.isRequested {
                if stop.isRequested {
                    kill(pid, SIGINT)
                    return
                }
                usleep(50_000)
            }
        }
        watcher.start()
        var last: LearningEvent?
        var lastOther = ""
        child.readLines { line in
            guard !line.isEmpty else { return }
            if let event = LearningEvent.parse(line) {
                last = event
                onEvent(event)
            } else {
                lastOther = line
                onOtherLine(line)
            }
        }
        let status = child.wait()
        finished.request()
        if let last, last.kind == .done, status == 0 {
            return .finished(last)
        }
        if let last, last.kind == .interrupted {
            return .interrupted(step: last.step ?? 0)
        }
        if stop.isRequested {
            return .interrupted(step: last?.step ?? 0)
        }
        let reason = last?.kind == .error ? (last?.message ?? "") : lastOther
        throw OptionError("learning style \"\(name)\" failed (learner exit status \(status))"
                          + (reason.isEmpty ? "" : ": \(reason)"))
    }
}
