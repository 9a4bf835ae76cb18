import Foundation

/// The overall line of a folder run: a bar, the share done, files done, and the time left.
///
/// Work is measured in input bytes rather than files, so one long film among short clips does
/// not make the time left jump; the file being painted counts by its share of frames done.
/// Skipped files are not work and are left out of both sides.
public struct FolderProgress: Sendable, Equatable {
    /// Bytes of every file this run paints.
    public var totalBytes: Int64
    /// Bytes of the files finished (done or failed).
    public var finishedBytes: Int64 = 0
    public var filesFinished = 0
    public var filesTotal: Int

    public init(totalBytes: Int64, filesTotal: Int) {
        self.totalBytes = totalBytes
        self.filesTotal = filesTotal
    }

    /// The share of the work done, 0...1, with `current` of the file being painted done.
    public func fraction(currentBytes: Int64 = 0, currentDone: Double = 0) -> Double {
        guard totalBytes > 0 else { return filesTotal > 0 ? Double(filesFinished) / Double(filesTotal) : 1 }
        let done = Double(finishedBytes) + Double(currentBytes) * min(max(currentDone, 0), 1)
        return min(done / Double(totalBytes), 1)
    }

    /// `[#######.............]  35%  7/20 files  2:41 left`; the time left appears once some
    /// work is done (before that any estimate is a guess).
    public func line(fraction: Double, elapsed: Double, width: Int = 20) -> String {
        let filled = Int((fraction * Double(width)).rounded(.down))
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        text += String(format: " %3d%%  %d/%d files", Int((fraction * 100).rounded(.down)), filesFinished, filesTotal)
        if fraction > 0, fraction < 1, elapsed > 0 {
            let left = Int((elapsed * (1 - fraction) / fraction).rounded())
            text += String(format: "  %d:%02d left", left / 60, left % 60)
        }
        return text
    }
}
