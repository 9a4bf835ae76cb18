/// Turns the bytes a terminal in raw mode sends into `LiveKey`s.
///
/// A lone Esc and the start of an escape sequence (arrow and function keys send `ESC [ ...` or
/// `ESC O x`) begin with the same byte, so an Esc is only reported once nothing follows it:
/// the reader calls `flush()` when no byte came for a short while (`escapeTimeoutMilliseconds`),
/// as terminal programs do. Escape sequences are swallowed whole, so an arrow key never reads
/// as a letter; Alt+key (Esc and the key together) is the key alone, never a stop. Bytes that
/// mean nothing are ignored. No allocation per byte.
public struct KeyDecoder: Sendable {
    /// How long a lone Esc waits for the rest of an escape sequence before it counts as Esc.
    public static let escapeTimeoutMilliseconds: Int32 = 50

    private enum State {
        case ground
        /// Esc seen; what follows decides.
        case escape
        /// Inside `ESC [` (CSI) or `ESC O` (SS3): everything up to the final byte is skipped.
        case sequence(csi: Bool)
    }

    private var state = State.ground

    public init() {}

    /// Whether an Esc is waiting to be told apart from an escape sequence (the reader should
    /// call `flush()` if nothing arrives soon).
    public var isWaiting: Bool {
        if case .ground = state { return false }
        return true
    }

    /// Feeds one byte; returns the key it completes, if any.
    public mutating func feed(_ byte: UInt8) -> LiveKey? {
        switch state {
        case .ground:
            return ground(byte)
        case .escape:
            switch byte {
            case UInt8(ascii: "["): state = .sequence(csi: true); return nil
            case UInt8(ascii: "O"): state = .sequence(csi: false); return nil
            case 0x1B: return .stop  // Esc Esc: the first was a lone Esc; the second waits
            default:
                // Alt+key sends Esc and the key at once: the Esc is a modifier, not a stop.
                state = .ground
                return ground(byte)
            }
        case .sequence(let csi):
            // CSI: parameter and intermediate bytes (0x20-0x3F) until a final byte 0x40-0x7E.
            // SS3: exactly one byte follows.
            if !csi || (0x40...0x7E).contains(byte) || byte < 0x20 { state = .ground }
            return nil
        }
    }

    /// Called when no byte came for `escapeTimeoutMilliseconds`: a waiting Esc was a lone one.
    public mutating func flush() -> LiveKey? {
        defer { state = .ground }
        if case .escape = state { return .stop }
        return nil
    }

    private mutating func ground(_ byte: UInt8) -> LiveKey? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .style(Int(byte - UInt8(ascii: "0")))
        case UInt8(ascii: "m"), UInt8(ascii: "M"): return .cycleMix
        case UInt8(ascii: "+"), UInt8(ascii: "="): return .strengthUp
        case UInt8(ascii: "-"), UInt8(ascii: "_"): return .strengthDown
        case UInt8(ascii: "c"), UInt8(ascii: "C"): return .toggleColor
        case UInt8(ascii: "s"), UInt8(ascii: "S"): return .toggleSmoothing
        case UInt8(ascii: "q"), UInt8(ascii: "Q"): return .stop
        case 0x1B: state = .escape; return nil
        default: return nil
        }
    }
}
