/// What `VideoReader.next(pool:)` hands out, in file order: a decoded picture or a compressed
/// audio packet that goes to the writer untouched.
public enum MediaItem: Sendable {
    case video(VideoFrame)
    case audio(AudioPacket)
}
