import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle styles add PAINTING --name NAME`: learns a new style from the user's painting.
struct StylesAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Learn a new style from your own painting (minutes, on this CPU).",
        discussion: """
            Learns only the new style's scale and shift per norm channel, with the network's \
            convolutions shared, starting from the nearest shipped style. The first use sets up \
            PyTorch, the loss network and photographs in ~/.local/share/vidstyle/learning (said \
            before it starts). Ctrl-C saves; running the same command again (or --resume) \
            continues. Afterwards --style NAME paints with it, everywhere a style index works.
            """)

    @Argument(help: "The painting: any picture FFmpeg reads, at least 64 px on each side (optional with --resume).")
    var painting: String?
    @Option(help: "The new style's name (letters, digits, - and _; not a shipped style's name).") var name: String
    @Option(help: "Learning time in minutes (default \(StyleLearningRunner.defaultMinutes); docs/model.md says what it reaches).")
    var minutes: Double?
    @Option(help: ArgumentHelp("How far the style may pull away from the photo, \(BoldnessRange.text) (default 1).",
                               discussion: "Above 1 paints more of the painting and less of the photo: black-and-white graphics look like their painting from about 1.7."))
    var boldness: Double?
    @Flag(help: "Continue the unfinished learning of NAME (running the same command again does too).") var resume = false
    @Flag(help: "Learn NAME again even though it exists.") var overwrite = false
    @Flag(name: .shortAndLong, help: "Print nothing but errors.") var quiet = false
    @OptionGroup var modelOption: ModelOption

    func validate() throws {
        if let problem = StyleName.problem(with: name) {
            throw UserStyleError.badName(name: name, reason: problem)
        }
        if let minutes, !(minutes > 0 && minutes <= 600) {
            throw OptionError("--minutes \(minutes) is out of range; give a time above 0 and up to 600 minutes")
        }
        try BoldnessRange.check(boldness)
        if painting == nil && !resume {
            throw OptionError("give the PAINTING to learn from (or --resume to continue an unfinished style)")
        }
    }

    func run() throws {
        let runner = try StyleLearningRunner(modelOption: modelOption, name: name, quiet: quiet)
        try runner.learn(painting: painting, minutes: minutes, boldness: boldness, resume: resume, overwrite: overwrite)
    }
}

/// `vidstyle styles relearn NAME`: learns a user style again for the current model, from the
/// copy of the painting its file keeps.
struct StylesRelearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relearn", abstract: "Learn one of your styles again (for a new model) from the painting it keeps.")

    @Argument(help: "The style's name.") var name: String
    @Option(help: "Learning time in minutes (default \(StyleLearningRunner.defaultMinutes)).") var minutes: Double?
    @Option(help: "How far the style may pull away from the photo, \(BoldnessRange.text) (default: the boldness it was learned with).")
    var boldness: Double?
    @Flag(name: .shortAndLong, help: "Print nothing but errors.") var quiet = false
    @OptionGroup var modelOption: ModelOption

    func validate() throws {
        try BoldnessRange.check(boldness)
    }

    func run() throws {
        let folder = UserStyleFolder()
        let file = folder.file(for: name)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw UserStyleError.notFound(name: name, folder: folder.stylesFolder.path)
        }
        let style = try UserStyle.read(contentsOf: file)
        guard !style.keptPainting.isEmpty else {
            throw UserStyleError.unreadable(path: file.path, reason: "it keeps no copy of its painting; add it again from the painting")
        }
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("vidstyle-\(getpid())-\(style.paintingFile)")
            .deletingPathExtension().appendingPathExtension("jpg")
        try style.keptPainting.write(to: kept)
        defer { try? FileManager.default.removeItem(at: kept) }
        let runner = try StyleLearningRunner(modelOption: modelOption, name: name, quiet: quiet)
        try runner.learn(painting: kept.path, paintingFile: style.paintingFile, minutes: minutes,
                         boldness: boldness ?? style.boldness, resume: false, overwrite: true)
    }
}

/// The boldness values `styles add` and `styles relearn` accept.
enum BoldnessRange {
    static let lowest = 0.25, highest = 4.0
    static let text = "from 0.25 to 4"
    static func check(_ value: Double?) throws {
        if let value, !(value >= lowest && value <= highest) {
            throw OptionError("--boldness \(value) is out of range; give \(text)")
        }
    }
}
