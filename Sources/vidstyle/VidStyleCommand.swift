import Foundation
import ArgumentParser

/// The `vidstyle` command: stylizing is the default subcommand, so `vidstyle IN OUT --style 3`
/// works as users expect.
struct VidStyleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vidstyle",
        abstract: "Turn videos and images into moving paintings.",
        discussion: """
            Stylizes every frame with a multi-style network, smooths it over time so it does \
            not flicker, and keeps the audio and every timestamp. The output is written to a \
            temporary file beside OUT and renamed only when complete; OUT - streams to standard \
            output instead, and IN - reads standard input.
            """,
        version: "vidstyle 0.1.0",
        subcommands: [StylizeCommand.self, JoinCommand.self, PlanCommand.self, StylesCommand.self, PresetsCommand.self, DevicesCommand.self, BenchCommand.self],
        defaultSubcommand: StylizeCommand.self
    )
}

/// Entry point: settles the OpenMP environment, then runs the command.
@main
enum VidStyleMain {
    static func main() async {
        OpenMPEnvironment.ensurePassiveWaiting()
        // A reader of OUT - that goes away must end the job through EPIPE (exit 141, quietly),
        // not kill the process mid-write.
        signal(SIGPIPE, SIG_IGN)
        await VidStyleCommand.main()
    }
}
