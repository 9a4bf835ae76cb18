// The fused instance norm of NormKernels.h: plain C over NHWC rows (channels innermost,
// contiguous) that vectorizes over the channels; threads and clones as Parallel.h says.
#include "NormKernels.h"
#include "Parallel.h"

#include <math.h>
#include <string.h>

/// Put before a loop over pixels whose body loops over channels: clang otherwise may vectorize
/// across pixels with gathers (measured: 3.4x slower on 16 channels) instead of across the
/// channels, which are contiguous.
#if defined(__clang__)
#define VS_PIXEL_LOOP _Pragma("clang loop vectorize(disable) interleave(disable)")
/// Before a loop over the channels: left whole for the vectorizer (unrolled first, a constant
/// 16-channel loop of the quantizing kind stayed scalar).
#define VS_CHANNEL_LOOP _Pragma("clang loop unroll(disable) vectorize(enable)")
#else
#define VS_PIXEL_LOOP
#define VS_CHANNEL_LOOP
#endif

/// Pixels summed in fp32 before they are added to the double totals: short enough that fp32
/// loses nothing that matters, long enough that the double adds cost nothing.
enum { CHUNK = 256 };

/// Element `i` of the source: fp32, or with `bf16` the upper half of one (what oneDNN writes).
static inline __attribute__((always_inline)) float load(const void *source, int64_t i, const int bf16) {
    if (bf16) {
        const uint32_t bits = (uint32_t)((const uint16_t *)source)[i] << 16;
        float value;
        memcpy(&value, &bits, sizeof value);
        return value;
    }
    return ((const float *)source)[i];
}

/// Sum and sum of squares per channel of pixels [begin, end): sums[c] and sums[channels + c].
/// Inlined with a constant `channels` for the usual widths, so the channel loop becomes a few
/// whole vector registers.
static inline __attribute__((always_inline)) void sum_pixels(const void *source, int64_t begin, int64_t end,
                                                             const int32_t channels, const int bf16, double *sums) {
    float sum[channels], squares[channels];
    for (int32_t c = 0; c < channels; c++) sums[c] = sums[channels + c] = 0;
    for (int64_t p = begin; p < end;) {
        int64_t stop = p + CHUNK < end ? p + CHUNK : end;
        for (int32_t c = 0; c < channels; c++) sum[c] = squares[c] = 0;
        VS_PIXEL_LOOP
        for (; p < stop; p++) {
            VS_CHANNEL_LOOP
            for (int32_t c = 0; c < channels; c++) {
                float v = load(source, p * channels + c, bf16);
                sum[c] += v;
                squares[c] += v * v;
            }
        }
        VS_CHANNEL_LOOP
        for (int32_t c = 0; c < channels; c++) {
            sums[c] += sum[c];
            sums[channels + c] += squares[c];
        }
    }
}

/// One `case` per usual channel count, for fp32 and bf16 sources, so each inlined loop has both
/// as constants.
#define VS_BY_SOURCE_TYPE(bf16, call, channels) \
    do {                                            \
        if (bf16) call(channels, 1);                \
        else call(channels, 0);                     \
    } while (0)
#define VS_BY_CHANNELS(channels, bf16, call)                                      \
    switch (channels) {                                                           \
    case 16: VS_BY_SOURCE_TYPE(bf16, call, 16); break;                            \
    case 32: VS_BY_SOURCE_TYPE(bf16, call, 32); break;                            \
    case 64: VS_BY_SOURCE_TYPE(bf16, call, 64); break;                            \
    default: VS_BY_SOURCE_TYPE(bf16, call, channels); break;                      \
    }

static inline __attribute__((always_inline)) void vs_norm_sum_part_body(const void *source, int64_t begin, int64_t end,
                                                                        int32_t channels, int bf16, double *sums) {
#define VS_SUM(c, b) sum_pixels(source, begin, end, c, b, sums)
    VS_BY_CHANNELS(channels, bf16, VS_SUM)
#undef VS_SUM
}

