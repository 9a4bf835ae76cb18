import Foundation

/// Why a camera could not be used, or stopped: each a one-line message that says what to do.
public enum CameraError: Error, CustomStringConvertible, Equatable {
    case noSuchDevice(path: String)
    case permissionDenied(path: String)
    case busy(path: String)
    case notVideoDevice(path: String)
    case notCaptureDevice(path: String, name: String)
    /// The camera cannot give what was asked; `offers` lists what it can.
    case unsupported(path: String, asked: String, offers: String)
    case failed(path: String, operation: String, errno: Int32)
    /// The camera went away or stopped sending frames mid-stream.
    case lost(path: String, reason: String)

    public var description: String {
        switch self {
        case .noSuchDevice(let path):
            "no camera at \(path) (no such device); `vidstyle devices` lists the cameras there are"
        case .permissionDenied(let path):
            "permission denied opening \(path); add your user to the 'video' group (usermod -aG video USER) and log in again"
        case .busy(let path):
            "camera \(path) is busy: another program is using it; close that program and try again"
        case .notVideoDevice(let path):
            "\(path) is not a V4L2 video device; give a camera such as /dev/video0 (`vidstyle devices` lists them)"
        case .notCaptureDevice(let path, let name):
            "\(path) (\(name)) is not a video capture device (a metadata or output node?); `vidstyle devices` lists the capture devices"
        case .unsupported(let path, let asked, let offers):
            "camera \(path) cannot give \(asked); it offers \(offers)"
        case .failed(let path, let operation, let errno):
            "camera \(path): \(operation) failed: \(String(cString: strerror(errno)))"
        case .lost(let path, let reason):
            "camera \(path) lost: \(reason)"
        }
    }

    /// The error for a failed open, by errno.
    static func opening(_ path: String, errno: Int32) -> CameraError {
        switch errno {
        case ENOENT, ENODEV, ENXIO: .noSuchDevice(path: path)
        case EACCES, EPERM: .permissionDenied(path: path)
        case EBUSY: .busy(path: path)
        default: .failed(path: path, operation: "open", errno: errno)
        }
    }
}
