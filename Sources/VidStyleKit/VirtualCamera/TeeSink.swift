/// A `MediaSink` that records to a file and feeds a virtual camera at once
/// (`--to-camera`), so the pipeline keeps its one sink.
///
/// The camera gets each frame first (it is the latency-sensitive one). The recording is the
/// job's result: when the camera stops taking frames (its device removed, its consumer gone),
/// the recording goes on and finishes, and the camera's statistics say when it stopped; a
/// recording that fails ends the job as it would without the camera.
public final class TeeSink: MediaSink {
    private let recording: any MediaSink
    private let camera: VirtualCameraSink
    private var cameraStopped = false

    public init(recording: any MediaSink, camera: VirtualCameraSink) {
        self.recording = recording
        self.camera = camera
    }

    public func write(_ frame: VideoFrame) throws {
        if !cameraStopped {
            do {
                try camera.write(frame)
            } catch is VirtualCameraError {
                cameraStopped = true
            }
        }
        try recording.write(frame)
    }

    public func write(_ packet: CopiedPacket) throws {
        try recording.write(packet)
    }

    public func finish() throws {
        camera.discard()
        try recording.finish()
    }

    public func discard() {
        camera.discard()
        recording.discard()
    }
}
