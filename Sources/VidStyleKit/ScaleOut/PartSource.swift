/// The reader as one part sees it: decoding starts at the keyframe before the warm-up, frames
/// before the warm-up are dropped unpainted, audio is left for the join, and reading stops at
/// the next part's first frame.
final class PartSource: MediaSource {
    private let reader: VideoReader
    private let range: PartPlan.Range
    private var done = false

    init(reader: VideoReader, range: PartPlan.Range) throws {
        self.reader = reader
        self.range = range
        if let seekTime = range.seekTime { try reader.seek(toStreamTime: seekTime) }
    }

    func next(pool: VideoFramePool) throws -> MediaItem? {
        while !done {
            guard let item = try reader.next(pool: pool) else { return nil }
            guard case .video(let frame) = item else { continue }
            if let endPts = range.endPts, frame.pts >= endPts {
                pool.recycle(frame)
                done = true
                return nil
            }
            if frame.pts < range.warmStartPts {
                pool.recycle(frame)
                continue
            }
            return item
        }
        return nil
    }
}
