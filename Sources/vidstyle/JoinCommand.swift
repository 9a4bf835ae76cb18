import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle join IN OUT PARTFILE...`: the parts of `--part K/N` runs, joined.
struct JoinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join the parts rendered with --part K/N into one video, with IN's audio and subtitles.",
        discussion: """
            The parts' video is copied, not encoded again; IN's audio and subtitle tracks are \
            muxed once, whole, as a one-machine run would. Parts must be given in order, each \
            once, all made from IN with the same options; anything else is refused in one line \
            naming the part to render again.
            """)

    @Argument(help: "The input the parts were rendered from.") var input: String
    @Argument(help: "The joined video.") var output: String
    @Argument(help: "The part files, in order 1..N.") var parts: [String] = []
    @Flag(name: [.customShort("y"), .long], help: "Replace OUT if it exists.") var overwrite = false
    @Flag(name: .shortAndLong, help: "Print nothing but errors.") var quiet = false

    func run() throws {
        let summary = try PartJoiner(inputPath: input, outputPath: output, partPaths: parts, overwrite: overwrite).run()
        if !quiet {
            for notice in summary.notices { FileHandle.standardError.write(Data("vidstyle: \(notice)\n".utf8)) }
            let line = String(format: "vidstyle: joined %d parts into %@: %d frames in %.2f s", summary.parts, output,
                              summary.frames, summary.seconds)
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
