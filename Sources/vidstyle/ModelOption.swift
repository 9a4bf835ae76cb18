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

    /// The model with the user's own styles (`vidstyle styles add`) after its own.
    func loadCatalog() throws -> StyleCatalog { try Self.catalog(modelPath: model) }

    /// The catalog for a model path that may come from a preset instead of `--model`.
    static func catalog(modelPath: String?) throws -> StyleCatalog {
        StyleCatalog(shipped: try StyleModel.load(contentsOf: try ModelLocator.locate(explicit: modelPath)))
    }
}
