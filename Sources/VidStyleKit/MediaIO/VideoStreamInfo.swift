import CFFmpeg

/// What the reader learned about the video stream, and what the writer needs to produce an
/// output that matches it (time base for exact timestamps, colour, rotation, aspect).
public struct VideoStreamInfo: Sendable, Hashable {
    /// Size of the decoded pictures (and of the frames the reader hands out).
    public var width: Int
    public var height: Int
    /// The time base of every `VideoFrame.pts` and `duration` the reader hands out.
    public var timeBase: Rational
    /// The average frame rate the container reports, nil when unknown. Informative only:
    /// frames keep their own timestamps (variable frame rate is common).
    public var averageFrameRate: Rational?
    /// Pixel aspect ratio (0/1 or 1/1 for square pixels).
    public var sampleAspectRatio: Rational
    public var colour: ColourDescription
    /// The 3x3 display matrix (rotation/flip, as in `AV_PKT_DATA_DISPLAYMATRIX`), 9 values, or
    /// nil when the stream has none. Phone videos store rotation here instead of rotating pixels.
    public var displayMatrix: [Int32]?
    /// Duration in seconds when the container knows it.
    public var durationSeconds: Double?
    /// Frame count when the container stores it, or an estimate from duration × frame rate.
    public var estimatedFrameCount: Int?
    /// FFmpeg's short name of the input codec ("h264", "mpeg2video"...).
    public var codecName: String

    public init(width: Int, height: Int, timeBase: Rational, averageFrameRate: Rational? = nil,
                sampleAspectRatio: Rational = Rational(num: 1, den: 1),
                colour: ColourDescription = .unspecified, displayMatrix: [Int32]? = nil,
                durationSeconds: Double? = nil, estimatedFrameCount: Int? = nil,
                codecName: String = "rawvideo") {
        self.width = width
        self.height = height
        self.timeBase = timeBase
        self.averageFrameRate = averageFrameRate
        self.sampleAspectRatio = sampleAspectRatio
        self.colour = colour
        self.displayMatrix = displayMatrix
        self.durationSeconds = durationSeconds
        self.estimatedFrameCount = estimatedFrameCount
        self.codecName = codecName
    }

    /// Clockwise rotation in degrees that a player applies, from the display matrix (0 if none).
    public var rotationDegrees: Double {
        guard let m = displayMatrix, m.count == 9 else { return 0 }
        let ccw = m.withUnsafeBufferPointer { av_display_rotation_get($0.baseAddress!) }
        guard ccw.isFinite else { return 0 }
        var cw = -ccw
        while cw < 0 { cw += 360 }
        return cw >= 360 ? cw - 360 : cw
    }
}
