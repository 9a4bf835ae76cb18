import Foundation

/// Brings the user's painting in for learning: any picture FFmpeg reads (or the first frame of
/// a video), checked and written as a PNG the learner reads.
///
/// FFmpeg reads it rather than Python, so that "any picture FFmpeg reads" holds and so that a
/// picture that cannot be learned from is refused in one line before anything is set up or run.
public enum PaintingImport {
    /// The shorter side a painting must have: smaller, its brush strokes are a few pixels and
    /// the loss network's deeper layers see nothing of them.
    public static let minimumSide = 64

    /// Reads `path` and writes it upright to `destination` (PNG).
    /// - Returns: its size.
    public static func importPainting(from path: String, to destination: URL) throws(UserStyleError) -> (width: Int, height: Int) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .badPainting(path: path, reason: "there is no such file")
        }
        do {
            let reader = try VideoReader(input: .file(path), upright: true)
            let video = reader.video
            guard min(video.width, video.height) >= minimumSide else {
                throw UserStyleError.badPainting(path: path, reason: "it is \(video.width)x\(video.height); a painting needs at least \(minimumSide) px on each side")
            }
            let pool = VideoFramePool(width: video.width, height: video.height)
            while let item = try reader.next(pool: pool) {
                guard case .video(let frame) = item else { continue }
                try? FileManager.default.removeItem(at: destination)
                let writer = try VideoWriter(path: destination.path, video: video, audio: nil)
                try writer.write(frame)
                try writer.finish()
                return (video.width, video.height)
            }
            throw UserStyleError.badPainting(path: path, reason: "it holds no picture")
        } catch let error as UserStyleError {
            throw error
        } catch {
            throw .badPainting(path: path, reason: "FFmpeg cannot read it as a picture (\(error))")
        }
    }
}
