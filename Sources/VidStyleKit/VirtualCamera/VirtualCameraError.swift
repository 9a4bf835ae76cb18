import Foundation

/// Why a virtual camera (a V4L2 output device) could not be used, or stopped taking frames:
/// each a one-line message that says what to do.
public enum VirtualCameraError: Error, CustomStringConvertible, Equatable {
    case noSuchDevice(path: String)
    case permissionDenied(path: String)
    case busy(path: String)
    case notVideoDevice(path: String)
    case notOutputDevice(path: String, name: String)
    case cannotWrite(path: String, name: String)
    /// None of the formats vidstyle writes (`asked`) was taken; `accepts` lists the device's.
    case formatRefused(path: String, asked: String, accepts: String)
    case failed(path: String, operation: String, errno: Int32)
    /// The device stopped taking frames mid-stream (removed, or its consumer went away).
    case stopped(path: String, afterFrames: Int, seconds: Double, reason: String)

    /// How to make one, for the messages that say there is none.
    static let howToCreate = "create one with `modprobe v4l2loopback devices=1 video_nr=10 card_label=vidstyle exclusive_caps=1` "
        + "(docs/usage.md, \"Virtual camera\"); `vidstyle devices` lists the output devices"

    public var description: String {
        switch self {
        case .noSuchDevice(let path):
            "no virtual camera at \(path) (no such device); \(Self.howToCreate)"
        case .permissionDenied(let path):
            "permission denied opening \(path); add your user to the 'video' group (usermod -aG video USER) and log in again"
        case .busy(let path):
            "virtual camera \(path) is busy: another program writes to it; stop that program and try again"
        case .notVideoDevice(let path):
            "\(path) is not a V4L2 video device; give a virtual camera such as /dev/video10 (\(Self.howToCreate))"
        case .notOutputDevice(let path, let name):
            "\(path) (\(name)) is not a video output device (a camera, or a loopback another program already writes to); "
                + "give a virtual camera such as /dev/video10 (`vidstyle devices` lists the output devices)"
        case .cannotWrite(let path, let name):
            "\(path) (\(name)) is an output device that takes no frames by write(); vidstyle feeds v4l2loopback virtual cameras"
        case .formatRefused(let path, let asked, let accepts):
            "virtual camera \(path) refused \(asked); it accepts \(accepts.isEmpty ? "no format it lists" : accepts)"
        case .failed(let path, let operation, let errno):
            "virtual camera \(path): \(operation) failed: \(String(cString: strerror(errno)))"
        case .stopped(let path, let frames, let seconds, let reason):
            String(format: "virtual camera %@ stopped taking frames after %.1f s (%d frames): %@", path, seconds, frames, reason)
        }
    }

    /// The error for a failed open, by errno.
    static func opening(_ path: String, errno: Int32) -> VirtualCameraError {
        switch errno {
        case ENOENT, ENODEV, ENXIO: .noSuchDevice(path: path)
        case EACCES, EPERM: .permissionDenied(path: path)
        case EBUSY: .busy(path: path)
        default: .failed(path: path, operation: "open", errno: errno)
        }
    }

    /// What a failed write mid-stream means for the user.
    static func stopReason(_ errno: Int32) -> String {
        switch errno {
        case EPIPE: "its consumer went away (broken pipe)"
        case ENODEV, ENXIO: "the device is gone (the v4l2loopback node was removed?)"
        case EIO: "input/output error"
        default: String(cString: strerror(errno))
        }
    }
}
