/// What the user asked of a camera (`--size`, `--fps`, `--input-format`); nil leaves the
/// choice to `CaptureMode.choose`.
public struct CaptureRequest: Sendable, Equatable {
    public var width: Int?
    public var height: Int?
    public var framesPerSecond: Double?
    public var format: FourCC?

    public init(width: Int? = nil, height: Int? = nil, framesPerSecond: Double? = nil, format: FourCC? = nil) {
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.format = format
    }

    /// The size a camera is asked for when the user names none: the common webcam default.
    public static let defaultSize = (width: 640, height: 480)
    /// The rate aimed at when the user names none.
    public static let defaultFramesPerSecond = 30.0
}
