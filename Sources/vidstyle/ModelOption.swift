import ArgumentParser
import Foundation
import VidStyleKit

/// `--model`, shared by every subcommand that needs the network.
struct ModelOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Model file (.safetensors) to use instead of the shipped one.", valueName: "file"))
    var model: String?

    func load() throws -> StyleModel {
        let url = try ModelLocator.locate(explicit: model)
        return try StyleModel.load(contentsOf: url)
    }
}
