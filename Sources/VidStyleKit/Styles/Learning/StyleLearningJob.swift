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
                work: URL, output: URL, environment: LearningEnvironment, learner: URL, extraArguments: [String] = []) {
        self.name = name
        self.painting = painting
        self.paintingFile = paintingFile
        self.model = model
        self.modelURL = modelURL
        self.minutes = minutes
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
         "--work", work.path, "--out", output.path, "--minutes", String(minutes)] + extraArguments
    }

    /// Runs the learner to its end.
    /// - Parameters:
    ///   - onEvent: each event, as it comes.
    ///   - onOtherLine: any other line the learner prints (Python's own warnings and errors).
    /// - Throws: `OptionError` when the learner fails, with its last words.
    public func run(stop: StopSignal, onEvent: @escaping (LearningEvent) -> Void,
                    onOtherLine: @escaping (String) -> Void = { _ in }) throws -> Outcome {
        let process = Process()
        process.executableURL = environment.python
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        variables["PYTHONUNBUFFERED"] = "1"
        variables["OMP_WAIT_POLICY"] = nil
        process.environment = variables
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw OptionError("cannot start the learner with \(environment.python.path): \(error.localizedDescription)")
        }
        let pid = process.processIdentifier
        let watcher = Thread {
            while process.isRunning {
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
        var buffer = Data()
        func handle(_ line: String) {
            guard !line.isEmpty else { return }
            if let event = LearningEvent.parse(line) {
                last = event
                onEvent(event)
            } else {
                lastOther = line
                onOtherLine(line)
            }
        }
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                handle(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer.removeSubrange(buffer.startIndex...newline)
            }
        }
        handle(String(decoding: buffer, as: UTF8.self))
        process.waitUntilExit()
        if let last, last.kind == .done, process.terminationStatus == 0 {
            return .finished(last)
        }
        if let last, last.kind == .interrupted {
            return .interrupted(step: last.step ?? 0)
        }
        if stop.isRequested {
            return .interrupted(step: last?.step ?? 0)
        }
        let reason = last?.kind == .error ? (last?.message ?? "") : lastOther
        throw OptionError("learning style \"\(name)\" failed (learner exit status \(process.terminationStatus))"
                          + (reason.isEmpty ? "" : ": \(reason)"))
    }
}
