import Foundation

/// One line the learner (`tools/learn_style.py`) prints on its standard output, as JSON.
///
/// The learner is a separate Python process (it needs PyTorch for gradients; the engine has
/// none), so this is the whole interface back from it: the CLI draws its progress bar, says how
/// the learning started, and reports how it ended from these lines alone.
public struct LearningEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case start, resumed, setup, progress, interrupted, done, error, notice
    }

    public let kind: Kind
    /// Steps taken so far.
    public var step: Int?
    /// Seconds of learning so far, and the budget (`--minutes` in seconds).
    public var seconds: Double?
    public var budget: Double?
    /// The running style-loss ratio and content figure on the learning crops.
    public var styleRatio: Double?
    public var content: Double?
    /// For `start`: the shipped styles the new one starts from, with their weights.
    public var startFrom: [String: Double]?
    /// For `error` and `notice`.
    public var message: String?

    /// Parses one line, or nil when it is not one of the learner's events (Python warnings and
    /// the like are passed through by the caller as they are).
    public static func parse(_ line: String) -> LearningEvent? {
        guard line.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let name = object["event"] as? String, let kind = Kind(rawValue: name)
        else { return nil }
        func number(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
        var event = LearningEvent(kind: kind)
        event.step = (object["step"] as? NSNumber)?.intValue
        event.seconds = number("seconds")
        event.budget = number("budget")
        event.styleRatio = number("style_ratio")
        event.content = number("content")
        event.message = object["message"] as? String
        if let from = object["from"] as? [String: Any] {
            event.startFrom = from.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
        return event
    }

    public init(kind: Kind) {
        self.kind = kind
    }
}
