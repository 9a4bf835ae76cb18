/// What `VideoReader.next(pool:)` hands out, in file order: a decoded picture, or a compressed
/// packet of an audio or subtitle track that goes to the writer untouched.
public enum MediaItem: Sendable {
    case video(VideoFrame)
    case copied(CopiedPacket)
}
