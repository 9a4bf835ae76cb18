/// How one input splits into N parts: equal frame counts, cut frame-exact (each part is
/// re-encoded, so it may start at any frame: only its decoding has to begin at a keyframe),
/// plus the warm-up frames each part paints before its range and does not write.
///
/// Computed from `FrameIndex` alone, so every machine agrees without a shared plan file.
public struct PartPlan: Sendable, Equatable {
    /// Frames of one part, with where decoding and painting begin.
    public struct Range: Sendable, Equatable {
        public var part: PartNumber
        /// Index of the first frame written, and one past the last.
        public var first: Int
        public var end: Int
        /// Presentation times: the first frame written; the first frame of the next part (nil
        /// for the last part); the first frame painted (warm-up included).
        public var startPts: Int64
        public var endPts: Int64?
        public var warmStartPts: Int64
        /// Frames painted and not written (fewer near the start of the input).
        public var warmupFrames: Int
        /// The raw stream time to seek to: the keyframe at or before the first painted frame.
        public var seekTime: Int64?
        public var frameCount: Int { end - first }
    }

    /// Frames painted before each part's range so the temporal smoothing enters it warm: its
    /// memory of an earlier frame fades as 0.6^n, so 8 frames leave under 2% of a cold start.
    public static let defaultWarmup = 8

    public let index: FrameIndex
    public let warmup: Int

    public init(index: FrameIndex, warmup: Int = PartPlan.defaultWarmup) {
        self.index = index
        self.warmup = max(0, warmup)
    }

    /// Indices of the first frame of `part` and one past its last: equal shares, the same
    /// arithmetic on every machine.
    public func bounds(of part: PartNumber) -> (first: Int, end: Int) {
        let total = index.frames.count
        return ((part.index - 1) * total / part.count, part.index * total / part.count)
    }

    /// The frames of `part`.
    /// - Throws: `OptionError` when the input has fewer frames than parts.
    public func range(of part: PartNumber) throws(OptionError) -> Range {
        let total = index.frames.count
        guard total >= part.count else {
            throw OptionError("--part \(part): the input has \(total) frame(s), fewer than \(part.count) parts; use fewer parts")
        }
        let (first, end) = bounds(of: part)
        let warmFirst = max(0, first - warmup)
        let warmStartPts = index.frames[warmFirst]
        let keyframe = index.keyframes.last { $0.pts <= warmStartPts }
        return Range(part: part, first: first, end: end, startPts: index.frames[first],
                     endPts: end < total ? index.frames[end] : nil, warmStartPts: warmStartPts,
                     warmupFrames: first - warmFirst, seekTime: warmFirst == 0 ? nil : keyframe?.seekTime)
    }
}
