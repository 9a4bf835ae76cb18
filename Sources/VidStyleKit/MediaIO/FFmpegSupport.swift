import CFFmpeg

/// FFmpeg's message for an error code (av_err2str is a macro Swift cannot call).
func ffmpegMessage(_ code: Int32) -> String {
    var buf = [CChar](repeating: 0, count: 256)
    return buf.withUnsafeMutableBufferPointer { b in
        String(cString: vs_err2str(code, b.baseAddress, b.count))
    }
}


/// A decoded audio frame's channel layout, fit to hand to a resampler: decoders and capture
/// devices may leave it unspecified, which swresample refuses, so such a frame gets the default
/// layout for its channel count (at least mono). The caller releases it with
/// `av_channel_layout_uninit`.
func resamplerInputLayout(of frame: AVFrame) -> AVChannelLayout {
    var layout = AVChannelLayout()
    if frame.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || frame.ch_layout.nb_channels == 0 {
        av_channel_layout_default(&layout, max(frame.ch_layout.nb_channels, 1))
    } else {
        var source = frame.ch_layout
        av_channel_layout_copy(&layout, &source)
    }
    return layout
}
