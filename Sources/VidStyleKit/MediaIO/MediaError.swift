/// Everything that can go wrong while reading or writing media, each with a one-line message
/// that names the file and says what to do, because these messages reach the user of the
/// command-line tool unchanged.
public enum MediaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The input path does not exist.
    case inputMissing(path: String)
    /// The file exists but FFmpeg cannot read it as media (empty, text, truncated header...).
    case notMedia(path: String, reason: String)
    /// An input opened by name (`FORMAT:SPEC`, a URL) that FFmpeg could not open.
    case cannotOpen(input: String, reason: String)
    /// The file has no video stream (audio-only, subtitles...).
    case noVideoStream(path: String)
    /// The output extension names no container vidstyle can write.
    case unknownOutputExtension(path: String, supported: [String])
    /// The output folder is missing or cannot be written.
    case outputFolderNotWritable(folder: String, reason: String)
    /// This FFmpeg build has no encoder or decoder by that name.
    case codecNotAvailable(name: String)
    /// The chosen container cannot carry the chosen codec.
    case containerCannotHoldCodec(container: String, codec: String)
    /// Decoding failed; `message` is FFmpeg's.
    case decodeFailed(path: String, message: String)
    /// Encoding or muxing failed; `message` is FFmpeg's.
    case encodeFailed(path: String, message: String)
    /// The container cannot be written to standard output (it needs to seek back).
    case notStreamable(container: String)
    /// Whoever read standard output closed it (EPIPE: a player quit, `| head -c 1000`).
    case outputClosed

    public var description: String {
        switch self {
        case .inputMissing(let path):
            return "\(path): no such file; check the path"
        case .notMedia(let path, let reason):
            return "\(path): not a readable media file (\(reason)); give a video file FFmpeg can open"
        case .cannotOpen(let input, let reason):
            return "\(input): could not open it (\(reason)); check the address or the FFmpeg input's options"
        case .noVideoStream(let path):
            return "\(path): has no video stream; give a file with video"
        case .unknownOutputExtension(let path, let supported):
            return "\(path): unknown output extension; use one of: "
                + supported.map { "." + $0 }.joined(separator: ", ")
        case .outputFolderNotWritable(let folder, let reason):
            return "\(folder): output folder is not writable (\(reason)); create it or pick another folder"
        case .codecNotAvailable(let name):
            return "codec \(name) is not available in this FFmpeg build; pick another codec"
        case .containerCannotHoldCodec(let container, let codec):
            return "\(container) cannot hold \(codec); pick another codec or output extension"
        case .decodeFailed(let path, let message):
            return "\(path): decoding failed: \(message)"
        case .encodeFailed(let path, let message):
            return "\(path): encoding failed: \(message)"
        case .notStreamable(let container):
            return "\(container) cannot be written to standard output (it seeks back to finish the file); "
                + "use mkv (the default for -), webm or mp4 (written fragmented)"
        case .outputClosed:
            return "standard output was closed by its reader"
        }
    }
}
