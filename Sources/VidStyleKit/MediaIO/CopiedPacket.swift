import CFFmpeg

/// One compressed packet of a copied track (audio or subtitles), with its timestamps already
/// shifted like the video's (see `VideoReader`), in the track's time base.
///
/// It owns its `AVPacket` (freed in deinit) so it can cross from the reader's stage to the
/// writer's; exactly one stage holds it at a time, which is what makes `@unchecked Sendable` sound.
public final class CopiedPacket: @unchecked Sendable {
    let packet: UnsafeMutablePointer<AVPacket>
    /// Which of the reader's `tracks` it belongs to.
    public let track: Int

    /// Takes ownership of `packet`.
    init(taking packet: UnsafeMutablePointer<AVPacket>, track: Int = 0) {
        self.packet = packet
        self.track = track
    }

    /// Presentation time in the track's time base, nil when unknown.
    public var pts: Int64? {
        packet.pointee.pts == vs_nopts_value() ? nil : packet.pointee.pts
    }
    /// Decode time in the track's time base, nil when unknown.
    public var dts: Int64? {
        packet.pointee.dts == vs_nopts_value() ? nil : packet.pointee.dts
    }
    /// Duration in the track's time base, 0 when unknown.
    public var duration: Int64 { packet.pointee.duration }
    /// Size of the compressed payload in bytes.
    public var size: Int { Int(packet.pointee.size) }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }
}
