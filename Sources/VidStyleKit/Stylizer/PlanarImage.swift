import CKernels

/// Conversions between packed RGB24 frames and the network's input and output tensors.
enum PlanarImage {
    /// Writes `frame` into a planar [3][height][width] tensor in 0...1 with the picture's top
    /// left corner at (`left`, `top`); the columns and rows around it mirror the picture
    /// (reflection padding), so the network sees no hard edge that it would paint as a border.
    static func load(_ frame: VideoFrame, into planar: UnsafeMutablePointer<Float>, width: Int, height: Int,
                     left: Int = 0, top: Int = 0) {
        var placement = vs_frame_placement(frame: frame.pixels, frame_stride: Int64(frame.stride),
                                           frame_width: Int32(frame.width), frame_height: Int32(frame.height),
                                           left: Int32(left), top: Int32(top), width: Int32(width), height: Int32(height))
        vs_frame_to_planar(&placement, planar)
    }

    /// The same placement as `load`, into NHWC bytes, each value round(byte · scale) saturated
    /// (`StyleNetwork.byteInput`).
    static func loadBytes(_ frame: VideoFrame, into nhwc: UnsafeMutablePointer<UInt8>, scale: Float, width: Int, height: Int,
                          left: Int = 0, top: Int = 0) {
        var placement = vs_frame_placement(frame: frame.pixels, frame_stride: Int64(frame.stride),
                                           frame_width: Int32(frame.width), frame_height: Int32(frame.height),
                                           left: Int32(left), top: Int32(top), width: Int32(width), height: Int32(height))
        vs_frame_to_bytes(&placement, nhwc, scale)
    }

    /// Writes the network's output back into `frame`, cropping the padding, then applying
    /// colour preservation and strength in one pass. (Temporal smoothing is a step of its own
    /// after this one: `TemporalSmoother`.) `factor` 1 reads planar `[3][height][width]`; a
    /// larger one reads the NHWC result before a final depth-to-space by it
    /// (`vs_output_job.source`), the shuffle done on the way.
    static func store(_ source: UnsafePointer<Float>, width: Int, height: Int, into frame: VideoFrame,
                      left: Int = 0, top: Int = 0, factor: Int = 1,
                      strength: Float, preserveColor: Bool) {
        var job = vs_output_job(source: source, factor: Int32(factor), width: Int32(width), height: Int32(height),
                                left: Int32(left), top: Int32(top), frame: frame.pixels, frame_stride: Int64(frame.stride),
                                frame_width: Int32(frame.width), frame_height: Int32(frame.height),
                                strength: strength, preserve_color: preserveColor ? 1 : 0)
        vs_output_to_frame(&job)
    }

    /// Reflects an index past either end back into 0..<count (edge pixel not repeated), and
    /// clamps where the picture is too small to reflect.
    @inline(__always)
    static func mirror(_ i: Int, _ count: Int) -> Int {
        if i < 0 { return min(-i, count - 1) }
        if i < count { return i }
        let reflected = 2 * count - 2 - i
        return max(0, reflected)
    }
}
