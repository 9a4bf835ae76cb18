import CFFmpeg

/// The writer of a live recording with `--audio-input`: video frames go to the `VideoWriter`
/// as before, and after each one the audio captured meanwhile (`AudioCapture`) is muxed beside
/// them, on the encode stage's thread (the muxer is not shared between threads).
///
/// Audio sample indices become pts against the video's origin (`RecordingClock`): sample n,
/// captured at monotonic `origin + n / rate`, plays at `(that - video origin)` seconds of the
/// file. Samples from before the first frame and after the last are cut off, so the file's
/// audio covers exactly its video. The pipeline itself is unchanged: this is just its sink.
final class LiveRecordingSink: MediaSink {
    let writer: VideoWriter
    let audio: AudioCapture
    private let clock: RecordingClock
    private let secondsPerTick: Double
    /// End of the last video frame written, in seconds of the file.
    private var videoEnd = 0.0
    /// The next audio pts (samples), so pieces never overlap after cutting.
    private var nextPts: Int64 = 0
    private var packetsWritten = 0

    init(writer: VideoWriter, audio: AudioCapture, clock: RecordingClock) {
        self.writer = writer
        self.audio = audio
        self.clock = clock
        secondsPerTick = writer.video.timeBase.doubleValue ?? 0
    }

    func write(_ frame: VideoFrame) throws {
        try writer.write(frame)
        videoEnd = max(videoEnd, Double(frame.pts + max(frame.duration, 0)) * secondsPerTick)
        try writeAudio(until: nil)
    }

    func write(_ packet: CopiedPacket) throws {
        try writer.write(packet)
    }

    func finish() throws {
        audio.finish()
        try writeAudio(until: videoEnd)
        try writer.finish()
    }

    func discard() {
        audio.finish()
        writer.discard()
    }

    /// Muxes the audio captured so far (up to `end` seconds of the file, when given).
    private func writeAudio(until end: Double?) throws {
        guard let videoOrigin = clock.origin, let audioOrigin = audio.origin else { return }
        let rate = audio.sampleRate, channels = audio.channels
        // Where sample 0 of the audio run falls in the file, in samples.
        let shift = (Int64(audioOrigin) - Int64(videoOrigin)) * Int64(rate) / 1_000_000_000
        let last = end.map { Int64(($0 * Double(rate)).rounded()) }
        for chunk in audio.take() {
            var first = chunk.firstSample + shift
            var samples = chunk.samples[...]
            if first < nextPts {
                let cut = Int(min(nextPts - first, Int64(samples.count / channels)))
                samples = samples.dropFirst(cut * channels)
                first += Int64(cut)
            }
            if let last, first + Int64(samples.count / channels) > last {
                samples = samples.prefix(max(0, Int(last - first)) * channels)
            }
            guard !samples.isEmpty else { continue }
            try writer.write(Self.packet(samples, pts: first, channels: channels))
            nextPts = first + Int64(samples.count / channels)
            packetsWritten += 1
        }
    }

    /// A PCM packet (32-bit float, interleaved) in the track's time base 1/rate.
    private static func packet(_ samples: ArraySlice<Float>, pts: Int64, channels: Int) throws -> CopiedPacket {
        guard let packet = av_packet_alloc() else { throw MediaError.encodeFailed(path: "audio", message: "out of memory") }
        let bytes = samples.count * MemoryLayout<Float>.size
        guard av_new_packet(packet, Int32(bytes)) >= 0 else {
            var p: UnsafeMutablePointer<AVPacket>? = packet
            av_packet_free(&p)
            throw MediaError.encodeFailed(path: "audio", message: "out of memory")
        }
        samples.withUnsafeBytes { packet.pointee.data.update(from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: bytes) }
        packet.pointee.pts = pts
        packet.pointee.dts = pts
        packet.pointee.duration = Int64(samples.count / channels)
        return CopiedPacket(taking: packet, track: 0)
    }
}
