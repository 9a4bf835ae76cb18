// vs_warp_rgb_bicubic (WarpKernels.h): rows split over the threads (Parallel.h), each pixel's 4x4
// neighbourhood summed down its four rows first, then across its four pixels.
#include "WarpKernels.h"
#include "Parallel.h"

#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Keys' cubic convolution weights for a sample `t` (0 <= t < 1) past the second of four
/// neighbours, with OpenCV's A = -0.75.
static inline __attribute__((always_inline)) void cubic_weights(float t, float w[4]) {
    const float a = -0.75f;
    const float x = t + 1, u = 1 - t;
    w[0] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    w[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
    w[2] = ((a + 2) * u - (a + 3)) * u * u + 1;
    w[3] = 1 - w[0] - w[1] - w[2];
}

static inline int32_t clamp_index(int32_t i, int32_t count) {
    return i < 0 ? 0 : (i >= count ? count - 1 : i);
}

static inline uint8_t to_byte(float v) {
    v += 0.5f;
    v = v < 0 ? 0 : (v > 255 ? 255 : v);
    return (uint8_t)v;
}

/// One pixel, any position: the four rows summed first (12 values: 4 pixels x RGB per row),
/// indices clamped to the picture where the neighbourhood crosses its edge.
static inline __attribute__((always_inline)) void sample_pixel(const uint8_t *src, int32_t width, int32_t height,
                                                               float qx, float qy, uint8_t *out) {
    const int64_t stride = 3 * (int64_t)width;
    // Far outside (or not a number) reads the edge like any outside position; keeps the
    // integer conversion in range.
    if (isnan(qx) || isnan(qy)) qx = qy = 0;
    qx = qx < -8 ? -8 : (qx > width + 8 ? (float)width + 8 : qx);
    qy = qy < -8 ? -8 : (qy > height + 8 ? (float)height + 8 : qy);
    const float fx = floorf(qx), fy = floorf(qy);
    const int32_t x0 = (int32_t)fx - 1, y0 = (int32_t)fy - 1;
    float wx[4], wy[4];
    cubic_weights(qx - fx, wx);
    cubic_weights(qy - fy, wy);
    float column[12] = {0};
    if (x0 >= 0 && x0 + 4 <= width && y0 >= 0 && y0 + 4 <= height) {
        const uint8_t *p = src + (int64_t)y0 * stride + 3 * (int64_t)x0;
        for (int r = 0; r < 4; r++, p += stride)
            for (int k = 0; k < 12; k++) column[k] += wy[r] * (float)p[k];
    } else {
        for (int r = 0; r < 4; r++) {
            const uint8_t *row = src + (int64_t)clamp_index(y0 + r, height) * stride;
            for (int i = 0; i < 4; i++) {
                const uint8_t *p = row + 3 * (int64_t)clamp_index(x0 + i, width);
                for (int c = 0; c < 3; c++) column[3 * i + c] += wy[r] * (float)p[c];
            }
        }
    }
    for (int c = 0; c < 3; c++)
        out[c] = to_byte(column[c] * wx[0] + column[3 + c] * wx[1] + column[6 + c] * wx[2] + column[9 + c] * wx[3]);
}

static inline __attribute__((always_inline)) void warp_rows_portable_body(const uint8_t *src, uint8_t *dst, int32_t width,
                                                                          int32_t height, const float *map,
                                                                          int64_t begin, int64_t end) {
    for (int64_t y = begin; y < end; y++) {
        const float *m = map + 2 * y * width;
        uint8_t *out = dst + y * 3 * (int64_t)width;
        for (int32_t x = 0; x < width; x++) sample_pixel(src, width, height, m[2 * x], m[2 * x + 1], out + 3 * x);
    }
}

VS_MULTIVERSIONED(static, warp_rows_portable,
                  (const uint8_t *src, uint8_t *dst, int32_t width, int32_t height, const float *map, int64_t begin,
                   int64_t end),
                  (src, dst, width, height, map, begin, end))

#if defined(__x86_64__)
/// Keys' weights for 8 samples at once (t in 0..1), as `cubic_weights`.
__attribute__((target("avx2,fma"))) static inline void cubic_weights8(__m256 t, __m256 w[4]) {
    const __m256 a = _mm256_set1_ps(-0.75f), one = _mm256_set1_ps(1);
    const __m256 a2 = _mm256_set1_ps(-0.75f + 2), a3 = _mm256_set1_ps(-0.75f + 3);
    const __m256 x = _mm256_add_ps(t, one), u = _mm256_sub_ps(one, t);
    // ((a x - 5a) x + 8a) x - 4a
    __m256 w0 = _mm256_fmadd_ps(a, x, _mm256_set1_ps(-5 * -0.75f));
    w0 = _mm256_fmadd_ps(w0, x, _mm256_set1_ps(8 * -0.75f));
    w0 = _mm256_fmsub_ps(w0, x, _mm256_set1_ps(4 * -0.75f));
    // ((a+2) t - (a+3)) t t + 1, and the same in u
    const __m256 w1 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_fmsub_ps(a2, t, a3), t), t, one);
    const __m256 w2 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_fmsub_ps(a2, u, a3), u), u, one);
    w[0] = w0;
    w[1] = w1;
    w[2] = w2;
    w[3] = _mm256_sub_ps(_mm256_sub_ps(_mm256_sub_ps(one, w0), w1), w2);
}

