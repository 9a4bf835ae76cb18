/// A key pressed while recording live, as `KeyDecoder` reads it from the terminal.
public enum LiveKey: Sendable, Equatable {
    /// 0-9: the style at that position of the model's list (user styles too, after the shipped ones).
    case style(Int)
    /// m: the next step of the mix (`LiveControls.cycleMix`).
    case cycleMix
    /// + (or =): strength up by 0.1.
    case strengthUp
    /// - (or _): strength down by 0.1.
    case strengthDown
    /// c: preserve colour on/off.
    case toggleColor
    /// s: temporal smoothing on/off.
    case toggleSmoothing
    /// q or Esc: stop and finish the file, as Ctrl-C does.
    case stop
}
