/// The rules for what a style may be called, so that a name works everywhere an index does:
/// on the command line (`--style NAME`), inside a mix (`--mix NAME:0.5,3:0.5`), in a preset,
/// and as a file name in the user's styles folder.
public enum StyleName {
    public static let maximumLength = 64

    /// Whether `text` can name a style, or why not (words that follow "style name X").
    public static func problem(with text: String) -> String? {
        if text.isEmpty { return "is empty" }
        if text.count > maximumLength { return "is longer than \(maximumLength) characters" }
        if Int(text) != nil { return "is a number, which would read as a style index" }
        if text.hasPrefix(".") || text.hasPrefix("-") { return "starts with \(text.first!)" }
        for character in text {
            if character == "/" || character == "\\" { return "has a path separator" }
            if character == ":" || character == "," { return "has \(character), which --mix uses between styles" }
            if character.isWhitespace || character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                return "has a space or control character"
            }
        }
        return nil
    }

    /// Whether `text` could be a style name (for checks made before the model is known).
    public static func isPlausible(_ text: String) -> Bool { problem(with: text) == nil }
}
