import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle styles`: what `--style` can be, the shipped styles and the user's own, and the
/// commands that add and remove the user's.
struct StylesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "styles", abstract: "List the styles (the shipped ones, then your own); add, relearn or remove your own.",
        subcommands: [StylesListCommand.self, StylesAddCommand.self, StylesRelearnCommand.self, StylesRemoveCommand.self],
        defaultSubcommand: StylesListCommand.self)
}

/// `vidstyle styles [list]`.
struct StylesListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the styles: index, name, painter (your own after the shipped ones).")

    @OptionGroup var modelOption: ModelOption

    @Flag(help: "Print a JSON list of {index, name, painter, painting, image, user, painting_file}.")
    var json = false

    /// One row of `--json`.
    struct Entry: Encodable {
        let index: Int
        let name: String
        let painter: String
        let painting: String
        let image: String
        /// Whether it is the user's own style (`vidstyle styles add`).
        let user: Bool
        /// The painting file a user style was learned from.
        let painting_file: String?
    }

    func run() throws {
        let catalog = try modelOption.loadCatalog()
        let styles = catalog.model.styles
        if json {
            let entries = styles.map { style in
                Entry(index: style.index, name: style.name, painter: style.painter, painting: style.painting, image: style.image,
                      user: catalog.isUserStyle(style.index),
                      painting_file: catalog.isUserStyle(style.index) ? style.image : nil)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            return
        }
        let names = styles.map(\.name) + catalog.refused.map(\.name) + catalog.unfinished
        let nameWidth = max(4, names.map(\.count).max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        print("index  \(pad("name", nameWidth))  painter")
        for style in styles {
            let origin = catalog.isUserStyle(style.index) ? "yours - from \(style.image)" : "\(style.painter) - \(style.painting)"
            print("\(pad(String(style.index), 5))  \(pad(style.name, nameWidth))  \(origin)")
        }
        for refusal in catalog.refused {
            print("-      \(pad(refusal.name, nameWidth))  not usable: \(refusal.error)")
        }
        for name in catalog.unfinished {
            print("-      \(pad(name, nameWidth))  unfinished: run `vidstyle styles add PAINTING --name \(name)` again to finish it")
        }
    }
}

/// `vidstyle styles remove NAME`.
struct StylesRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Delete one of your own styles (or its unfinished learning).")

    @Argument(help: "The style's name.") var name: String
    @OptionGroup var modelOption: ModelOption

    func run() throws {
        let shipped = try modelOption.load()
        if shipped.styleIndex(named: name) != nil {
            throw UserStyleError.badName(name: name, reason: "is a shipped style; only your own styles can be removed")
        }
        let folder = UserStyleFolder()
        let file = folder.file(for: name), work = folder.workFolder(for: name)
        let files = FileManager.default
        let hadFile = files.fileExists(atPath: file.path), hadWork = files.fileExists(atPath: work.path)
        guard hadFile || hadWork else { throw UserStyleError.notFound(name: name, folder: folder.stylesFolder.path) }
        if hadFile { try files.removeItem(at: file) }
        if hadWork { try files.removeItem(at: work) }
        FileHandle.standardError.write(Data("vidstyle: removed style \"\(name)\"\(hadFile ? "" : " (its unfinished learning)")\n".utf8))
    }
}
