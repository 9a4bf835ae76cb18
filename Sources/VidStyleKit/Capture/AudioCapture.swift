import CFFmpeg
import Foundation
import Synchronization

/// Records an audio input beside a live video recording (`--audio-input`), on a thread of its
/// own, with every sample placed on the recording's `CLOCK_MONOTONIC` timeline.
///
/// **When a sample was captured** depends on what the input's timestamps are:
/// - *wall clock* (PulseAudio, ALSA and other capture devices stamp packets with the system
///   time, corrected for their buffering): converted to the monotonic clock;
/// - a live device's own clock: anchored at the moment its first piece arrived;
/// - anything else (a lavfi generator, a file) is *played* in real time from the moment the
///   recording starts (its first video frame), as `--live` plays a video file: its time 0 is
///   the recording's time 0, and it is read no faster than its timestamps say.
///
/// `AudioClockAligner` then lays the pieces end to end and mends gaps and drift, so the run of
/// samples stays within 20 ms of the clock however long the recording. `LiveRecordingSink`
/// takes the pieces (`take()`) and turns sample indices into pts against the video's origin.
public final class AudioCapture: @unchecked Sendable {
    /// What the user gave (`pulse:default`).
    public let spec: String
    public let sampleRate: Int
    public let channels: Int
    /// The PCM track the writer encodes (32-bit float, interleaved, at `sampleRate`).
    let track: CopiedTrack

    /// A run of samples on the aligned timeline.
    struct Chunk {
        /// Index of `samples`' first sample frame on the aligner's run.
        var firstSample: Int64
        /// Interleaved, `channels` per sample frame.
        var samples: [Float]
    }

    /// How the capture went, for the summary.
    public struct Summary: Sendable, Equatable {
        public var spec: String
        public var sampleRate: Int
        public var channels: Int
        /// How capture times were found: "wall clock", "device clock" or "played in real time".
        public var timing: String
        /// Seconds of silence laid where the input lost samples, and of samples dropped where its
        /// clock ran ahead.
        public var silenceSeconds: Double
        public var droppedSeconds: Double
    }

    fileprivate enum Timing: String {
        case wallClock = "wall clock"
        case deviceClock = "device clock"
        case played = "played in real time"
    }

    fileprivate struct State {
        var chunks: [Chunk] = []
        var queuedSamples = 0
        var aligner: AudioClockAligner
        var timing: Timing?
        var ended = false
    }

    private let worker: Worker
    private var finished = false

    /// Opens the input and starts capturing.
    /// - Throws: `OptionError`, one line naming the input, when it cannot be opened or has no audio.
    public init(spec: String, clock: RecordingClock) throws {
        let input = try AudioInput(spec: spec)
        self.spec = spec
        sampleRate = input.sampleRate
        channels = input.channels
        track = try Self.makeTrack(rate: sampleRate, channels: channels)
        worker = Worker(input: input, clock: clock)
        // The thread holds only the worker, so this object can go away (and stop it) any time.
        let worker = self.worker
        let thread = Thread {
            worker.capture()
            worker.done.signal()
        }
        thread.name = "vidstyle.audio"
        thread.start()
    }

    /// Stops capturing and waits for the thread (at most 2 s: a device that neither delivers
    /// nor answers FFmpeg's interrupt is left to its thread). What was captured can still be taken.
    public func finish() {
        guard !finished else { return }
        finished = true
        worker.closing.store(true, ordering: .relaxed)
        worker.input.interrupt()
        _ = worker.done.wait(timeout: .now() + 2)
    }

    deinit { finish() }

    /// Takes every chunk captured so far, oldest first.
    func take() -> [Chunk] {
        worker.state.withLock { s in
            defer {
                s.chunks.removeAll(keepingCapacity: true)
                s.queuedSamples = 0
            }
            return s.chunks
        }
    }

    /// Monotonic nanoseconds of the aligned run's sample 0 (nil before the first piece).
    var origin: UInt64? { worker.state.withLock { $0.aligner.origin } }

    public var summary: Summary {
        worker.state.withLock { s in
            Summary(spec: spec, sampleRate: sampleRate, channels: channels, timing: (s.timing ?? .wallClock).rawValue,
                    silenceSeconds: Double(s.aligner.silenceInserted) / Double(sampleRate),
                    droppedSeconds: Double(s.aligner.samplesDropped) / Double(sampleRate))
        }
    }

    /// The capture thread's side: the input, the timing and the queue of chunks.
    private final class Worker: @unchecked Sendable {
        let input: AudioInput
        let clock: RecordingClock
        let state: Mutex<State>
        let done = DispatchSemaphore(value: 0)
        let closing = Atomic<Bool>(false)
        let sampleRate: Int
        let channels: Int
        /// At most this much audio waits for the writer (memory stays flat if the video stalls).
        let maximumQueuedSamples: Int

