/// What a capture device offers, as `vidstyle devices` lists it (and `--json` prints it).
public struct CameraDescription: Codable, Sendable, Equatable {
    /// "camera", so a `vidstyle devices --json` list tells cameras from output devices.
    public var kind = "camera"
    public var path: String
    /// The card name the driver reports ("HD Pro Webcam C920").
    public var name: String
    public var driver: String
    public var bus: String
    public var formats: [CameraFormat]
}

/// One pixel format of a camera with the sizes and rates it gives in it.
public struct CameraFormat: Codable, Sendable, Equatable {
    /// The `--input-format` name ("yuyv", "mjpeg").
    public var name: String
    public var fourcc: String
    public var description: String
    public var compressed: Bool
    /// Made up by libv4l2's conversion rather than sent by the camera (costs CPU).
    public var emulated: Bool
    public var sizes: [CameraFrameSize]

    public init(name: String, fourcc: String, description: String, compressed: Bool, emulated: Bool,
                sizes: [CameraFrameSize]) {
        self.name = name
        self.fourcc = fourcc
        self.description = description
        self.compressed = compressed
        self.emulated = emulated
        self.sizes = sizes
    }

    /// "yuyv 640x480 (30, 15 fps), 1280x720 (10 fps)"
    public var summary: String {
        name + " " + sizes.map { $0.summary }.joined(separator: ", ")
    }
}

/// A frame size and the frame rates offered at it, highest first. Cameras with a continuous or
/// stepwise size range are listed by their smallest and largest size.
public struct CameraFrameSize: Codable, Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var framesPerSecond: [Double]

    public init(width: Int, height: Int, framesPerSecond: [Double]) {
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
    }

    public var summary: String {
        let rates = framesPerSecond.map { CameraFrameSize.format($0) }.joined(separator: ", ")
        return "\(width)x\(height)" + (rates.isEmpty ? "" : " (\(rates) fps)")
    }

    static func format(_ fps: Double) -> String {
        fps == fps.rounded() ? String(Int(fps)) : String(format: "%.2f", fps)
    }
}