/// The same with AVX2, 8 pixels at a time: positions, floors and weights for all 8 in vectors;
/// then per pixel whose 4x4 neighbourhood lies inside the picture (all but a border two pixels
/// deep) one 16-byte load per row, 12 bytes widened to floats and multiply-added with the row's
/// weight, the column weights spread over the 4 pixels' RGB by one permute. Other pixels (the
/// border, a row's last few) take the portable path.
__attribute__((target("avx2,fma"))) static void warp_rows_avx2(const uint8_t *src, uint8_t *dst, int32_t width,
                                                               int32_t height, const float *map, int64_t begin,
                                                               int64_t end) {
    const int64_t stride = 3 * (int64_t)width;
    const __m256i spread_low = _mm256_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2);
    const __m128i spread_high = _mm_setr_epi32(2, 3, 3, 3);
    const __m256i deinterleave = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    // Inside, with room for a 16-byte load of which 12 bytes are used: x0 >= 0, x0 + 5 <= width,
    // y0 >= 0, y0 + 4 <= height (x0 = floor(qx) - 1). NaN compares false: outside.
    const __m256 low_x = _mm256_set1_ps(1), high_x = _mm256_set1_ps((float)width - 5);
    const __m256 low_y = _mm256_set1_ps(1), high_y = _mm256_set1_ps((float)height - 3);
    for (int64_t y = begin; y < end; y++) {
        const float *m = map + 2 * y * width;
        uint8_t *out = dst + y * stride;
        int32_t x = 0;
        for (; x + 8 <= width; x += 8) {
            // 8 (x, y) pairs -> x's and y's.
            const __m256 first = _mm256_permutevar8x32_ps(_mm256_loadu_ps(m + 2 * x), deinterleave);
            const __m256 second = _mm256_permutevar8x32_ps(_mm256_loadu_ps(m + 2 * x + 8), deinterleave);
            const __m256 qx = _mm256_permute2f128_ps(first, second, 0x20);
            const __m256 qy = _mm256_permute2f128_ps(first, second, 0x31);
            const __m256 inside = _mm256_and_ps(
                _mm256_and_ps(_mm256_cmp_ps(qx, low_x, _CMP_GE_OQ), _mm256_cmp_ps(qx, high_x, _CMP_LT_OQ)),
                _mm256_and_ps(_mm256_cmp_ps(qy, low_y, _CMP_GE_OQ), _mm256_cmp_ps(qy, high_y, _CMP_LT_OQ)));
            const int inside_mask = _mm256_movemask_ps(inside);
            const __m256 fx = _mm256_floor_ps(qx), fy = _mm256_floor_ps(qy);
            __m256 wxv[4], wyv[4];
            cubic_weights8(_mm256_sub_ps(qx, fx), wxv);
            cubic_weights8(_mm256_sub_ps(qy, fy), wyv);
            // Transposed to per-pixel weights: wx[i][k], wy[i][k].
            float wx[4][8], wy[4][8];
            int32_t x0[8], y0[8];
            for (int k = 0; k < 4; k++) {
                _mm256_storeu_ps(wx[k], wxv[k]);
                _mm256_storeu_ps(wy[k], wyv[k]);
            }
            _mm256_storeu_si256((__m256i *)x0, _mm256_sub_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(1)));
            _mm256_storeu_si256((__m256i *)y0, _mm256_sub_epi32(_mm256_cvttps_epi32(fy), _mm256_set1_epi32(1)));
            for (int i = 0; i < 8; i++) {
                if (!(inside_mask & (1 << i))) {
                    sample_pixel(src, width, height, m[2 * (x + i)], m[2 * (x + i) + 1], out + 3 * (x + i));
                    continue;
                }
                const uint8_t *p = src + (int64_t)y0[i] * stride + 3 * (int64_t)x0[i];
                __m256 low = _mm256_setzero_ps();
                __m128 high = _mm_setzero_ps();
                for (int r = 0; r < 4; r++, p += stride) {
                    const __m128i bytes = _mm_loadu_si128((const __m128i *)p);
                    const __m256 w = _mm256_set1_ps(wy[r][i]);
                    low = _mm256_fmadd_ps(w, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)), low);
                    high = _mm_fmadd_ps(_mm256_castps256_ps128(w),
                                        _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_srli_si128(bytes, 8))), high);
                }
                const __m128 weights = _mm_setr_ps(wx[0][i], wx[1][i], wx[2][i], wx[3][i]);
                low = _mm256_mul_ps(low, _mm256_permutevar8x32_ps(_mm256_castps128_ps256(weights), spread_low));
                high = _mm_mul_ps(high, _mm_permutevar_ps(weights, spread_high));
                float v[12];
                _mm256_storeu_ps(v, low);
                _mm_storeu_ps(v + 8, high);
                uint8_t *o = out + 3 * (x + i);
                o[0] = to_byte(v[0] + v[3] + v[6] + v[9]);
                o[1] = to_byte(v[1] + v[4] + v[7] + v[10]);
                o[2] = to_byte(v[2] + v[5] + v[8] + v[11]);
            }
        }
        for (; x < width; x++) sample_pixel(src, width, height, m[2 * x], m[2 * x + 1], out + 3 * x);
    }
}
#endif

static void warp_rows(const uint8_t *src, uint8_t *dst, int32_t width, int32_t height, const float *map, int64_t begin,
                      int64_t end) {
#if defined(__x86_64__)
    if (vs_kernel_level() >= VS_KERNEL_LEVEL_AVX2) {
        warp_rows_avx2(src, dst, width, height, map, begin, end);
        return;
    }
#endif
    warp_rows_portable(src, dst, width, height, map, begin, end);
}

typedef struct {
    const uint8_t *src;
    uint8_t *dst;
    int32_t width, height;
    const float *map;
} warp_pass;

static void warp_thread(void *data) {
    const warp_pass *pass = data;
    int64_t begin, end;
    vs_part_range(pass->height, omp_get_thread_num(), omp_get_num_threads(), &begin, &end);
    warp_rows(pass->src, pass->dst, pass->width, pass->height, pass->map, begin, end);
}

void vs_warp_rgb_bicubic(const uint8_t *src, uint8_t *dst, int32_t width, int32_t height, const float *map) {
    warp_pass pass = {src, dst, width, height, map};
    GOMP_parallel(warp_thread, &pass, 0, 0);
}