        init(input: AudioInput, clock: RecordingClock) {
            self.input = input
            self.clock = clock
            sampleRate = input.sampleRate
            channels = input.channels
            maximumQueuedSamples = sampleRate * 30
            state = Mutex(State(aligner: AudioClockAligner(rate: input.sampleRate)))
        }

        func capture() {
            let liveDevice = MediaInput.liveFormats.contains(input.formatName)
            var timing: Timing?
            var firstSeconds = 0.0
            var anchor: UInt64 = 0
            var counted = 0  // samples so far, for pieces without a time
            while !closing.load(ordering: .relaxed), let pieces = input.read() {
                for piece in pieces {
                    let seconds = piece.seconds ?? firstSeconds + Double(counted) / Double(sampleRate)
                    counted += piece.count
                    let now = MonotonicClock.nanoseconds()
                    if timing == nil {
                        firstSeconds = seconds
                        if piece.seconds != nil, abs(seconds - AudioCapture.wallClockSeconds()) < 10 {
                            timing = .wallClock
                        } else if liveDevice {
                            timing = .deviceClock
                            // The piece's samples were captured over the time it covers, up to now.
                            anchor = now - min(now, UInt64(Double(piece.count) / Double(sampleRate) * 1e9))
                        } else {
                            timing = .played
                            // Time 0 of the input is time 0 of the recording.
                            while clock.origin == nil && !closing.load(ordering: .relaxed) { usleep(2000) }
                            anchor = clock.origin ?? now
                        }
                        let chosen = timing
                        state.withLock { $0.timing = chosen }
                    }
                    let captured: UInt64
                    switch timing! {
                    case .wallClock:
                        let offset = AudioCapture.wallClockSeconds() - Double(MonotonicClock.nanoseconds()) / 1e9
                        captured = UInt64(max(0, (seconds - offset) * 1e9))
                    case .deviceClock:
                        captured = anchor + UInt64(max(0, (seconds - firstSeconds) * 1e9))
                    case .played:
                        captured = anchor + UInt64(max(0, (seconds - firstSeconds) * 1e9))
                        // Never ahead of real time, as `ffmpeg -re` reads.
                        let current = MonotonicClock.nanoseconds()
                        if captured > current + 1_000_000 {
                            if closing.load(ordering: .relaxed) { return }
                            usleep(UInt32(min((captured - current) / 1000, 1_000_000)))
                        }
                    }
                    append(piece, capturedAt: captured)
                }
            }
        }

        private func append(_ piece: AudioInput.Piece, capturedAt captured: UInt64) {
            let channels = self.channels
            state.withLock { s in
                let placement = s.aligner.place(captureTime: captured, count: piece.count)
                var samples: [Float]
                if placement.silence > 0 {
                    samples = [Float](repeating: 0, count: placement.silence * channels)
                    samples.append(contentsOf: piece.samples)
                } else if placement.drop > 0 {
                    samples = Array(piece.samples.dropFirst(placement.drop * channels))
                } else {
                    samples = piece.samples
                }
                guard !samples.isEmpty else { return }
                s.chunks.append(Chunk(firstSample: placement.firstSample, samples: samples))
                s.queuedSamples += samples.count / channels
                while s.queuedSamples > maximumQueuedSamples, !s.chunks.isEmpty {
                    s.queuedSamples -= s.chunks.removeFirst().samples.count / channels
                }
            }
        }
    }

    /// CLOCK_REALTIME in seconds: what FFmpeg's capture devices stamp with (`av_gettime`).
    fileprivate static func wallClockSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// A track description for interleaved 32-bit float PCM, which `VideoWriter` re-encodes.
    private static func makeTrack(rate: Int, channels: Int) throws -> CopiedTrack {
        guard let p = avcodec_parameters_alloc() else {
            throw MediaError.codecNotAvailable(name: "audio parameters (out of memory)")
        }
        var owned: UnsafeMutablePointer<AVCodecParameters>? = p
        defer { avcodec_parameters_free(&owned) }
        p.pointee.codec_type = AVMEDIA_TYPE_AUDIO
        p.pointee.codec_id = AV_CODEC_ID_PCM_F32LE
        p.pointee.format = AV_SAMPLE_FMT_FLT.rawValue
        p.pointee.sample_rate = Int32(rate)
        av_channel_layout_default(&p.pointee.ch_layout, Int32(channels))
        p.pointee.bits_per_coded_sample = 32
        p.pointee.block_align = Int32(4 * channels)
        p.pointee.bit_rate = Int64(rate * channels * 32)
        return try CopiedTrack(copying: p, timeBase: Rational(num: 1, den: Int32(rate)), kind: .audio)
    }
}
