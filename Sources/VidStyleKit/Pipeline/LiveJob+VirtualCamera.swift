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
    func makeSink(video: VideoStreamInfo, interface: V4L2Interface) throws
        -> sending (sink: any MediaSink, notices: [String], camera: VirtualCameraStatistics?) {
        guard let path = virtualCamera else {
            let writer = try VideoWriter(path: outputPath, video: video, audio: nil, options: encoding)
            return (writer, writer.notices, nil)
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
        let (file, options) = (outputPath, encoding)
        let writer = try BackgroundPriority.make(niceness: LiveJob.recordingNiceness) {
            try VideoWriter(path: file, video: video, audio: nil, options: options)
        }
        camera.start()
        return (TeeSink(recording: writer, camera: camera), writer.notices, camera.statistics)
    }
}
