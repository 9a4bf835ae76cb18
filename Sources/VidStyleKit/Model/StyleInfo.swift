/// One style a model can paint in, as listed in the model file's `vidstyle.styles` metadata.
///
/// The CLI shows these to users (`--list-styles`, credits in output metadata), so the painting's
/// provenance travels with the weights instead of living in a separate table that can drift.
public struct StyleInfo: Sendable, Codable, Equatable {
    /// Position in the style-weights vector and row in every norm's scale/shift tensor.
    public let index: Int
    /// Short name used on the command line (`--style starry-night`).
    public let name: String
    public let painter: String
    public let painting: String
    /// The style image the model was trained on (file name in the training data).
    public let image: String

    public init(index: Int, name: String, painter: String, painting: String, image: String) {
        self.index = index
        self.name = name
        self.painter = painter
        self.painting = painting
        self.image = image
    }
}
