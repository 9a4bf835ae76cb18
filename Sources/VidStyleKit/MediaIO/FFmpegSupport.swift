import CFFmpeg

/// FFmpeg's message for an error code (av_err2str is a macro Swift cannot call).
func ffmpegMessage(_ code: Int32) -> String {
    var buf = [CChar](repeating: 0, count: 256)
    return buf.withUnsafeMutableBufferPointer { b in
        String(cString: vs_err2str(code, b.baseAddress, b.count))
    }
}

