#ifndef VIDSTYLE_COPTICALFLOW_H
#define VIDSTYLE_COPTICALFLOW_H

// A C face for the few OpenCV calls temporal smoothing needs: DIS optical flow, turning a flow
// field into a sampling map, and remapping a picture along it. OpenCV has only a C++ API and
// Swift must not see C++, so every function takes plain pointers with explicit strides (bytes)
// into memory the caller owns, catches every C++ exception and reports it as a non-zero return
// with a message in `vs_flow_last_error()`. Nothing here allocates per call once the sizes are
// fixed, except what OpenCV keeps inside the estimator between calls.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// DIS presets, as in cv::DISOpticalFlow.
typedef enum {
    VS_FLOW_ULTRAFAST = 0,
    VS_FLOW_FAST = 1,
    VS_FLOW_MEDIUM = 2
} vs_flow_preset;

/// Pixel layouts vs_remap understands.
typedef enum {
    VS_PIXELS_GRAY8 = 0,   ///< one uint8 per pixel
    VS_PIXELS_RGB8 = 1,    ///< three uint8 per pixel, packed
    VS_PIXELS_FLOW32 = 2   ///< two float per pixel (a flow field)
} vs_pixel_layout;

typedef enum {
    VS_INTERPOLATE_LINEAR = 0,
    VS_INTERPOLATE_CUBIC = 1
} vs_interpolation;

/// One DIS estimator for grayscale frames of one size; not thread-safe.
typedef struct vs_flow_estimator vs_flow_estimator;

/// Returns NULL (message in vs_flow_last_error) when OpenCV refuses, or when a side is shorter
/// than DIS's patch (8 px): there is nothing to match there.
vs_flow_estimator *vs_flow_create(int width, int height, vs_flow_preset preset);
void vs_flow_destroy(vs_flow_estimator *estimator);

/// Dense flow F from `from` to `to` (grayscale, the estimator's size): from(p) ≈ to(p + F(p)).
/// `flow` receives two floats (dx, dy) per pixel, rows `flow_stride` bytes apart.
int vs_flow_compute(vs_flow_estimator *estimator, const uint8_t *from, size_t from_stride,
                    const uint8_t *to, size_t to_stride, float *flow, size_t flow_stride);

/// Fills a width x height sampling map (two floats per pixel, absolute source coordinates) with
/// p + s·F(p/s), where F is the flow_width x flow_height field and s = width / flow_width: the
/// flow is resized bilinearly and scaled to the map's resolution.
int vs_flow_map(const float *flow, int flow_width, int flow_height, size_t flow_stride,
                float *map, int width, int height, size_t map_stride);

/// dst(p) = src(map(p)) for a width x height picture (src and dst the same size), edge pixels
/// repeated outside the source.
int vs_remap(const void *src, size_t src_stride, void *dst, size_t dst_stride, int width, int height,
             vs_pixel_layout layout, const float *map, size_t map_stride, vs_interpolation interpolation);

/// Luma (BT.601) of a packed RGB picture into `luma` (width x height, tight rows), and a small
/// copy of it, area-averaged to dst_width x dst_height (via `scratch`, as large) and blurred
/// (Gaussian, `blur_sigma` small pixels) into `dst`: the flow's input, whose blur also keeps
/// fine texture sampled at sub-pixel offsets from reading as a change.
int vs_gray_downscale(const uint8_t *rgb, size_t rgb_stride, int width, int height, uint8_t *luma,
                      uint8_t *scratch, uint8_t *dst, int dst_width, int dst_height, double blur_sigma);

/// The sampling map from the previous frame into the current one along a small flow field, and
/// how much the input changed along it: with s = width / flow_width (and the same for the
/// height), each pixel p samples the previous frame at q = p + s·F(p/s), F read bilinearly. The
/// positions are written into `full_map` (width x height interleaved x, y floats), which the
/// bicubic colour warp then reads (`vs_warp_rgb_bicubic` in CKernels: repeated warping with
/// bilinear sampling would blur a little more every frame), and
///   difference(p) = |luma(p) − prev_luma(q)| with bilinear sampling (OpenCV's cv::remap; the
///                   warped luma goes through `warped_luma`, width x height).
/// Pictures have tight rows; samples outside the frame repeat its edge pixels.
int vs_warp_frame(const float *flow, int flow_width, int flow_height, const uint8_t *prev_luma,
                  const uint8_t *luma, int width, int height, float *full_map, uint8_t *warped_luma,
                  uint8_t *difference);

/// Blends the warped previous output into the painted `frame` (packed RGB rows frame_stride
/// bytes apart) and copies the result into `previous_rgb` (tight rows) for the next frame.
/// Each pixel keeps k = amount · min(mask/255, w) of the warped one, where the photometric
/// weight w falls from 1 at `change <= noise_level` to 0 at `change >= change_level`. With
/// `blend` 0 the frame is only copied (a first frame, a cut).
int vs_blend(uint8_t *frame, size_t frame_stride, const uint8_t *warped_rgb, const uint8_t *mask,
             const uint8_t *change, uint8_t *previous_rgb, int width, int height, float amount,
             float noise_level, float change_level, int blend);

/// Box average over window x window pixels (edges repeated), src and dst apart.
int vs_box_blur(const uint8_t *src, uint8_t *dst, int width, int height, int window);

/// Resizes a grayscale picture bilinearly (src_width x src_height to dst_width x dst_height).
int vs_gray_resize(const uint8_t *src, size_t src_stride, int src_width, int src_height,
                   uint8_t *dst, size_t dst_stride, int dst_width, int dst_height);

/// The message of the last failure on this thread ("" if none).
const char *vs_flow_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
