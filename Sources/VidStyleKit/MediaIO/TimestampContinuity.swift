import CFFmpeg

/// Keeps one playback timeline across timestamp jumps, as the ffmpeg command-line tool does for
/// formats that allow them (MPEG-TS and MPEG-PS, `AVFMT_TS_DISCONT`): two recordings joined
/// back to back, the second starting earlier (or much later) than the first ended.
///
/// Where a stream's decode time steps back by more than 0.1 s, or forward by more than 10 s,
/// one offset for the whole file is changed so that the packet continues right after the
/// previous one of its stream; the same offset is applied to every stream from then on, so
/// audio and video stay in sync and each part keeps its own frame spacing.
struct TimestampContinuity {
    /// Added to every packet's timestamps, in microseconds (`AV_TIME_BASE`).
    private(set) var offset: Int64 = 0
    /// Per stream: where the last packet ended (dts + duration), in microseconds, offset applied.
    private var ends: [Int32: Int64] = [:]
    let enabled: Bool
    /// Number of jumps mended, for notices.
    private(set) var jumps = 0

    static let backwardTolerance: Int64 = 100_000
    static let forwardLimit: Int64 = 10_000_000

    init(format: UnsafePointer<AVInputFormat>) {
        enabled = format.pointee.flags & AVFMT_TS_DISCONT != 0
    }

    /// Shifts `packet`'s pts and dts onto the continuous timeline.
    mutating func mend(_ packet: UnsafeMutablePointer<AVPacket>, timeBase: AVRational) {
        guard enabled else { return }
        let stamp = packet.pointee.dts != vs_nopts_value() ? packet.pointee.dts : packet.pointee.pts
        guard stamp != vs_nopts_value() else { return }
        let microseconds = vs_time_base_q()
        var time = av_rescale_q(stamp, timeBase, microseconds) + offset
        let stream = packet.pointee.stream_index
        if let end = ends[stream], time < end - Self.backwardTolerance || time > end + Self.forwardLimit {
            offset += end - time
            time = end
            jumps += 1
        }
        let duration = packet.pointee.duration > 0 ? av_rescale_q(packet.pointee.duration, timeBase, microseconds) : 0
        ends[stream] = time + max(duration, 1)
        guard offset != 0 else { return }
        let shift = av_rescale_q(offset, microseconds, timeBase)
        if packet.pointee.pts != vs_nopts_value() { packet.pointee.pts += shift }
        if packet.pointee.dts != vs_nopts_value() { packet.pointee.dts += shift }
    }
}
