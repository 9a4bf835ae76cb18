/// What a video output device (a virtual camera) accepts, as `vidstyle devices` lists it apart
/// from the cameras (and `--json` prints it, with `kind` "output").
public struct OutputDeviceDescription: Codable, Sendable, Equatable {
    public var kind = "output"
    public var path: String
    /// The card name the driver reports (v4l2loopback's `card_label`).
    public var name: String
    public var driver: String
    public var bus: String
    /// Each pixel format it takes. `sizes` lists discrete sizes; where the device takes a range
    /// (a loopback takes any size), they are its smallest and largest and `anySize` is true.
    public var formats: [CameraFormat]
    public var anySize: Bool
    /// The format vidstyle writes to it (the first it takes of `V4L2Output.preferredFormats`),
    /// nil when it takes none of them.
    public var writes: String?

    /// "yuyv, yuv420p (any size from 2x2 to 8192x8192)", or "yuyv 640x480, 1280x720".
    public var summary: String {
        let names = formats.map(\.name).joined(separator: ", ")
        guard let sizes = formats.first?.sizes, !sizes.isEmpty else { return names }
        if anySize, sizes.count == 2 {
            return names + " (any size from \(sizes[0].width)x\(sizes[0].height) to \(sizes[1].width)x\(sizes[1].height))"
        }
        return formats.map { $0.summary }.joined(separator: "; ")
    }
}
