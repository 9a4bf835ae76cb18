/// One setting's value, as a preset file or the command line gives it, already checked against
/// its field's type and range. Kept untyped (rather than one Swift property per field) so that one
/// table of fields (`PresetField`) drives reading, merging, printing and the JSON Schema alike.
public enum PresetValue: Sendable, Equatable, CustomStringConvertible {
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case text(String)

    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .number(let value): PresetValue.format(value)
        case .boolean(let value): value ? "true" : "false"
        case .text(let value): value
        }
    }

    public var integer: Int? { if case .integer(let value) = self { value } else { nil } }
    public var boolean: Bool? { if case .boolean(let value) = self { value } else { nil } }
    public var text: String? { if case .text(let value) = self { value } else { nil } }
    /// A number field's value; whole numbers count, as `strength: 1` is a number.
    public var number: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// The shortest text that reads back as the same number: 0.6, not 0.59999999999999998.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
