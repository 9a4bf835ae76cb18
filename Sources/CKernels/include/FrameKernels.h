// Moving pictures between video frames (packed RGB24 rows) and the network's tensors, on the
// OpenMP threads oneDNN uses.
//
// These ran in Swift on one thread: at 640x360 filling the network's planar input and cropping
// its output back took ~3 ms a frame beside ~22 ms of network on two threads, and the output
// also passed through a reorder to planar and a separate pixel shuffle. Here each is one pass
// split by rows over the threads, and the output is read straight from the last convolution's
// NHWC result, shuffling depth to space on the way into the frame.
#ifndef VIDSTYLE_FRAMEKERNELS_H
#define VIDSTYLE_FRAMEKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A frame placed inside a tensor of `width` x `height` pixels with its top left corner at
/// (`left`, `top`); the tensor's pixels around it mirror the picture (the edge pixel is not
/// repeated; indices are clamped where the picture is too small to reflect).
typedef struct {
    const uint8_t *frame;
    int64_t frame_stride;
    int32_t frame_width;
    int32_t frame_height;
    int32_t left;
    int32_t top;
    int32_t width;
    int32_t height;
} vs_frame_placement;

/// Fills planar float `[3][height][width]` with the frame's RGB in 0...1 (value / 255).
void vs_frame_to_planar(const vs_frame_placement *placement, float *planar);

/// Fills NHWC bytes `[height][width][3]` with the frame's RGB, each value round(byte · scale)
/// saturated to 0...255 (an int8 network's quantized input; scale 1 copies the bytes).
void vs_frame_to_bytes(const vs_frame_placement *placement, uint8_t *nhwc, float scale);

/// The network's result back into a frame: the tensor's pixels at (left + x, top + y) for every
/// frame pixel, colour preservation and strength applied, rounded to bytes.
typedef struct {
    /// Planar `[3][height][width]` when `factor` is 1; else the last convolution's output before
    /// a depth-to-space by `factor`: NHWC, `height/factor` x `width/factor` pixels of
    /// 3·factor² channels, channel c·factor² + i·factor + j being colour c at offset (i, j)
    /// (PyTorch's pixel_shuffle order).
    const float *source;
    int32_t factor;
    /// The tensor's full-resolution size.
    int32_t width;
    int32_t height;
    int32_t left;
    int32_t top;
    uint8_t *frame;
    int64_t frame_stride;
    int32_t frame_width;
    int32_t frame_height;
    /// 1: the painting as is; less blends towards the input frame's own pixels.
    float strength;
    /// Keep the input's chroma: the input plus the painting's luma change (BT.601 weights).
    int32_t preserve_color;
} vs_output_job;

void vs_output_to_frame(const vs_output_job *job);

#ifdef __cplusplus
}
#endif

#endif
