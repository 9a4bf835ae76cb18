/// A `MediaSink` that feeds painted frames to a virtual camera (a V4L2 output device such as a
/// v4l2loopback node), for `vidstyle CAMERA /dev/video10` and `--to-camera`.
///
/// `write` converts the frame to the device's format on the encode thread (into a buffer made
/// once) and hands it to a `VirtualCameraFeed`, whose own thread writes it at once and repeats
/// the last frame at the source's rate while the stylizer is busy; so the pipeline keeps its
/// shape and the camera never waits on the stylizer. Audio packets are not for a camera and are
/// ignored. Once the device stops taking frames, `write` throws `VirtualCameraError.stopped`
/// (a `TeeSink` then goes on recording without it).
public final class VirtualCameraSink: MediaSink {
    public let path: String
    public let format: OutputFormat
    public let statistics: VirtualCameraStatistics
    private let converter: OutputConverter
    private let feed: VirtualCameraFeed

    /// Opens `path` and sets it to take frames of `width`x`height` (even: an odd side loses its
    /// last row or column) at `framesPerSecond`, before anything is written anywhere.
    /// - Throws: `VirtualCameraError` (no such device, not an output device, format refused...).
    public init(path: String, width: Int, height: Int, framesPerSecond: Double, interface: V4L2Interface) throws {
        let output = try V4L2Output(path: path, interface: interface)
        let size = OutputConverter.evenSize(width: width, height: height)
        let rate = framesPerSecond > 0 && framesPerSecond.isFinite ? framesPerSecond : 30
        let format = try output.configure(width: size.width, height: size.height, framesPerSecond: rate)
        converter = try OutputConverter(format: format)
        statistics = VirtualCameraStatistics(path: path)
        statistics.recordFormat(format)
        feed = VirtualCameraFeed(output: output, format: format, bufferSize: converter.bufferSize, statistics: statistics)
        self.path = path
        self.format = format
    }

    deinit {
        feed.stop()
    }

    /// Starts feeding the device (black frames until the first painted one).
    public func start() {
        feed.start()
    }

    public func write(_ frame: VideoFrame) throws {
        if let failure = feed.failure { throw failure }
        converter.convert(frame, into: feed.back)
        feed.publish(captureTime: frame.captureTime)
    }

    public func write(_ packet: CopiedPacket) throws {}

    public func finish() throws {
        feed.stop()
    }

    public func discard() {
        feed.stop()
    }
}
