import Foundation
import Synchronization

/// Frames, fps and ETA on one rewritten stderr line, at most a few times a second.
final class ProgressReporter: Sendable {
    private struct State {
        var lastPrint: Double = -1  // the first frame is shown at once
        var printed = false
    }

    private let enabled: Bool
    private let started = Date()
    private let state = Mutex(State())

    init(enabled: Bool) {
        self.enabled = enabled
    }

    /// The seconds since the start when a line is due (enabled, and a quarter second since the
    /// last), else nil.
    private func dueElapsed() -> Double? {
        guard enabled else { return nil }
        let elapsed = Date().timeIntervalSince(started)
        let due = state.withLock { state -> Bool in
            guard elapsed - state.lastPrint >= 0.25 else { return false }
            state.lastPrint = elapsed
            state.printed = true
            return true
        }
        return due ? elapsed : nil
    }

    func report(done: Int, total: Int?) {
        guard let elapsed = dueElapsed() else { return }
        let fps = elapsed > 0 ? Double(done) / elapsed : 0
        var line = "\rframe \(done)"
        if let total, total > 0 {
            line += "/\(total)"
        }
        line += String(format: "  %.1f fps", fps)
        if let total, total > done, fps > 0 {
            let eta = Int((Double(total - done) / fps).rounded())
            line += String(format: "  ETA %d:%02d", eta / 60, eta % 60)
        }
        FileHandle.standardError.write(Data((line + "   ").utf8))
    }

    /// The live line: recording time, output fps and frames dropped so far, and with live keys
    /// what is painted now (`look`: style and strength).
    func reportLive(written: Int, dropped: Int, look: String? = nil) {
        guard let elapsed = dueElapsed() else { return }
        let seconds = Int(elapsed)
        var line = String(format: "\rrecording %d:%02d  %.1f fps  dropped %d", seconds / 60, seconds % 60,
                          elapsed > 0 ? Double(written) / elapsed : 0, dropped)
        if let look { line = "\r\u{1B}[K" + line.dropFirst() + "  " + look }
        FileHandle.standardError.write(Data((line + "   ").utf8))
    }

    /// A line of its own (a folder run's per-file line). On a terminal the progress line is
    /// cleared first and drawn again at the next report, so the two never mix.
    func printLine(_ text: String) {
        let clear = enabled && state.withLock { state -> Bool in
            let shown = state.printed
            state.printed = false
            state.lastPrint = -1
            return shown
        }
        FileHandle.standardError.write(Data(((clear ? "\r\u{1B}[K" : "") + text + "\n").utf8))
    }

    /// A folder run's overall line, built from the seconds since the start.
    func reportOverall(_ line: (Double) -> String) {
        guard let elapsed = dueElapsed() else { return }
        FileHandle.standardError.write(Data(("\r" + line(elapsed) + "   ").utf8))
    }

    func finish() {
        if state.withLock({ $0.printed }) {
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }
}
