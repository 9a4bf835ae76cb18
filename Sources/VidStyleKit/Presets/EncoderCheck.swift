import CFFmpeg

/// Checks encoder settings against the encoder that will run, before the job starts, so a bad
/// `--preset` is a one-line error that lists the valid names instead of `x264 [error]: invalid
/// preset` from deep inside FFmpeg after the output was opened.
///
/// What can be asked of FFmpeg is asked of it (the encoder exists, the pixel formats it takes,
/// the range of libvpx's cpu-used); x264's and x265's preset names are not exposed by FFmpeg and
/// come from `PresetField.x264PresetNames`.
public enum EncoderCheck {
    /// The CRF range of `codec`'s encoder (8-bit): x264/x265 stop at 51, libvpx at 63.
    public static func crfRange(_ codec: VideoCodec) -> ClosedRange<Int> {
        codec == .vp9 ? 0...63 : 0...51
    }

    /// Why `preset` is not a speed preset of `codec`'s encoder, or nil when it is.
    public static func presetProblem(_ preset: String, codec: VideoCodec) -> String? {
        if let missing = missingEncoder(codec) { return missing }
        switch codec {
        case .h264, .h265:
            if PresetField.x264PresetNames.contains(preset) { return nil }
            let guess = PresetField.nearest(to: preset.lowercased(), in: PresetField.x264PresetNames)
            return "is not a \(codec.encoderName) preset" + (guess.map { " (did you mean \($0)?)" } ?? "")
                + "; valid names: \(PresetField.x264PresetNames.joined(separator: ", "))"
        case .vp9:
            let range = cpuUsedRange()
            if let speed = Int(preset), range.contains(speed) { return nil }
            return "is not a libvpx-vp9 speed; vp9 takes a cpu-used number from \(range.lowerBound) to \(range.upperBound) "
                + "(\(range.lowerBound) slowest, \(range.upperBound) fastest), not x264 names"
        }
    }

    /// Why `format` cannot be encoded by `codec`'s encoder, or nil when it can.
    public static func pixelFormatProblem(_ format: String, codec: VideoCodec) -> String? {
        if let missing = missingEncoder(codec) { return missing }
        let formats = pixelFormats(codec)
        if formats.isEmpty || formats.contains(format) { return nil }
        let offered = PresetField.named("encode.pixel_format").flatMap { field -> [String]? in
            if case .choice(let words) = field.kind { return words.filter(formats.contains) }
            return nil
        } ?? []
        return "is not taken by \(codec.encoderName); it takes \(offered.joined(separator: ", "))"
    }

    /// The pixel formats `codec`'s encoder declares, by FFmpeg's names.
    public static func pixelFormats(_ codec: VideoCodec) -> [String] {
        guard let encoder = avcodec_find_encoder_by_name(codec.encoderName), var format = encoder.pointee.pix_fmts else { return [] }
        var names: [String] = []
        while format.pointee != AV_PIX_FMT_NONE {
            if let name = av_get_pix_fmt_name(format.pointee) { names.append(String(cString: name)) }
            format += 1
        }
        return names
    }

    /// libvpx-vp9's cpu-used range as its AVOption declares it.
    static func cpuUsedRange() -> ClosedRange<Int> {
        guard let encoder = avcodec_find_encoder_by_name(VideoCodec.vp9.encoderName), var privateClass = encoder.pointee.priv_class,
              let option = withUnsafeMutablePointer(to: &privateClass, { pointer in
                  av_opt_find(UnsafeMutableRawPointer(pointer), "cpu-used", nil, 0, AV_OPT_SEARCH_FAKE_OBJ)
              })
        else { return 0...8 }
        let low = Int(option.pointee.min), high = Int(option.pointee.max)
        return low <= high ? low...high : 0...8
    }

    private static func missingEncoder(_ codec: VideoCodec) -> String? {
        avcodec_find_encoder_by_name(codec.encoderName) == nil
            ? "cannot be used: this FFmpeg has no \(codec.encoderName) encoder; install one with it or pick another codec" : nil
    }
}
