/// Finds the video output devices (virtual cameras) and what each takes, for `vidstyle devices`,
/// which lists them apart from the cameras.
public enum OutputDeviceCatalog {
    /// Every device that opens as a video output device taking `write()`. Others (cameras,
    /// metadata nodes) are left out; ones that cannot be opened are reported by
    /// `CameraCatalog.list`, which sees the same nodes.
    public static func list(interface: any V4L2Interface) -> [OutputDeviceDescription] {
        interface.devicePaths().compactMap { path in
            (try? V4L2Output(path: path, interface: interface))?.describe()
        }
    }
}
