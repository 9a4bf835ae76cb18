/// Ctrl-C or SIGTERM came before a single frame was done: nothing was written, and the
/// command exits with 130 as an interrupted program does (it is not the input's fault).
public struct InterruptedError: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted before any frame was done; nothing was written" }
}
