import Foundation

/// How a live job puts its optional parts around the pipeline's three ends without changing
/// its shape: live keys wrap the stylizer (`ControlledStylizer`), an audio input wraps the
/// source (to start the recording's clock) and the writer (to mux the sound beside the frames).
extension LiveJob {
    /// The source, starting the recording's clock when there is audio to put on it.
    func wire(source: sending any MediaSource, video: VideoStreamInfo, audio: AudioCapture?,
              clock: RecordingClock) -> sending any MediaSource {
        guard audio != nil else { return source }
        return RecordingClockSource(source, timeBase: video.timeBase, clock: clock)
    }

    /// The stylizer, reading the keys' cell before every frame when keys are on.
    func wire(stylizer: sending FrameStylizer, video: VideoStreamInfo) -> sending any FrameProcessor {
        guard let controls else { return stylizer }
        return ControlledStylizer(stylizer: stylizer, controls: controls, timeBase: video.timeBase)
    }

    /// The writer, muxing the recorded audio beside the frames when there is any.
    func wire(writer: sending VideoWriter, audio: AudioCapture?, clock: RecordingClock) -> sending any MediaSink {
        guard let audio else { return writer }
        return LiveRecordingSink(writer: writer, audio: audio, clock: clock)
    }

    /// The writer's options with a recorded audio track: always encoded (AAC, Opus for WebM),
    /// since the track the capture hands over is raw PCM.
    static func recordingAudio(_ encoding: EncodingOptions) -> EncodingOptions {
        var options = encoding
        options.keepAudio = true
        options.reencodeAudio = true
        return options
    }

    /// The notices with the recorded audio described once, in place of the writer's note on
    /// re-encoding the PCM and the source's note that its own audio is not recorded.
    func audioNotices(_ notices: [String], audio: AudioCapture?) -> [String] {
        guard let audio else { return notices }
        let label = (outputPath as NSString).pathExtension.lowercased() == "webm" ? "Opus" : "AAC"
        var kept = notices.filter { !$0.hasPrefix("audio: pcm_f32le") && !$0.hasPrefix("audio: not recorded in live mode") }
        if notices.contains(where: { $0.hasPrefix("audio: not recorded in live mode") }) {
            kept.append("audio: \(input)'s own audio is not recorded; --audio-input \(audio.spec) is")
        }
        kept.append("audio: recording \(audio.spec) (\(audio.sampleRate) Hz, \(audio.channels == 1 ? "mono" : "stereo")) as \(label)")
        return kept
    }
}
