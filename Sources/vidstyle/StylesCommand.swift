import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle styles`: what `--style N` can be.
struct StylesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "styles", abstract: "List the model's styles (index, name, painter).")

    @OptionGroup var modelOption: ModelOption

    @Flag(help: "Print a JSON list of {index, name, painter, painting, image}.")
    var json = false

    func run() throws {
        let model = try modelOption.load()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(model.styles)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let nameWidth = max(4, model.styles.map(\.name.count).max() ?? 0)
        print("index  \("name".padding(toLength: nameWidth, withPad: " ", startingAt: 0))  painter")
        for style in model.styles {
            let index = String(style.index).padding(toLength: 5, withPad: " ", startingAt: 0)
            print("\(index)  \(style.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  \(style.painter) - \(style.painting)")
        }
    }
}
