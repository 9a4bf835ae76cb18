import CFFmpeg

/// One compressed audio packet of the input's audio track, with its timestamps already shifted
/// like the video's (see `VideoReader`), in the track's time base.
///
/// It owns its `AVPacket` (freed in deinit) so it can cross from the reader's stage to the
/// writer's; exactly one stage holds it at a time, which is what makes `@unchecked Sendable` sound.
public final class AudioPacket: @unchecked Sendable {
    let packet: UnsafeMutablePointer<AVPacket>

    /// Takes ownership of `packet`.
    init(taking packet: UnsafeMutablePointer<AVPacket>) {
        self.packet = packet
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
