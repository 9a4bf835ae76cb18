// The fused instance norm of CNormKernels.h.
//
// Threads come from libgomp, the OpenMP runtime oneDNN is built with, through its stable entry
// point GOMP_parallel (what GCC emits for `#pragma omp parallel`): Swift's clang would need
// LLVM's libomp for -fopenmp, and a second runtime would keep its own spinning threads beside
// oneDNN's on the same two cores.
//
// The loops are plain C over NHWC rows (channels innermost, contiguous), compiled for AVX-512,
// AVX2 and baseline x86-64 and picked at load time (target_clones), so one binary runs
// everywhere and vectorizes over channels where it can.
#include "CNormKernels.h"

#include <math.h>

extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);

#if defined(__x86_64__) && defined(__clang__)
#define VS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VS_CLONES
#endif

/// Pixels summed in fp32 before they are added to the double totals: short enough that fp32
/// loses nothing that matters, long enough that the double adds cost nothing.
enum { CHUNK = 256 };

typedef struct {
    const vs_norm_job *job;
    int parts;
} pass;

static void part_range(int64_t count, int part, int parts, int64_t *begin, int64_t *end) {
    *begin = count * part / parts;
    *end = count * (part + 1) / parts;
}

/// Sum and sum of squares per channel of pixels [begin, end): sums[c] and sums[channels + c].
VS_CLONES void vs_norm_sum_part(const float *source, int64_t begin, int64_t end, int32_t channels,
                                double *sums) {
    float sum[channels], squares[channels];
    for (int32_t c = 0; c < channels; c++) sums[c] = sums[channels + c] = 0;
    for (int64_t p = begin; p < end;) {
        int64_t stop = p + CHUNK < end ? p + CHUNK : end;
        for (int32_t c = 0; c < channels; c++) sum[c] = squares[c] = 0;
        for (; p < stop; p++) {
            const float *row = source + p * channels;
            for (int32_t c = 0; c < channels; c++) {
                float v = row[c];
                sum[c] += v;
                squares[c] += v * v;
            }
        }
        for (int32_t c = 0; c < channels; c++) {
            sums[c] += sum[c];
            sums[channels + c] += squares[c];
        }
    }
}

/// The result for pixels [begin, end): factors a*x + b, ReLU, residual, then the outputs.
VS_CLONES void vs_norm_apply_part(const vs_norm_job *job, int64_t begin, int64_t end) {
    const int32_t channels = job->channels;
    const float *a = job->factors, *b = job->factors + channels;
    const float q = job->quantize_scale;
    float y[channels];
    for (int64_t p = begin; p < end; p++) {
        const int64_t at = p * channels;
        const float *x = job->source + at;
        for (int32_t c = 0; c < channels; c++) y[c] = x[c] * a[c] + b[c];
        if (job->relu)
            for (int32_t c = 0; c < channels; c++) y[c] = y[c] > 0 ? y[c] : 0;
        if (job->residual) {
            const float *r = job->residual + at;
            for (int32_t c = 0; c < channels; c++) y[c] += r[c];
        }
        if (job->output) {
            float *out = job->output + at;
            for (int32_t c = 0; c < channels; c++) out[c] = y[c];
        }
        if (job->quantized && job->quantized_signed) {
            int8_t *out = (int8_t *)job->quantized + at;
            for (int32_t c = 0; c < channels; c++) {
                float v = y[c] * q;
                v = v < -128 ? -128 : (v > 127 ? 127 : v);
                out[c] = (int8_t)(int32_t)rintf(v);
            }
        } else if (job->quantized) {
            uint8_t *out = (uint8_t *)job->quantized + at;
            for (int32_t c = 0; c < channels; c++) {
                float v = y[c] * q;
                v = v < 0 ? 0 : (v > 255 ? 255 : v);
                out[c] = (uint8_t)(int32_t)rintf(v);
            }
        }
    }
}

