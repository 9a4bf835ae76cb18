import CKernels
import COpticalFlow

/// The OpenCV picture operations around optical flow that temporal smoothing needs: a small
/// grayscale copy of a frame for the flow, a sampling map made from a flow, remapping along it,
/// and resizing a mask. All work on tight rows in buffers the caller owns and allocate nothing.
enum ImageRemap {
    /// BT.601 luma of `frame` into `luma` (frame size), and a copy area-averaged to `width` x
    /// `height` and blurred by `blur` (Gaussian σ in small pixels) into `gray`; `scratch`
    /// holds width * height bytes.
    static func grayDownscale(_ frame: VideoFrame, luma: UnsafeMutablePointer<UInt8>, scratch: UnsafeMutablePointer<UInt8>,
                              into gray: UnsafeMutablePointer<UInt8>, width: Int, height: Int,
                              blur: Double) throws(OpticalFlowError) {
        try check(vs_gray_downscale(frame.pixels, frame.stride, Int32(frame.width), Int32(frame.height), luma, scratch,
                                    gray, Int32(width), Int32(height), blur), "downscaling a frame for optical flow")
    }

    /// Warps the previous frame (`previousRGB`, tight rows, and its luma) into the current one
    /// along the small `flow`: bicubic colour into `warpedRGB`, and |luma − warped previous
    /// luma| into `difference`, via the full-size sampling `map` and `warpedLuma` (see `vs_warp_frame`).
    static func warpFrame(flow: UnsafePointer<Float>, flowWidth: Int, flowHeight: Int,
                          previousRGB: UnsafePointer<UInt8>, previousLuma: UnsafePointer<UInt8>, luma: UnsafePointer<UInt8>,
                          width: Int, height: Int, map: UnsafeMutablePointer<Float>, warpedLuma: UnsafeMutablePointer<UInt8>,
                          into warpedRGB: UnsafeMutablePointer<UInt8>,
                          difference: UnsafeMutablePointer<UInt8>) throws(OpticalFlowError) {
        try check(vs_warp_frame(flow, Int32(flowWidth), Int32(flowHeight), previousLuma, luma,
                                Int32(width), Int32(height), map, warpedLuma, difference), "warping the previous output")
        // The colour picture bicubically along the same map, in our AVX2 kernel (CKernels,
        // WarpKernels.h): OpenCV's bicubic remap was the largest cost of smoothing.
        vs_warp_rgb_bicubic(previousRGB, warpedRGB, Int32(width), Int32(height), UnsafePointer(map))
    }

    /// Blends `warped` into the painted `frame` by `amount` · min(mask, photometric weight of
    /// `change`) and copies the result into `previous` (see `vs_blend`); with `blend` false
    /// only copies.
    static func blend(_ frame: VideoFrame, warped: UnsafePointer<UInt8>, mask: UnsafePointer<UInt8>,
                      change: UnsafePointer<UInt8>, previous: UnsafeMutablePointer<UInt8>, amount: Float,
                      noiseLevel: Float, changeLevel: Float, blend: Bool) throws(OpticalFlowError) {
        try check(vs_blend(frame.pixels, frame.stride, warped, mask, change, previous, Int32(frame.width), Int32(frame.height),
                           amount, noiseLevel, changeLevel, blend ? 1 : 0), "blending the previous output")
    }

    /// Box average over `window` x `window` pixels of a tight grayscale picture.
    static func boxBlur(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>, width: Int, height: Int,
                        window: Int) throws(OpticalFlowError) {
        try check(vs_box_blur(src, dst, Int32(width), Int32(height), Int32(window)), "averaging the change")
    }

    /// Fills a `width` x `height` map of absolute source coordinates, p + s·F(p/s), from a
    /// `flowWidth` x `flowHeight` flow F (s the ratio of the sizes; F resized bilinearly).
    static func map(flow: UnsafePointer<Float>, flowWidth: Int, flowHeight: Int,
                    into map: UnsafeMutablePointer<Float>, width: Int, height: Int) throws(OpticalFlowError) {
        try check(vs_flow_map(flow, Int32(flowWidth), Int32(flowHeight), 2 * flowWidth * 4,
                              map, Int32(width), Int32(height), 2 * width * 4), "making a warp map")
    }

    /// dst(p) = src(map(p)), edge pixels repeated outside the picture. `channels` bytes per
    /// pixel for pictures, or a flow field (two floats per pixel) with `layout` VS_PIXELS_FLOW32.
    static func remap(_ src: UnsafeRawPointer, into dst: UnsafeMutableRawPointer, width: Int, height: Int,
                      layout: vs_pixel_layout, map: UnsafePointer<Float>,
                      interpolation: vs_interpolation) throws(OpticalFlowError) {
        let bytesPerPixel = switch layout {
        case VS_PIXELS_GRAY8: 1
        case VS_PIXELS_RGB8: 3
        default: 8
        }
        let stride = width * bytesPerPixel
        try check(vs_remap(src, stride, dst, stride, Int32(width), Int32(height), layout, map, 2 * width * 4, interpolation),
                  "warping along the optical flow")
    }

    /// Bilinear resize of a tight grayscale picture.
    static func resize(_ src: UnsafePointer<UInt8>, width: Int, height: Int,
                       into dst: UnsafeMutablePointer<UInt8>, dstWidth: Int, dstHeight: Int) throws(OpticalFlowError) {
        try check(vs_gray_resize(src, width, Int32(width), Int32(height), dst, dstWidth, Int32(dstWidth), Int32(dstHeight)),
                  "resizing the smoothing mask")
    }

    /// Turns a C return code into an error naming the step and OpenCV's message.
    @inline(__always)
    static func check(_ status: Int32, _ step: @autoclosure () -> String) throws(OpticalFlowError) {
        if status != 0 {
            throw OpticalFlowError("\(step()) failed in OpenCV: \(String(cString: vs_flow_last_error()))")
        }
    }
}
