// Fused instance norm for the int8 engine: one step instead of oneDNN's batch normalization,
// its residual add and the reorder that quantizes the result for the next convolution.
//
// Between two int8 convolutions the activations were written and read in fp32 three times (the
// norm's output, the add's output, the quantizing reorder's input): at 640x360 those steps took
// about 15 ms a frame against 21 ms for all the convolutions (docs/performance.md). Here one
// pass reads the convolution's fp32 output for the per-channel statistics and a second applies
// scale, shift, ReLU and the residual and writes the quantized bytes the next convolution
// reads, plus an fp32 copy only where a residual add still needs it.
#ifndef VIDSTYLE_NORMKERNELS_H
#define VIDSTYLE_NORMKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The most parts a job's pixels are split into for the statistics (one per thread, up to this).
#define VS_NORM_MAX_PARTS 64

/// One fused norm, bound to its buffers once at build time. Tensors are one image in NHWC
/// order (oneDNN's `acdb`): `pixels` rows of `channels` contiguous floats or bytes.
typedef struct {
    /// The convolution's output: fp32, or bf16 when `source_bf16` (half the bytes to write and
    /// read twice, which at 1280x720 no longer fit in the cache).
    const void *source;
    /// An fp32 tensor added after the norm (and after its ReLU), or NULL.
    const float *residual;
    /// Where the fp32 result goes (may be `source` itself when that is fp32), or NULL when no one reads it.
    float *output;
    /// Where the quantized result goes (u8, or s8 when `quantized_signed`), or NULL.
    void *quantized;
    int64_t pixels;
    int32_t channels;
    /// Per-channel scale and shift (the style blend, set by the caller between frames).
    const float *scale;
    const float *shift;
    float epsilon;
    int32_t relu;
    /// Quantized value = round(result * quantize_scale), saturated to the type's range.
    float quantize_scale;
    int32_t quantized_signed;
    /// Scratch: `vs_norm_scratch_bytes(channels)`: VS_NORM_MAX_PARTS * 2 * channels doubles, then
    /// 2 * channels floats.
    double *partial_sums;
    float *factors;
    /// 1, or a factor f > 1 when the source is a convolution split into phases: f·f planes one
    /// after another, each `pixels` rows of `channels` floats at 1/f of the output's size
    /// (`source_width` per row), plane i·f + j holding output pixel offset (i, j) of each f x f
    /// block. The statistics then span every plane, and the outputs are written at full size
    /// (f·f·pixels rows of `channels`), so the upsampling before a convolution costs no separate
    /// step (docs/architecture.md, "Upsampling"). `residual` must be NULL.
    int32_t depth_to_space;
    int64_t source_width;
    int32_t source_bf16;
} vs_norm_job;

/// Runs the job on the OpenMP threads oneDNN uses (the same libgomp pool, so the two never
/// compete for the cores). Statistics are the biased per-channel mean and variance over all
/// pixels, as instance norm (and oneDNN's batch normalization on one image) computes them.
void vs_norm_run(const vs_norm_job *job);

/// Bytes of `partial_sums` and `factors` a job with `channels` channels needs.
int64_t vs_norm_scratch_bytes(int32_t channels);

#ifdef __cplusplus
}
#endif

#endif
