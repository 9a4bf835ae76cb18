import Foundation

/// Finds the capture devices and what each offers, for `vidstyle devices`.
public enum CameraCatalog {
    /// The interface the command line talks to cameras through: libv4l2, or the fake cameras
    /// scripted in the JSON file `VIDSTYLE_FAKE_V4L2` names (for tests and demos without one).
    public static func systemInterface(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any V4L2Interface {
        if let scenario = environment["VIDSTYLE_FAKE_V4L2"], !scenario.isEmpty {
            do {
                return try FakeV4L2Interface(scenarioPath: scenario)
            } catch {
                throw OptionError("VIDSTYLE_FAKE_V4L2=\(scenario) is not a readable list of fake cameras (\(error))")
            }
        }
        return LibV4L2Interface()
    }

    /// Every device that opens as a video capture device, with its formats. Nodes that are not
    /// capture devices (UVC's metadata nodes) are left out; ones that cannot be opened (busy,
    /// no permission) are reported in `problems`.
    public static func list(interface: any V4L2Interface) -> (cameras: [CameraDescription], problems: [String]) {
        var cameras: [CameraDescription] = []
        var problems: [String] = []
        for path in interface.devicePaths() {
            do {
                let camera = try V4L2Camera(path: path, interface: interface)
                cameras.append(camera.describe())
            } catch CameraError.notCaptureDevice {
                continue
            } catch {
                problems.append("\(error)")
            }
        }
        return (cameras, problems)
    }
}
