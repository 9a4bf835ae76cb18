/// The writer as one part sees it: warm-up frames (before the part's first frame) were painted
/// only to warm the temporal smoothing and are not written; the rest keep their timestamps.
/// A part missing frames of its range is not completed, so it never looks done.
final class PartSink: MediaSink {
    private let writer: VideoWriter
    private let startPts: Int64
    private let expected: Int
    private(set) var framesKept = 0

    init(writer: VideoWriter, startPts: Int64, expected: Int) {
        self.writer = writer
        self.startPts = startPts
        self.expected = expected
    }

    func write(_ frame: VideoFrame) throws {
        guard frame.pts >= startPts else { return }
        try writer.write(frame)
        framesKept += 1
    }

    func write(_ packet: CopiedPacket) throws {}

    func finish() throws {
        guard framesKept == expected else {
            throw PartJob.IncompleteError(expected: expected, written: framesKept)
        }
        try writer.finish()
    }

    func discard() { writer.discard() }
}
