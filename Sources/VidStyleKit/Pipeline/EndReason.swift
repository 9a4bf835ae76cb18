/// Why the source stopped handing out frames; the output is finished in every case.
public enum EndReason: Sendable, Equatable {
    /// The end of the file, or of the requested duration.
    case endOfInput
    /// `StopSignal` (Ctrl-C, SIGTERM).
    case stopRequested
    /// A live source failed mid-stream (camera unplugged or hung); the message says how.
    case sourceLost(String)
}

/// A live source's failure that ends the recording but keeps what was recorded: the pipeline
/// finishes the file with the frames done so far instead of discarding it.
public protocol SourceLostError: Error, CustomStringConvertible {}

extension CameraError: SourceLostError {}
