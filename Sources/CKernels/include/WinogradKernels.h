// Winograd F(4x4, 3x3) convolution for the residual blocks' 3x3, stride 1 convolutions in fp32
// on AVX2 + FMA CPUs (those without AVX-512, where oneDNN 2.6 has only direct fp32 kernels).
//
// A direct 3x3 convolution does 9 multiply-adds per input channel, output channel and pixel.
// Winograd F(4x4, 3x3) computes each 4x4 block of output pixels from its 6x6 input patch with
// 36 products per channel pair instead of 16 x 9 = 144, so the part that dominates (a batch of
// 36 small matrix products, one per position of the transformed 6x6 tile) does a quarter of
// the arithmetic. The transforms around it are cheap adds. Tiles are done a small block at a
// time so the transformed data stays in the caches between the three steps, and the result is
// written straight into the NHWC tensor the fused norm (NormKernels.h) reads next.
#ifndef VIDSTYLE_WINOGRADKERNELS_H
#define VIDSTYLE_WINOGRADKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The source's border: zeros (as oneDNN's padding), or mirrored like PyTorch's `reflect`
/// (index -1 reads 1, index `size` reads `size - 2`; the edge pixel is not repeated), so a
/// network padded by reflection needs no separate padding step or padded copy.
enum {
    VS_WINOGRAD_PAD_ZEROS = 0,
    VS_WINOGRAD_PAD_REFLECT = 1,
};

/// One convolution, bound to its buffers once at build time. Tensors are one image in NHWC
/// order (oneDNN's `acdb`), as the fused norm reads and writes them: `height * width` rows of
/// `in_channels` (source) or `out_channels` (destination) contiguous floats. The output has the
/// input's size (3x3 kernel, stride 1, one pixel of padding on every side).
typedef struct {
    /// The input; must not overlap `destination` (tiles read their neighbours' pixels).
    const float *source;
    float *destination;
    /// From `vs_winograd_transform_weights` (`vs_winograd_weights_floats` floats).
    const float *weights;
    /// One value per output channel added to the result, or NULL.
    const float *bias;
    /// `vs_winograd_scratch_bytes(in_channels, out_channels, max_threads)` bytes, 64-byte
    /// aligned; the job owns it while it runs (two jobs that never run at once may share it).
    void *scratch;
    int32_t height;
    int32_t width;
    int32_t in_channels;
    int32_t out_channels;
    /// VS_WINOGRAD_PAD_ZEROS or VS_WINOGRAD_PAD_REFLECT.
    int32_t padding;
    /// The threads the scratch was sized for. The run uses the OpenMP team's threads up to this
    /// many; any beyond it sit idle (size for `omp_get_max_threads()` to use them all).
    int32_t max_threads;
} vs_winograd_job;

/// 1 when this CPU has AVX2 and FMA, the only instructions the kernel is written for; else the
/// caller keeps oneDNN's convolution.
int vs_winograd_supported(void);

/// 1 when the kernel handles this shape: channels multiples of 8 (whole AVX2 vectors), any size
/// of at least 1 x 1 with zero padding, at least 2 x 2 with reflection (a mirror needs a pixel
/// beside the edge). 0 otherwise: the caller falls back to oneDNN.
int vs_winograd_shape_supported(int32_t in_channels, int32_t out_channels, int32_t height, int32_t width,
                                int32_t padding);

/// Floats of the transformed weights: 36 * in_channels * out_channels.
int64_t vs_winograd_weights_floats(int32_t in_channels, int32_t out_channels);

/// Transforms PyTorch OIHW weights `[out_channels][in_channels][3][3]` once at build time into
/// the kernel's layout (each 3x3 kernel g becomes G g G^T, 6x6, computed in double), blocked
/// for its matrix products: for each of the 36 positions, for each block of 16 output channels
/// (the last may hold 8), `in_channels` rows of that block's channels. `transformed` holds
/// `vs_winograd_weights_floats` floats (64-byte alignment is best, not required).
void vs_winograd_transform_weights(const float *oihw, int32_t in_channels, int32_t out_channels,
                                   float *transformed);

/// Bytes of scratch a job needs: per thread, a block of transformed input tiles and of their
/// products (independent of the image size, so one buffer serves every resolution).
int64_t vs_winograd_scratch_bytes(int32_t in_channels, int32_t out_channels, int32_t max_threads);

/// Runs the job on the OpenMP threads oneDNN uses (the same libgomp pool, so the two never
/// compete for the cores), the tiles split evenly between them. Requires a supported CPU and
/// shape (see above).
void vs_winograd_run(const vs_winograd_job *job);

#ifdef __cplusplus
}
#endif

#endif
