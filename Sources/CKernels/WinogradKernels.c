// The Winograd F(4x4, 3x3) convolution of WinogradKernels.h, written for AVX2 + FMA.
//
// Output pixels come in 4x4 tiles, each computed from the 6x6 input patch around it:
//   V = B^T d B (per input channel),  M = sum over input channels of U * V (per position),
//   Y = A^T M A (per output channel),  with U = G g G^T the transformed 3x3 kernel.
// The sum over input channels is, for each of the 36 positions of the 6x6 tile, a matrix
// product [tiles x in_channels] x [in_channels x out_channels]: that is where the time goes.
//
// A thread takes a contiguous run of tiles (row-major over the image) and does them a block
// of TILE_BLOCK at a time: the input transform of the block into 36 matrices V, the 36
// products into M, then the output transform of M into the NHWC destination. One block's V and
// M stay in the L2 cache, one position's slice of V, U and M in L1.
//
// Only functions marked VS_AVX2 use vector instructions: they are compiled for AVX2 + FMA
// whatever the target of the rest, and called only after `vs_winograd_supported`. No AVX-512
// (the project caps its kernels at AVX2), so no target_clones here.
#include "WinogradKernels.h"
#include "Parallel.h"

#include <immintrin.h>
#include <string.h>

#define VS_AVX2 __attribute__((target("avx2,fma")))
#define VS_INLINE static inline __attribute__((always_inline))

/// Tiles a matrix-product micro-kernel does at once: 6 tiles x 16 output channels are 12 of
/// the 16 AVX2 registers as accumulators, plus two for the weights and one broadcast input.
enum { ROWS = 6 };

/// Tiles per block (a multiple of ROWS). At 64 -> 64 channels the block's V and M (36 x 24 x
/// 64 floats each, 221 KB) stay in the 512 KB L2 of the EPYC (Zen 3) while the weights (590 KB)
/// stream through from L3; blocks of 18 to 36 tiles measured within 5% of each other there.
enum { TILE_BLOCK = 24 };

/// Positions of the transformed 6x6 tile.
enum { POSITIONS = 36 };

/// Floats rounded up to whole 64-byte lines, so every part of the scratch stays aligned.
static int64_t line_floats(int64_t floats) {
    return (floats + 15) / 16 * 16;
}

/// Floats from one position's matrix to the next in V or M (`channels` per tile): TILE_BLOCK
/// rows rounded to an odd number of 64-byte lines. The transforms touch one line of each of the
/// 36 matrices at a time; at a whole multiple of 4 KB apart (24 x 64 floats is 6 KB) those
/// lines would fall into two sets of the 8-way L1 and evict each other (measured: the
/// transforms took twice as long).
static inline int64_t position_stride(int32_t channels) {
    int64_t lines = ((int64_t)TILE_BLOCK * channels + 15) / 16;
    return (lines | 1) * 16;
}

/// A thread's scratch: V (36 x TILE_BLOCK x in_channels), M (36 x TILE_BLOCK x out_channels)
/// and one gathered border patch (6 x 6 x in_channels).
static int64_t thread_floats(int32_t in_channels, int32_t out_channels) {
    return POSITIONS * position_stride(in_channels) + POSITIONS * position_stride(out_channels) +
           line_floats(36 * (int64_t)in_channels);
}

int vs_winograd_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int vs_winograd_shape_supported(int32_t in_channels, int32_t out_channels, int32_t height, int32_t width,
                                int32_t padding) {
    if (in_channels <= 0 || out_channels <= 0 || in_channels % 8 != 0 || out_channels % 8 != 0) return 0;
    if (padding == VS_WINOGRAD_PAD_ZEROS) return height >= 1 && width >= 1;
    if (padding == VS_WINOGRAD_PAD_REFLECT) return height >= 2 && width >= 2;
    return 0;
}

