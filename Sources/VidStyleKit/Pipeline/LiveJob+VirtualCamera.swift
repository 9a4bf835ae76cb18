/// The virtual camera side of a live job: which sink the painted frames go to.
extension LiveJob {
    /// Whether the job records OUT (a file, or `-`); false when OUT is the virtual camera itself.
    public var recordsFile: Bool { virtualCamera == nil || virtualCamera != outputPath }

    /// How much lower (nice) the recording's encoder threads run beside a virtual camera.
    static let recordingNiceness: Int32 = 10

    /// The job's sink: the recording, the virtual camera, or both through a `TeeSink`. The
    /// camera is opened and its format set first, so a camera that cannot be used is refused
    /// before the output file exists; it starts delivering (black until the first painting) only
    /// once everything is open.
    /// - Returns: the sink, the recording's notices, and the camera's statistics.
    /// With `audio`, the recording gets its track and muxes it beside the frames
    /// (`LiveRecordingSink`); a job that records no file cannot take sound.
    func makeSink(video: VideoStreamInfo, interface: V4L2Interface, audio: AudioCapture? = nil,
                  clock: RecordingClock = RecordingClock()) throws
        -> sending (sink: any MediaSink, notices: [String], camera: VirtualCameraStatistics?) {
        let (tracks, options) = (audio.map { [$0.track] } ?? [], audio == nil ? encoding : Self.recordingAudio(encoding))
        guard let path = virtualCamera else {
            let writer = try VideoWriter(path: outputPath, video: video, tracks: tracks, options: options)
            let notices = writer.notices
            return (wire(writer: writer, audio: audio, clock: clock), notices, nil)
        }
        if audio != nil && !recordsFile {
            throw OptionError("--audio-input records into a file; \(path) is a virtual camera, which takes no sound")
        }
        let rate = video.averageFrameRate?.doubleValue ?? 30
        let camera = try VirtualCameraSink(path: path, width: video.width, height: video.height, framesPerSecond: rate,
                                           interface: interface)
        guard recordsFile else {
            camera.start()
            return (camera, [], camera.statistics)
        }
        // The recording's encoder threads start at a lower priority than the stylizer's, so the
        // file costs the camera as little of the painted rate as it can.
        let file = outputPath
        let writer = try BackgroundPriority.make(niceness: LiveJob.recordingNiceness) {
            try VideoWriter(path: file, video: video, tracks: tracks, options: options)
        }
        let notices = writer.notices
        camera.start()
        return (TeeSink(recording: wire(writer: writer, audio: audio, clock: clock), camera: camera), notices,
                camera.statistics)
    }
}
