import CFFmpeg
import Synchronization

/// How much of FFmpeg's own logging reaches stderr.
///
/// Silent by default: FFmpeg reports a damaged input once per bad packet, which would bury the
/// one-line error vidstyle gives for it (every problem surfaces as a `MediaError`). Its
/// warnings are what a user needs to diagnose a strange file, so `--verbose` lets them through.
public enum FFmpegLogging {
    private static let showWarnings = Atomic<Bool>(false)

    /// Lets FFmpeg's warnings and errors through. Call before the first file is opened.
    public static func enableWarnings() {
        showWarnings.store(true, ordering: .sequentiallyConsistent)
        vs_set_log_warnings(1)
    }

    /// Applies the chosen level once per process, before the first FFmpeg call.
    static let applied: Void = { vs_set_log_warnings(showWarnings.load(ordering: .sequentiallyConsistent) ? 1 : 0) }()
}