int64_t vs_winograd_weights_floats(int32_t in_channels, int32_t out_channels) {
    return (int64_t)POSITIONS * in_channels * out_channels;
}

int64_t vs_winograd_scratch_bytes(int32_t in_channels, int32_t out_channels, int32_t max_threads) {
    if (max_threads < 1) max_threads = 1;
    return (int64_t)max_threads * thread_floats(in_channels, out_channels) * (int64_t)sizeof(float);
}

/// Where the weights of output channel block [first, first + width) start for one position:
/// blocks of 16 output channels (the last of 8 when out_channels is an odd multiple of 8), each
/// `in_channels` rows of `width` floats, so a micro-kernel reads its weights in one stream.
static int64_t weight_block_offset(int32_t position, int32_t first, int32_t in_channels, int32_t out_channels) {
    return (int64_t)position * in_channels * out_channels + (int64_t)first * in_channels;
}

void vs_winograd_transform_weights(const float *oihw, int32_t in_channels, int32_t out_channels,
                                   float *transformed) {
    // G of F(4x4, 3x3) with interpolation points 0, -1, 1, 1/2, -1/2 and infinity (Lavin and
    // Gray's choice, which keeps the input and output transforms to small integers).
    static const double g_matrix[6][3] = {
        {1.0 / 4, 0, 0},
        {-1.0 / 6, -1.0 / 6, -1.0 / 6},
        {-1.0 / 6, 1.0 / 6, -1.0 / 6},
        {1.0 / 24, 1.0 / 12, 1.0 / 6},
        {1.0 / 24, -1.0 / 12, 1.0 / 6},
        {0, 0, 1},
    };
    for (int32_t o = 0; o < out_channels; o++) {
        const int32_t first = o / 16 * 16;
        const int32_t width = out_channels - first < 16 ? out_channels - first : 16;
        for (int32_t k = 0; k < in_channels; k++) {
            const float *g = oihw + ((int64_t)o * in_channels + k) * 9;
            double gg[6][3];  // G g
            for (int a = 0; a < 6; a++)
                for (int j = 0; j < 3; j++)
                    gg[a][j] = g_matrix[a][0] * g[j] + g_matrix[a][1] * g[3 + j] + g_matrix[a][2] * g[6 + j];
            for (int a = 0; a < 6; a++)
                for (int b = 0; b < 6; b++) {
                    double u = gg[a][0] * g_matrix[b][0] + gg[a][1] * g_matrix[b][1] + gg[a][2] * g_matrix[b][2];
                    transformed[weight_block_offset(a * 6 + b, first, in_channels, out_channels) +
                                (int64_t)k * width + (o - first)] = (float)u;
                }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Input transform: V = B^T d B, 8 channels at a time.

/// B^T applied to six values: rows of B^T are
///   [4 0 -5 0 1 0] [0 -4 -4 1 1 0] [0 4 -4 -1 1 0] [0 -2 -1 2 1 0] [0 2 -1 -2 1 0] [0 4 0 -5 0 1]
/// sharing the common sums (12 vector operations instead of 24).
VS_AVX2 VS_INLINE void input_1d(const __m256 d[6], __m256 r[6]) {
    const __m256 four = _mm256_set1_ps(4.0f), five = _mm256_set1_ps(5.0f), two = _mm256_set1_ps(2.0f);
    __m256 t0 = _mm256_fnmadd_ps(four, d[2], d[4]);                 // d4 - 4 d2
    __m256 t1 = _mm256_fnmadd_ps(four, d[1], d[3]);                 // d3 - 4 d1
    __m256 t2 = _mm256_sub_ps(d[4], d[2]);                          // d4 - d2
    __m256 t3 = _mm256_mul_ps(two, _mm256_sub_ps(d[3], d[1]));      // 2 (d3 - d1)
    r[0] = _mm256_fmadd_ps(four, d[0], _mm256_fnmadd_ps(five, d[2], d[4]));
    r[1] = _mm256_add_ps(t0, t1);
    r[2] = _mm256_sub_ps(t0, t1);
    r[3] = _mm256_add_ps(t2, t3);
    r[4] = _mm256_sub_ps(t2, t3);
    r[5] = _mm256_fmadd_ps(four, d[1], _mm256_fnmadd_ps(five, d[3], d[5]));
}

/// One tile's 6x6 patch (pixel (i, j) at `patch + i * row_stride + j * channels`) into row
/// `v` of the 36 matrices, `v_stride` floats apart.
VS_AVX2 VS_INLINE void input_tile(const float *patch, int64_t row_stride, int32_t channels, float *v,
                                  int64_t v_stride) {
    for (int32_t c = 0; c < channels; c += 8) {
        __m256 rows[6][6];  // rows[i][b]: row i transformed along its columns
        for (int i = 0; i < 6; i++) {
            __m256 d[6];
            const float *row = patch + i * row_stride + c;
            for (int j = 0; j < 6; j++) d[j] = _mm256_loadu_ps(row + j * channels);
            input_1d(d, rows[i]);
        }
        for (int b = 0; b < 6; b++) {
            __m256 d[6], r[6];
            for (int i = 0; i < 6; i++) d[i] = rows[i][b];
            input_1d(d, r);
            for (int a = 0; a < 6; a++) _mm256_storeu_ps(v + (a * 6 + b) * v_stride + c, r[a]);
        }
    }
}

/// Source row or column `index` as the padding sees it: itself inside, its mirror for reflect
/// (-1 -> 1, size -> size - 2), -1 for a zero. Indices past the first padded one only feed
/// output pixels beyond the image, which are dropped: they read zeros (finite and small, so
/// they cannot spoil the kept pixels through rounding).
static int32_t source_index(int32_t index, int32_t size, int32_t padding) {
    if (index >= 0 && index < size) return index;
    if (padding == VS_WINOGRAD_PAD_REFLECT) {
        if (index == -1) return 1;
        if (index == size) return size - 2;
    }
    return -1;
}

/// A border tile's 6x6 patch copied into `patch` (6 x 6 x channels) with the padding applied.
static void gather_patch(const vs_winograd_job *job, int32_t top, int32_t left, float *patch) {
    const int32_t channels = job->in_channels;
    for (int i = 0; i < 6; i++) {
        const int32_t y = source_index(top + i, job->height, job->padding);
        for (int j = 0; j < 6; j++) {
            float *to = patch + (i * 6 + j) * (int64_t)channels;
            const int32_t x = source_index(left + j, job->width, job->padding);
            if (y < 0 || x < 0) memset(to, 0, (size_t)channels * sizeof(float));
            else memcpy(to, job->source + ((int64_t)y * job->width + x) * channels, (size_t)channels * sizeof(float));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The products: M[p] = V[p] x U[p] for each position p.

/// ROWS tiles x 16 output channels over `depth` input channels (a multiple of 8): `v` rows
/// `v_stride` apart, `w` `depth` rows of 16, results to `m` rows `m_stride` apart. All
/// accumulators stay in registers; per input channel it loads 2 weight vectors and broadcasts 6
/// inputs for 12 FMAs. The 8 channels of a step are unrolled so that the loads' addresses are
/// registers plus constants. Measured alone with V, U and M in L1: 93% of the FMA peak.
VS_AVX2 VS_INLINE void product_6x16(const float *v, int64_t v_stride, const float *w, int32_t depth, float *m,
                                    int64_t m_stride) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(),
           c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(),
           c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps(),
           c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    const float *v0 = v, *v1 = v + v_stride, *v2 = v + 2 * v_stride, *v3 = v + 3 * v_stride,
                *v4 = v + 4 * v_stride, *v5 = v + 5 * v_stride;
    for (int32_t k = 0; k < depth; k += 8, w += 8 * 16) {
        for (int j = 0; j < 8; j++) {
            const __m256 w0 = _mm256_loadu_ps(w + j * 16), w1 = _mm256_loadu_ps(w + j * 16 + 8);
            __m256 x = _mm256_broadcast_ss(v0 + k + j);
            c00 = _mm256_fmadd_ps(x, w0, c00);
            c01 = _mm256_fmadd_ps(x, w1, c01);
            x = _mm256_broadcast_ss(v1 + k + j);
            c10 = _mm256_fmadd_ps(x, w0, c10);
            c11 = _mm256_fmadd_ps(x, w1, c11);
            x = _mm256_broadcast_ss(v2 + k + j);
            c20 = _mm256_fmadd_ps(x, w0, c20);
            c21 = _mm256_fmadd_ps(x, w1, c21);
            x = _mm256_broadcast_ss(v3 + k + j);
            c30 = _mm256_fmadd_ps(x, w0, c30);
            c31 = _mm256_fmadd_ps(x, w1, c31);
            x = _mm256_broadcast_ss(v4 + k + j);
            c40 = _mm256_fmadd_ps(x, w0, c40);
            c41 = _mm256_fmadd_ps(x, w1, c41);
            x = _mm256_broadcast_ss(v5 + k + j);
            c50 = _mm256_fmadd_ps(x, w0, c50);
            c51 = _mm256_fmadd_ps(x, w1, c51);
        }
    }
    _mm256_storeu_ps(m, c00);
    _mm256_storeu_ps(m + 8, c01);
    _mm256_storeu_ps(m + m_stride, c10);
    _mm256_storeu_ps(m + m_stride + 8, c11);
    _mm256_storeu_ps(m + 2 * m_stride, c20);
    _mm256_storeu_ps(m + 2 * m_stride + 8, c21);
    _mm256_storeu_ps(m + 3 * m_stride, c30);
    _mm256_storeu_ps(m + 3 * m_stride + 8, c31);
    _mm256_storeu_ps(m + 4 * m_stride, c40);
    _mm256_storeu_ps(m + 4 * m_stride + 8, c41);
    _mm256_storeu_ps(m + 5 * m_stride, c50);
    _mm256_storeu_ps(m + 5 * m_stride + 8, c51);
}

/// The same for a last block of 8 output channels (`w` rows of 8).
VS_AVX2 VS_INLINE void product_6x8(const float *v, int64_t v_stride, const float *w, int32_t depth, float *m,
                                   int64_t m_stride) {
    __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps(),
           c4 = _mm256_setzero_ps(), c5 = _mm256_setzero_ps();
    for (int32_t k = 0; k < depth; k++) {
        const __m256 w0 = _mm256_loadu_ps(w + k * 8);
        c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + k), w0, c0);
        c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + v_stride + k), w0, c1);
        c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + 2 * v_stride + k), w0, c2);
        c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + 3 * v_stride + k), w0, c3);
        c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + 4 * v_stride + k), w0, c4);
        c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + 5 * v_stride + k), w0, c5);
    }
    _mm256_storeu_ps(m, c0);
    _mm256_storeu_ps(m + m_stride, c1);
    _mm256_storeu_ps(m + 2 * m_stride, c2);
    _mm256_storeu_ps(m + 3 * m_stride, c3);
    _mm256_storeu_ps(m + 4 * m_stride, c4);
    _mm256_storeu_ps(m + 5 * m_stride, c5);
}