/// Pixels done together: their fp32 results stay in a small buffer (at most 64 x channels
/// floats) between the passes, so each pass is one simple loop the compiler vectorizes.
enum { BLOCK = 64 };

/// `count` source pixels from source pixel `from` on (rows of `channels`), results written
/// `stride` pixels apart from output pixel `at`: factors a*x + b, ReLU, the residual (read at
/// the output pixels), then the fp32 and quantized outputs. Inlined with constant `channels` and
/// `bf16` like `sum_pixels`.
static inline __attribute__((always_inline)) void apply_pixels(const vs_norm_job *job, int64_t from, int64_t count,
                                                               int64_t at, int64_t stride, const int32_t channels,
                                                               const int bf16) {
    const float *a = job->factors, *b = job->factors + channels;
    const float q = job->quantize_scale;
    float y[BLOCK * channels];
    for (int64_t done = 0; done < count; done += BLOCK) {
        const int64_t n = count - done < BLOCK ? count - done : BLOCK;
        const int64_t in = (from + done) * channels;
        VS_PIXEL_LOOP
        for (int64_t p = 0; p < n; p++)
            VS_CHANNEL_LOOP
            for (int32_t c = 0; c < channels; c++)
                y[p * channels + c] = load(job->source, in + p * channels + c, bf16) * a[c] + b[c];
        const int64_t elements = n * channels;
        if (job->relu)
            for (int64_t e = 0; e < elements; e++) y[e] = y[e] > 0 ? y[e] : 0;
        const int64_t first = at + done * stride;
        if (job->residual) {
            VS_PIXEL_LOOP
            for (int64_t p = 0; p < n; p++) {
                const float *r = job->residual + (first + p * stride) * channels;
                VS_CHANNEL_LOOP
                for (int32_t c = 0; c < channels; c++) y[p * channels + c] += r[c];
            }
        }
        if (job->output) {
            VS_PIXEL_LOOP
            for (int64_t p = 0; p < n; p++) {
                float *out = job->output + (first + p * stride) * channels;
                VS_CHANNEL_LOOP
                for (int32_t c = 0; c < channels; c++) out[c] = y[p * channels + c];
            }
        }
        // The quantized copy: round(y * q), saturated to the type's range.
#define VS_QUANTIZE(type, low, high)                                                    \
        VS_PIXEL_LOOP                                                                   \
        for (int64_t p = 0; p < n; p++) {                                               \
            type *out = (type *)job->quantized + (first + p * stride) * channels;       \
            VS_CHANNEL_LOOP                                                             \
            for (int32_t c = 0; c < channels; c++) {                                    \
                float v = y[p * channels + c] * q;                                      \
                v = v < (low) ? (low) : (v > (high) ? (high) : v);                      \
                out[c] = (type)(int32_t)rintf(v);                                       \
            }                                                                           \
        }
        if (job->quantized && job->quantized_signed) {
            VS_QUANTIZE(int8_t, -128, 127)
        } else if (job->quantized) {
            VS_QUANTIZE(uint8_t, 0, 255)
        }
#undef VS_QUANTIZE
    }
}

static inline __attribute__((always_inline)) void apply_any(const vs_norm_job *job, int64_t from, int64_t count,
                                                            int64_t at, int64_t stride) {
#define VS_APPLY(c, b) apply_pixels(job, from, count, at, stride, c, b)
    VS_BY_CHANNELS(job->channels, job->source_bf16, VS_APPLY)
#undef VS_APPLY
}

/// The result for pixels [begin, end).
static inline __attribute__((always_inline)) void vs_norm_apply_part_body(const vs_norm_job *job, int64_t begin, int64_t end) {
    apply_any(job, begin, end - begin, begin, 1);
}

