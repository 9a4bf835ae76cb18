/// The picture layout a virtual camera settled on: what every frame written to it must be.
public struct OutputFormat: Sendable, Equatable, CustomStringConvertible {
    /// YUYV (packed 4:2:2) or YU12 (I420: planar 4:2:0, Y then U then V).
    public var format: FourCC
    public var width: Int
    public var height: Int
    /// Bytes from one row of the first plane to the next, as the driver lays them out; I420's
    /// chroma rows are half of it.
    public var bytesPerLine: Int
    /// Bytes of one whole frame: one `write`.
    public var imageSize: Int
    public var framesPerSecond: Double

    /// "yuyv 640x480 at 30 fps"
    public var description: String {
        "\(format.userName) \(width)x\(height) at \(CameraFrameSize.format(framesPerSecond)) fps"
    }

    /// The bytes a frame of `format` needs at `bytesPerLine`.
    static func imageSize(_ format: FourCC, bytesPerLine: Int, height: Int) -> Int {
        format == .yuv420 ? bytesPerLine * height + 2 * (bytesPerLine / 2) * (height / 2) : bytesPerLine * height
    }

    /// The tightest row of `format` at `width`.
    static func packedBytesPerLine(_ format: FourCC, width: Int) -> Int {
        format == .yuyv ? width * 2 : width
    }
}