// ---------------------------------------------------------------------------------------------
// Output transform: Y = A^T M A, 8 channels at a time.

/// A^T applied to six values: rows [1 1 1 1 1 0] [0 1 -1 2 -2 0] [0 1 1 4 4 0] [0 1 -1 8 -8 1].
VS_AVX2 VS_INLINE void output_1d(const __m256 m[6], __m256 r[4]) {
    const __m256 s12 = _mm256_add_ps(m[1], m[2]), d12 = _mm256_sub_ps(m[1], m[2]);
    const __m256 s34 = _mm256_add_ps(m[3], m[4]), d34 = _mm256_sub_ps(m[3], m[4]);
    r[0] = _mm256_add_ps(_mm256_add_ps(m[0], s12), s34);
    r[1] = _mm256_fmadd_ps(_mm256_set1_ps(2.0f), d34, d12);
    r[2] = _mm256_fmadd_ps(_mm256_set1_ps(4.0f), s34, s12);
    r[3] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8.0f), d34, d12), m[5]);
}

/// One tile's row `m` of the 36 product matrices (`m_stride` apart) into its `rows` x `columns`
/// output pixels (4 x 4 but at the bottom and right edges) from `out` on, plus the bias.
VS_AVX2 VS_INLINE void output_tile(const float *m, int64_t m_stride, const float *bias, int32_t channels, float *out,
                                   int64_t row_stride, int rows, int columns) {
    for (int32_t c = 0; c < channels; c += 8) {
        __m256 partial[6][4];  // partial[i][b]: row i of M transformed along its columns
        for (int i = 0; i < 6; i++) {
            __m256 x[6];
            for (int j = 0; j < 6; j++) x[j] = _mm256_loadu_ps(m + (i * 6 + j) * m_stride + c);
            output_1d(x, partial[i]);
        }
        const __m256 b = bias ? _mm256_loadu_ps(bias + c) : _mm256_setzero_ps();
        for (int j = 0; j < columns; j++) {
            __m256 x[6], y[4];
            for (int i = 0; i < 6; i++) x[i] = partial[i][j];
            output_1d(x, y);
            for (int i = 0; i < rows; i++)
                _mm256_storeu_ps(out + i * row_stride + j * channels + c, _mm256_add_ps(y[i], b));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One block of tiles, and the threads.

/// Tiles [first, first + count) of the image (row-major, `tiles_x` per row) into rows 0..count
/// of the 36 matrices V; rows up to the next multiple of ROWS are zeroed.
VS_AVX2 VS_INLINE void transform_inputs_body(const vs_winograd_job *job, int64_t first, int32_t count,
                                             int32_t tiles_x, float *v, float *patch, const int32_t in_channels) {
    const int32_t height = job->height, width = job->width;
    const int64_t v_stride = position_stride(in_channels), source_row = (int64_t)width * in_channels;
    for (int32_t t = 0; t < count; t++) {
        const int64_t tile = first + t;
        const int32_t top = (int32_t)(tile / tiles_x) * 4 - 1, left = (int32_t)(tile % tiles_x) * 4 - 1;
        if (top >= 0 && left >= 0 && top + 6 <= height && left + 6 <= width) {
            input_tile(job->source + top * source_row + (int64_t)left * in_channels, source_row, in_channels,
                       v + (int64_t)t * in_channels, v_stride);
        } else {
            gather_patch(job, top, left, patch);
            input_tile(patch, 6 * (int64_t)in_channels, in_channels, v + (int64_t)t * in_channels, v_stride);
        }
    }
    // The micro-kernels do whole groups of ROWS tiles: the rows past `count` in a last short
    // block are zeroed (stale or uninitialized scratch could hold denormals that slow the FMAs)
    // and their products never leave the scratch.
    const int32_t padded = (count + ROWS - 1) / ROWS * ROWS;
    for (int p = 0; p < POSITIONS; p++)
        for (int32_t t = count; t < padded; t++)
            memset(v + p * v_stride + (int64_t)t * in_channels, 0, (size_t)in_channels * sizeof(float));
}

/// The one above with the usual channel count a constant, so the transform's addresses are
/// registers plus constants instead of a third of its instructions (measured on the output
/// transform, which gains most: 20% faster).
VS_AVX2 static void transform_inputs(const vs_winograd_job *job, int64_t first, int32_t count, int32_t tiles_x,
                                     float *v, float *patch) {
    if (job->in_channels == 64) transform_inputs_body(job, first, count, tiles_x, v, patch, 64);
    else transform_inputs_body(job, first, count, tiles_x, v, patch, job->in_channels);
}

/// Positions of the products (the last ones) during which the pixels of the transforms around
/// them are prefetched.
enum { PREFETCH_POSITIONS = 12 };

/// Asks for the 6 source rows tile `tile` reads (the 4 columns it does not share with the tile
/// before), so they are in the cache when its input transform runs.
static void prefetch_source(const vs_winograd_job *job, int64_t tile, int32_t tiles_x) {
    const int32_t top = (int32_t)(tile / tiles_x) * 4, left = (int32_t)(tile % tiles_x) * 4;
    const int32_t right = left + 4 < job->width ? left + 4 : job->width;
    const int64_t bytes = (int64_t)(right - left) * job->in_channels * (int64_t)sizeof(float);
    for (int32_t y = top - 1; y <= top + 4; y++) {
        if (y < 0 || y >= job->height) continue;
        const char *row = (const char *)(job->source + ((int64_t)y * job->width + left) * job->in_channels);
        for (int64_t at = 0; at < bytes; at += 64) __builtin_prefetch(row + at, 0, 3);
    }
}

/// Asks for the 4 x 4 destination pixels of tile `tile` (the stores would wait for each line).
static void prefetch_destination(const vs_winograd_job *job, int64_t tile, int32_t tiles_x) {
    const int32_t top = (int32_t)(tile / tiles_x) * 4, left = (int32_t)(tile % tiles_x) * 4;
    const int32_t right = left + 4 < job->width ? left + 4 : job->width;
    const int64_t bytes = (int64_t)(right - left) * job->out_channels * (int64_t)sizeof(float);
    for (int32_t y = top; y < top + 4 && y < job->height; y++) {
        const char *row = (const char *)(job->destination + ((int64_t)y * job->width + left) * job->out_channels);
        for (int64_t at = 0; at < bytes; at += 64) __builtin_prefetch(row + at, 0, 3);
    }
}

/// The 36 products M[p] = V[p] x U[p] for rows 0..count (rounded up to ROWS) of the block of
/// tiles from `first`. During the last PREFETCH_POSITIONS positions it prefetches this block's
/// destination pixels and the next block's (`next_count` tiles) source pixels: from 640x360 on
/// the tensors do not stay in this machine's cache, and the transforms, which wait on each miss
/// in turn, took twice as long as with their pixels in cache, while the products leave the
/// memory idle. Measured: 4 to 6% less in all at 640x360 and 1920x1080 (earlier in the
/// products, the weights streamed after the prefetch evicted much of it again).
VS_AVX2 VS_INLINE void multiply_body(const vs_winograd_job *job, int64_t first, int32_t count, int32_t next_count,
                                     int32_t tiles_x, const float *v, float *m, const int32_t in_channels,
                                     const int32_t out_channels) {
    const int64_t v_stride = position_stride(in_channels), m_stride = position_stride(out_channels);
    const int32_t padded = (count + ROWS - 1) / ROWS * ROWS;
    for (int p = 0; p < POSITIONS; p++) {
        const int step = p - (POSITIONS - PREFETCH_POSITIONS);
        if (step >= 0) {
            for (int32_t t = step * count / PREFETCH_POSITIONS; t < (step + 1) * count / PREFETCH_POSITIONS; t++)
                prefetch_destination(job, first + t, tiles_x);
            for (int32_t t = step * next_count / PREFETCH_POSITIONS; t < (step + 1) * next_count / PREFETCH_POSITIONS;
                 t++)
                prefetch_source(job, first + count + t, tiles_x);
        }
        const float *vp = v + p * v_stride;
        float *mp = m + p * m_stride;
        for (int32_t o = 0; o < out_channels; o += 16) {
            const float *w = job->weights + weight_block_offset(p, o, in_channels, out_channels);
            if (out_channels - o >= 16)
                for (int32_t t = 0; t < padded; t += ROWS)
                    product_6x16(vp + (int64_t)t * in_channels, in_channels, w, in_channels,
                                 mp + (int64_t)t * out_channels + o, out_channels);
            else
                for (int32_t t = 0; t < padded; t += ROWS)
                    product_6x8(vp + (int64_t)t * in_channels, in_channels, w, in_channels,
                                mp + (int64_t)t * out_channels + o, out_channels);
        }
    }
}

/// The one above, with the usual channel counts constants (see transform_inputs).
VS_AVX2 static void multiply(const vs_winograd_job *job, int64_t first, int32_t count, int32_t next_count,
                             int32_t tiles_x, const float *v, float *m) {
    if (job->in_channels == 64 && job->out_channels == 64)
        multiply_body(job, first, count, next_count, tiles_x, v, m, 64, 64);
    else
        multiply_body(job, first, count, next_count, tiles_x, v, m, job->in_channels, job->out_channels);
}

/// Rows 0..count of the 36 matrices M into the destination pixels of tiles [first, first + count).
VS_AVX2 VS_INLINE void transform_outputs_body(const vs_winograd_job *job, int64_t first, int32_t count,
                                              int32_t tiles_x, const float *m, const int32_t out_channels) {
    const int32_t height = job->height, width = job->width;
    const int64_t m_stride = position_stride(out_channels), destination_row = (int64_t)width * out_channels;
    for (int32_t t = 0; t < count; t++) {
        const int64_t tile = first + t;
        const int32_t top = (int32_t)(tile / tiles_x) * 4, left = (int32_t)(tile % tiles_x) * 4;
        const int rows = height - top < 4 ? height - top : 4, columns = width - left < 4 ? width - left : 4;
        output_tile(m + (int64_t)t * out_channels, m_stride, job->bias, out_channels,
                    job->destination + top * destination_row + (int64_t)left * out_channels, destination_row, rows,
                    columns);
    }
}

/// The one above, with the usual channel count a constant (see transform_inputs).
VS_AVX2 static void transform_outputs(const vs_winograd_job *job, int64_t first, int32_t count, int32_t tiles_x,
                                      const float *m) {
    if (job->out_channels == 64) transform_outputs_body(job, first, count, tiles_x, m, 64);
    else transform_outputs_body(job, first, count, tiles_x, m, job->out_channels);
}

static void winograd_thread(void *data) {
    const vs_winograd_job *job = data;
    const int threads = omp_get_num_threads(), part = omp_get_thread_num();
    const int parts = threads < job->max_threads ? threads : (job->max_threads > 0 ? job->max_threads : 1);
    if (part >= parts) return;
    const int32_t tiles_x = (job->width + 3) / 4, tiles_y = (job->height + 3) / 4;
    int64_t begin, end;
    vs_part_range((int64_t)tiles_x * tiles_y, part, parts, &begin, &end);

    float *scratch = (float *)job->scratch + part * thread_floats(job->in_channels, job->out_channels);
    float *v = scratch;
    float *m = v + POSITIONS * position_stride(job->in_channels);
    float *patch = m + POSITIONS * position_stride(job->out_channels);
    for (int64_t first = begin; first < end; first += TILE_BLOCK) {
        const int32_t count = end - first < TILE_BLOCK ? (int32_t)(end - first) : TILE_BLOCK;
        transform_inputs(job, first, count, tiles_x, v, patch);
        const int64_t next = first + count;
        const int32_t next_count = end - next < TILE_BLOCK ? (int32_t)(end - next) : TILE_BLOCK;
        multiply(job, first, count, next_count, tiles_x, v, m);
        transform_outputs(job, first, count, tiles_x, m);
    }
}

void vs_winograd_run(const vs_winograd_job *job) {
    GOMP_parallel(winograd_thread, (void *)job, 0, 0);
}
