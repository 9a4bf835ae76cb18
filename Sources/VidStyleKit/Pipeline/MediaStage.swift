/// Where frames come from: a decoder in production, a fake in tests.
///
/// `next` blocks (it runs on the decode stage's own thread) and returns nil at the end.
public protocol MediaSource: AnyObject {
    func next(pool: VideoFramePool) throws -> MediaItem?
    /// Frames the source itself lost so far (a camera's sequence gaps); 0 for files.
    var framesSkippedBySource: Int { get }
}

extension MediaSource {
    public var framesSkippedBySource: Int { 0 }
}

/// What paints a frame in place: the stylizer in production, a fake in tests.
public protocol FrameProcessor: AnyObject {
    func process(_ frame: VideoFrame) throws
}

/// Where finished frames and audio packets go: an encoder and muxer in production.
///
/// Exactly one of `finish` (complete the file) or `discard` (remove everything written) ends it.
public protocol MediaSink: AnyObject {
    func write(_ frame: VideoFrame) throws
    func write(_ packet: CopiedPacket) throws
    func finish() throws
    func discard()
}

extension FrameStylizer: FrameProcessor {
    public func process(_ frame: VideoFrame) throws {
        try stylize(frame)
    }
}
