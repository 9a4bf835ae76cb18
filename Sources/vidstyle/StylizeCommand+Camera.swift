import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle IN /dev/video10` and `--to-camera`: feeding a virtual camera (a V4L2 output device
/// such as a v4l2loopback node) live, alone or while OUT records a file.
extension StylizeCommand {
    /// OUT names a V4L2 device: the painted frames go to that virtual camera, and no file is made.
    var isCameraOutput: Bool { !VideoWriter.isStandardOutput(output) && MediaInput.isVideoDevice(output) }

    /// The virtual camera this job feeds, if any: OUT itself, or `--to-camera`.
    var virtualCamera: String? { isCameraOutput ? output : toCamera }

    /// Refuses what cannot go with a virtual camera, before anything is opened.
    func validateCamera() throws {
        guard let camera = virtualCamera else { return }
        if isFolderInput {
            throw OptionError("a folder cannot feed a virtual camera; give one video, a camera or a lavfi: source as IN")
        }
        if part != nil { throw OptionError("--part renders a part file for vidstyle join; it cannot feed a virtual camera") }
        if isCameraOutput, toCamera != nil {
            throw OptionError("OUT \(output) is already the virtual camera; --to-camera feeds one while OUT records a file")
        }
        if camera == input {
            throw OptionError("\(camera) is both IN and the virtual camera; give the loopback's own node (such as /dev/video10) as the camera")
        }
        guard isCameraOutput else { return }
        let fileOptions: [(String, Bool)] = [("--codec", codec != nil), ("--crf", crf != nil), ("--preset", preset != nil),
                                             ("--pixel-format", pixelFormat != nil), ("--container", container != nil),
                                             ("--audio", audio != nil), ("--no-audio", noAudio)]
        if let (option, _) = fileOptions.first(where: { $0.1 }) {
            throw OptionError("\(option) applies to a recorded file; OUT \(output) is a virtual camera "
                              + "(to record a file too: vidstyle IN out.mp4 --to-camera \(output))")
        }
    }

    /// How the end of a live job names what it produced: the file, or the camera.
    func liveResultText(_ output: String, frames: Int) -> String {
        isCameraOutput ? "the virtual camera \(output) got the \(frames) frames painted"
            : "\(outputName(output)) is complete and playable with the \(frames) frames recorded"
    }

    /// The summary line of the virtual camera: frames delivered, painted and repeated, the
    /// fewest in a second, latency; or when and why it stopped.
    static func cameraSummary(_ camera: VirtualCameraStatistics.Snapshot, recording: String?) -> String {
        let format = camera.format.map { " (\($0))" } ?? ""
        var line = String(format: "vidstyle: virtual camera %@%@: %d frames in %.1f s, %.1f fps", camera.path, format,
                          camera.delivered, camera.seconds, camera.framesPerSecond)
        if let lowest = camera.lowestPerSecond { line += ", at least \(lowest) in every second" }
        line += " (\(camera.painted) painted, \(camera.repeated) repeated, \(camera.blank) blank before the first painting); "
            + "latency capture to camera median \(camera.latencyMedianMilliseconds.map { "\($0) ms" } ?? "-"), "
            + "p95 \(camera.latency95Milliseconds.map { "\($0) ms" } ?? "-")"
        if let after = camera.stoppedAfterSeconds, let reason = camera.stopReason {
            line += String(format: "\nvidstyle: virtual camera %@ stopped taking frames after %.1f s: %@", camera.path, after, reason)
            if let recording { line += "; the recording to \(recording) went on" }
        }
        return line
    }
}
