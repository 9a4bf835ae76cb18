import CFFmpeg
import Foundation

/// `vidstyle join IN OUT PARTFILE...`: puts the parts' video together without re-encoding it
/// and muxes IN's audio and subtitles once, whole, exactly as a one-machine run copies them
/// (cutting audio per part would leave a gap or a click at every seam).
///
/// Everything is checked before OUT is started: each part's label (`PartLabel`) must name the
/// same input and settings, the parts must be given in order, each once, covering every frame,
/// and each file must hold the frames its label promises with the same codec parameters.
public struct PartJoiner: Sendable {
    public var inputPath: String
    public var outputPath: String
    public var partPaths: [String]
    public var overwrite: Bool

    public init(inputPath: String, outputPath: String, partPaths: [String], overwrite: Bool = false) {
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.partPaths = partPaths
        self.overwrite = overwrite
    }

    public struct Summary: Sendable {
        public var frames: Int
        public var parts: Int
        public var seconds: Double
        public var notices: [String]
    }

    /// One part file, opened and checked.
    private final class OpenPart {
        let path: String
        var format: UnsafeMutablePointer<AVFormatContext>?
        let stream: Int32
        let label: PartLabel?
        /// Each packet's presentation time → its rank in the part, filled by `countPackets`.
        var rankOfPts: [Int64: Int] = [:]

        init(path: String) throws(OptionError) {
            self.path = path
            guard FileManager.default.fileExists(atPath: path) else { throw OptionError("part \(path) is missing") }
            format = try Self.open(path)
            stream = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
            label = av_dict_get(format!.pointee.metadata, PartLabel.tag, nil, 0)
                .flatMap { PartLabel(text: String(cString: $0.pointee.value)) }
        }

        private static func open(_ path: String) throws(OptionError) -> UnsafeMutablePointer<AVFormatContext> {
            var fmt: UnsafeMutablePointer<AVFormatContext>?
            guard avformat_open_input(&fmt, path, nil, nil) >= 0, let context = fmt,
                  avformat_find_stream_info(context, nil) >= 0 else {
                avformat_close_input(&fmt)
                throw OptionError("part \(path) is damaged (not a readable video); render it again")
            }
            return context
        }

        deinit { avformat_close_input(&format) }

        var parameters: UnsafeMutablePointer<AVCodecParameters> { format!.pointee.streams[Int(stream)]!.pointee.codecpar }
        var timeBase: AVRational { format!.pointee.streams[Int(stream)]!.pointee.time_base }

        /// The next video packet, nil at the end.
        func next(into packet: UnsafeMutablePointer<AVPacket>) -> Bool {
            while av_read_frame(format, packet) >= 0 {
                if packet.pointee.stream_index == stream { return true }
                av_packet_unref(packet)
            }
            return false
        }

        /// Counts the video packets, then opens the file afresh for the join.
        func countPackets() throws(OptionError) -> Int {
            var packet = av_packet_alloc()
            defer { av_packet_free(&packet) }
            var times: [Int64] = []
            while next(into: packet!) {
                times.append(packet!.pointee.pts != vs_nopts_value() ? packet!.pointee.pts : packet!.pointee.dts)
                av_packet_unref(packet)
            }
            let count = times.count
            for (rank, time) in times.sorted().enumerated() { rankOfPts[time] = rank }
            avformat_close_input(&format)
            format = try Self.open(path)
            return count
        }
    }

    /// Checks everything that needs no writing; the one-line refusal names the part and the fix.
    private func openParts(index: FrameIndex) throws -> [OpenPart] {
        guard !partPaths.isEmpty else { throw OptionError("join: give the part files, in order") }
        let parts = try partPaths.map { path throws(OptionError) in try OpenPart(path: path) }
        var labels: [PartLabel] = []
        for part in parts {
            guard part.stream >= 0, let label = part.label else {
                throw OptionError("part \(part.path) has no vidstyle part label (not a part, or damaged); render it again with --part")
            }
            labels.append(label)
        }
        let first = labels[0], count = first.part.count
        for (part, label) in zip(parts, labels) {
            guard label.part.count == count else {
                throw OptionError("part \(part.path) is part \(label.part) but \(parts[0].path) is one of \(count); render all parts with the same N")
            }
            guard label.settings == first.settings, label.audio == first.audio else {
                throw OptionError("part \(part.path) was made with other settings than \(parts[0].path); render it again with the same options")
            }
            guard label.input == index.digest, label.total == index.frames.count else {
                throw OptionError("part \(part.path) was made from another input than \(inputPath)")
            }
        }
        for (position, label) in labels.enumerated() {
            if let earlier = labels[..<position].firstIndex(where: { $0.part == label.part }) {
                throw OptionError("part \(parts[position].path) duplicates \(parts[earlier].path) (both part \(label.part)); give each part once")
            }
        }
        for k in 1...count where !labels.contains(where: { $0.part.index == k }) {
            throw OptionError("part \(k)/\(count) is missing; render it (--part \(k)/\(count)) and give all \(count) parts")
        }
        for (position, label) in labels.enumerated() where label.part.index != position + 1 {
            throw OptionError("part \(parts[position].path) is part \(label.part) but was given in place \(position + 1); give the parts in order 1..\(count)")
        }
        let plan = PartPlan(index: index)
        for (part, label) in zip(parts, labels) {
            let expected = plan.bounds(of: label.part)
            guard label.first == expected.first, label.end == expected.end else {
                throw OptionError("part \(part.path) covers frames \(label.first)-\(label.end), not the \(expected.first)-\(expected.end) of part \(label.part)")
            }
            let packets = try part.countPackets()
            guard packets == label.end - label.first else {
                throw OptionError("part \(part.path) is damaged: \(packets) of its \(label.end - label.first) frames; render it again")
            }
            guard Self.sameCodec(parts[0].parameters, part.parameters) else {
                throw OptionError("part \(part.path) was encoded differently from \(parts[0].path) (codec, size or header); render it again with the same options")
            }
        }
        return parts
    }

