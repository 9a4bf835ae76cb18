// Resampling for temporal smoothing: the previous painted frame warped along the optical flow.
//
// Each frame blends in the warped previous output, so the warp resamples a picture that was
// itself resampled a frame before: bilinear sampling would blur it a little more every frame,
// bicubic keeps it sharp (docs/temporal.md). OpenCV's bicubic remap ran ~8 ms of CPU per 640x360
// frame on one thread, the largest cost of smoothing; this kernel computes the same
// interpolation (Keys' cubic, A = -0.75, as cv::INTER_CUBIC, edges repeated) with the four
// rows summed first over whole 4-pixel RGB runs, which the compiler vectorizes, on both cores.
#ifndef VIDSTYLE_WARPKERNELS_H
#define VIDSTYLE_WARPKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// dst(p) = src(map(p)) for a packed RGB picture of `width` x `height` with tight rows (3 bytes a
/// pixel), `map` holding the absolute source position (x, y) of each destination pixel as two
/// floats. Positions outside the picture read its edge pixels (OpenCV's BORDER_REPLICATE);
/// positions that are not finite read the top-left pixel. Runs on the OpenMP threads.
void vs_warp_rgb_bicubic(const uint8_t *src, uint8_t *dst, int32_t width, int32_t height, const float *map);

#ifdef __cplusplus
}
#endif

#endif
