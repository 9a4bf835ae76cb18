import Foundation
import VidStyleKit

/// The closing lines a live recording adds with keys or `--audio-input`: each change the keys
/// made, at the recording time it reached the picture, and how the sound was recorded.
enum LiveSummary {
    static func print(changes: [LiveChange], audio: AudioCapture.Summary?) {
        var lines: [String] = []
        for change in changes {
            lines.append(String(format: "vidstyle: at %.2f s: %@ (%d painted frame%@ after the key)", change.seconds,
                                change.description, change.paintedFramesAfterKey, change.paintedFramesAfterKey == 1 ? "" : "s"))
        }
        if let audio {
            var line = "vidstyle: audio: \(audio.spec), \(audio.sampleRate) Hz \(audio.channels == 1 ? "mono" : "stereo"), "
                + "timed by its \(audio.timing)"
            if audio.timing == "played in real time" { line = line.replacingOccurrences(of: "timed by its ", with: "") }
            if audio.silenceSeconds > 0 || audio.droppedSeconds > 0 {
                line += String(format: "; %.0f ms of lost samples filled with silence, %.0f ms dropped to keep in step",
                               audio.silenceSeconds * 1000, audio.droppedSeconds * 1000)
            }
            lines.append(line)
        }
        guard !lines.isEmpty else { return }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