    private static func sameCodec(_ a: UnsafeMutablePointer<AVCodecParameters>, _ b: UnsafeMutablePointer<AVCodecParameters>) -> Bool {
        let x = a.pointee, y = b.pointee
        guard x.codec_id == y.codec_id, x.width == y.width, x.height == y.height, x.format == y.format,
              x.extradata_size == y.extradata_size else { return false }
        guard x.extradata_size > 0 else { return true }
        return memcmp(x.extradata, y.extradata, Int(x.extradata_size)) == 0
    }

    public func run() throws -> Summary {
        _ = FFmpegLogging.applied
        let started = Date()
        try StylizeJob.checkOutput(outputPath, overwrite: overwrite)
        let output = URL(fileURLWithPath: outputPath).standardized.path
        for path in [inputPath] + partPaths where URL(fileURLWithPath: path).standardized.path == output {
            throw OptionError("output \(outputPath) is also an input of the join; give another output path")
        }
        let index = try FrameIndex(path: inputPath)
        let parts = try openParts(index: index)
        let label = parts[0].label!

        let reader = try VideoReader(input: .file(inputPath), upright: !VideoWriter.storesRotation(path: outputPath))
        reader.skipsVideo = true
        let keepsTag = (parts[0].path as NSString).pathExtension.lowercased() == (outputPath as NSString).pathExtension.lowercased()
        let copied = try CopiedTrack(copying: parts[0].parameters, timeBase: Rational(parts[0].timeBase))
        let options = EncodingOptions(keepAudio: label.audio != "none", reencodeAudio: label.audio == "re-encode")
        let writer = try VideoWriter(path: outputPath, video: reader.video, tracks: reader.tracks, options: options,
                                     metadata: [:], copiedVideo: .init(track: copied, keepsCodecTag: keepsTag))
        do {
            try interleave(parts: parts, frames: index, reader: reader, writer: writer)
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
        return Summary(frames: writer.framesWritten, parts: parts.count, seconds: Date().timeIntervalSince(started),
                       notices: writer.notices)
    }

    /// Gives a part's packet the input's own presentation time for its frame: a container may
    /// round a part's start (mp4 keeps it in an edit list of milliseconds, Matroska keeps
    /// milliseconds throughout), and the joined video must carry the input's timestamps exactly.
    private func restoreTimes(_ packet: UnsafeMutablePointer<AVPacket>, part: OpenPart, frames: FrameIndex) throws {
        let time = packet.pointee.pts != vs_nopts_value() ? packet.pointee.pts : packet.pointee.dts
        guard let rank = part.rankOfPts[time], let label = part.label, label.first + rank < frames.frames.count else {
            throw OptionError("part \(part.path) changed while it was being joined; render it again")
        }
        av_packet_rescale_ts(packet, part.timeBase, frames.timeBase.av)
        let exact = frames.frames[label.first + rank]
        let shift = exact - (packet.pointee.pts != vs_nopts_value() ? packet.pointee.pts : packet.pointee.dts)
        packet.pointee.pts = exact
        if packet.pointee.dts != vs_nopts_value() { packet.pointee.dts += shift }
    }

    /// Writes the parts' video and the input's other packets in time order, so the muxer's
    /// interleaving buffer stays small however long the film is.
    private func interleave(parts: [OpenPart], frames: FrameIndex, reader: VideoReader, writer: VideoWriter) throws {
        var holder = av_packet_alloc()
        defer { av_packet_free(&holder) }
        guard let video = holder else { throw MediaError.encodeFailed(path: outputPath, message: "out of memory") }
        let pool = VideoFramePool(width: 2, height: 2, limit: 1)
        var partIndex = 0
        var haveVideo = false
        var pendingTrack: CopiedPacket?
        var tracksDone = false
        func advanceVideo() {
            haveVideo = false
            while partIndex < parts.count {
                if parts[partIndex].next(into: video) { haveVideo = true; return }
                partIndex += 1
            }
        }
        func advanceTrack() throws {
            pendingTrack = nil
            while !tracksDone {
                guard let item = try reader.next(pool: pool) else { tracksDone = true; return }
                if case .copied(let packet) = item { pendingTrack = packet; return }
            }
        }
        advanceVideo()
        try advanceTrack()
        while haveVideo || pendingTrack != nil {
            var takeVideo = haveVideo
            if haveVideo, let track = pendingTrack, let trackTime = track.dts ?? track.pts {
                let videoTime = video.pointee.dts != vs_nopts_value() ? video.pointee.dts : video.pointee.pts
                let timeBase = reader.tracks[track.track].timeBase.av
                takeVideo = av_compare_ts(videoTime, parts[partIndex].timeBase, trackTime, timeBase) <= 0
            }
            if takeVideo {
                try restoreTimes(video, part: parts[partIndex], frames: frames)
                try writer.write(encodedVideo: video, timeBase: frames.timeBase.av)
                av_packet_unref(video)
                advanceVideo()
            } else if let track = pendingTrack {
                try writer.write(track)
                try advanceTrack()
            }
        }
    }
}