/// The depth-to-space result for source rows [row_begin, row_end) (see `depth_to_space`): each
/// row of every phase plane, normalized per channel, goes to its places in its output row, f
/// pixels apart.
static inline __attribute__((always_inline)) void vs_norm_apply_shuffled_rows_body(const vs_norm_job *job, int64_t row_begin,
                                                                                   int64_t row_end) {
    const int32_t f = job->depth_to_space;
    const int64_t width = job->source_width;
    for (int64_t row = row_begin; row < row_end; row++)
        for (int32_t i = 0; i < f; i++)
            for (int32_t j = 0; j < f; j++)
                apply_any(job, (i * f + j) * job->pixels + row * width, width, (row * f + i) * width * f + j, f);
}

VS_MULTIVERSIONED(static, vs_norm_sum_part,
                  (const void *source, int64_t begin, int64_t end, int32_t channels, int bf16, double *sums),
                  (source, begin, end, channels, bf16, sums))
VS_MULTIVERSIONED(static, vs_norm_apply_part, (const vs_norm_job *job, int64_t begin, int64_t end), (job, begin, end))
VS_MULTIVERSIONED(static, vs_norm_apply_shuffled_rows, (const vs_norm_job *job, int64_t row_begin, int64_t row_end),
                  (job, row_begin, row_end))

static int32_t phases_of(const vs_norm_job *job) {
    return job->depth_to_space > 1 ? job->depth_to_space * job->depth_to_space : 1;
}

static int parts_here(void) {
    int threads = omp_get_num_threads();
    return threads < VS_NORM_MAX_PARTS ? threads : VS_NORM_MAX_PARTS;
}

/// Scale and shift per channel from the parts' sums: a = scale / sqrt(variance + eps),
/// b = shift - mean * a.
static void compute_factors(const vs_norm_job *job, int parts) {
    const int32_t channels = job->channels;
    const double count = (double)job->pixels * phases_of(job);
    for (int32_t c = 0; c < channels; c++) {
        double sum = 0, squares = 0;
        for (int part = 0; part < parts; part++) {
            sum += job->partial_sums[(int64_t)part * 2 * channels + c];
            squares += job->partial_sums[(int64_t)part * 2 * channels + channels + c];
        }
        double mean = sum / count;
        double variance = squares / count - mean * mean;
        if (variance < 0) variance = 0;
        double a = job->scale[c] / sqrt(variance + job->epsilon);
        job->factors[c] = (float)a;
        job->factors[channels + c] = (float)(job->shift[c] - mean * a);
    }
}

/// The whole norm in one team of threads: each sums its share, the first turns the sums into
/// factors, then each applies them to its share. Barriers between the phases cost less than
/// starting a second team (with OMP_WAIT_POLICY=passive its threads would sleep in between).
static void norm_thread(void *data) {
    const vs_norm_job *job = data;
    const int threads = omp_get_num_threads(), part = omp_get_thread_num();
    const int parts = parts_here();
    int64_t begin, end;
    if (part < parts) {
        // Phase planes follow each other: their statistics are those of one tensor f·f times as long.
        vs_part_range(job->pixels * phases_of(job), part, parts, &begin, &end);
        vs_norm_sum_part(job->source, begin, end, job->channels, job->source_bf16,
                         job->partial_sums + (int64_t)part * 2 * job->channels);
    }
    GOMP_barrier();
    if (part == 0) compute_factors(job, parts);
    GOMP_barrier();
    if (job->depth_to_space > 1) {
        vs_part_range(job->pixels / job->source_width, part, threads, &begin, &end);
        vs_norm_apply_shuffled_rows(job, begin, end);
        return;
    }
    vs_part_range(job->pixels, part, threads, &begin, &end);
    vs_norm_apply_part(job, begin, end);
}

void vs_norm_run(const vs_norm_job *job) {
    GOMP_parallel(norm_thread, (void *)job, 0, 0);
}

int64_t vs_norm_scratch_bytes(int32_t channels) {
    return (int64_t)VS_NORM_MAX_PARTS * 2 * channels * (int64_t)sizeof(double) + 2 * (int64_t)channels * (int64_t)sizeof(float);
}
