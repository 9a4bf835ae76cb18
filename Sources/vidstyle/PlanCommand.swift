import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle plan IN OUT --parts N --emit FORMAT [options]`: a job file for a scheduler the
/// user already runs; vidstyle schedules nothing itself.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print a job file that renders IN in N parts on many machines and joins them into OUT.",
        discussion: """
            --emit parallel prints a GNU parallel command line, slurm an array batch script \
            (SLURM_ARRAY_TASK_ID), kubernetes an Indexed Job manifest (JOB_COMPLETION_INDEX). \
            Any other options (--style 3 --crf 18 ...) are passed to every part unchanged. \
            Parts are written beside OUT as OUT.partK-of-N.EXT; every machine must see IN and \
            OUT's folder at the same paths (docs/scale-out.md).
            """)

    @Argument(help: "The input video (at the same path on every machine).") var input: String
    @Argument(help: "The joined output.") var output: String
    @Option(help: "How many parts.") var parts: Int
    @Option(help: ArgumentHelp("parallel, slurm or kubernetes.", valueName: "format")) var emit: String
    @Option(help: ArgumentHelp("How the machines call vidstyle (default: vidstyle on PATH).", valueName: "path"))
    var executable = "vidstyle"
    @Argument(parsing: .allUnrecognized, help: "Options for every part (as for `vidstyle IN OUT`).") var options: [String] = []

    func validate() throws {
        guard parts >= 1 else { throw ValidationError("--parts \(parts): give 1 or more") }
        guard JobFileFormat(rawValue: emit) != nil else {
            throw ValidationError("--emit \(emit): give one of " + JobFileFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if options.contains(where: { $0 == "--part" || $0.hasPrefix("--part=") }) {
            throw ValidationError("--part is set by the job file for each part; leave it out")
        }
    }

    func run() throws {
        let commands = ScaleOutCommands(executable: executable, input: input, output: output, parts: parts, options: options)
        print(JobFileFormat(rawValue: emit)!.render(commands), terminator: "")
    }
}