/// The depth-to-space result for source rows [row_begin, row_end) (see `depth_to_space`): each
/// source pixel of every phase plane, normalized per channel, goes to its place in its f x f
/// output block.
VS_CLONES void vs_norm_apply_shuffled_rows(const vs_norm_job *job, int64_t row_begin, int64_t row_end) {
    const int32_t channels = job->channels, f = job->depth_to_space;
    const int64_t width = job->source_width, out_width = width * f;
    const float *a = job->factors, *b = job->factors + channels;
    const float q = job->quantize_scale;
    float y[channels];
    for (int64_t row = row_begin; row < row_end; row++) {
        for (int64_t x = 0; x < width; x++) {
            const int64_t plane = job->pixels * channels;
            const float *pixel = job->source + (row * width + x) * channels;
            for (int32_t i = 0; i < f; i++) {
                for (int32_t j = 0; j < f; j++) {
                    const float *source = pixel + (i * f + j) * plane;
                    const int64_t at = ((row * f + i) * out_width + x * f + j) * channels;
                    for (int32_t c = 0; c < channels; c++) y[c] = source[c] * a[c] + b[c];
                    if (job->relu)
                        for (int32_t c = 0; c < channels; c++) y[c] = y[c] > 0 ? y[c] : 0;
                    if (job->output) {
                        float *out = job->output + at;
                        for (int32_t c = 0; c < channels; c++) out[c] = y[c];
                    }
                    if (job->quantized && job->quantized_signed) {
                        int8_t *out = (int8_t *)job->quantized + at;
                        for (int32_t c = 0; c < channels; c++) {
                            float v = y[c] * q;
                            v = v < -128 ? -128 : (v > 127 ? 127 : v);
                            out[c] = (int8_t)(int32_t)rintf(v);
                        }
                    } else if (job->quantized) {
                        uint8_t *out = (uint8_t *)job->quantized + at;
                        for (int32_t c = 0; c < channels; c++) {
                            float v = y[c] * q;
                            v = v < 0 ? 0 : (v > 255 ? 255 : v);
                            out[c] = (uint8_t)(int32_t)rintf(v);
                        }
                    }
                }
            }
        }
    }
}

static int32_t phases_of(const vs_norm_job *job) {
    return job->depth_to_space > 1 ? job->depth_to_space * job->depth_to_space : 1;
}

static int parts_here(void) {
    int threads = omp_get_num_threads();
    return threads < VS_NORM_MAX_PARTS ? threads : VS_NORM_MAX_PARTS;
}

static void statistics_thread(void *data) {
    pass *context = data;
    const vs_norm_job *job = context->job;
    int parts = parts_here(), part = omp_get_thread_num();
    if (part == 0) context->parts = parts;
    if (part >= parts) return;
    int64_t begin, end;
    // Phase planes follow each other: their statistics are those of one tensor f·f times as long.
    part_range(job->pixels * phases_of(job), part, parts, &begin, &end);
    vs_norm_sum_part(job->source, begin, end, job->channels, job->partial_sums + (int64_t)part * 2 * job->channels);
}

static void apply_thread(void *data) {
    const vs_norm_job *job = data;
    int parts = omp_get_num_threads(), part = omp_get_thread_num();
    int64_t begin, end;
    if (job->depth_to_space > 1) {
        part_range(job->pixels / job->source_width, part, parts, &begin, &end);
        vs_norm_apply_shuffled_rows(job, begin, end);
        return;
    }
    part_range(job->pixels, part, parts, &begin, &end);
    vs_norm_apply_part(job, begin, end);
}

void vs_norm_run(const vs_norm_job *job) {
    pass context = {job, 1};
    GOMP_parallel(statistics_thread, &context, 0, 0);
    const int32_t channels = job->channels;
    const double count = (double)job->pixels * phases_of(job);
    for (int32_t c = 0; c < channels; c++) {
        double sum = 0, squares = 0;
        for (int part = 0; part < context.parts; part++) {
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
    GOMP_parallel(apply_thread, (void *)job, 0, 0);
}

int64_t vs_norm_scratch_bytes(int32_t channels) {
    return (int64_t)VS_NORM_MAX_PARTS * 2 * channels * (int64_t)sizeof(double) + 2 * (int64_t)channels * (int64_t)sizeof(float);
}
