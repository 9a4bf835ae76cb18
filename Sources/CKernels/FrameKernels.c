// The frame conversions of FrameKernels.h, split by rows over the threads (Parallel.h).
#include "FrameKernels.h"
#include "Parallel.h"

#include <math.h>
#include <string.h>

/// Rows [begin, end) of `count` for this thread.
static void my_rows(int64_t count, int64_t *begin, int64_t *end) {
    vs_part_range(count, omp_get_thread_num(), omp_get_num_threads(), begin, end);
}

/// Reflects an index past either end back into 0..<count (as PlanarImage.mirror).
static inline int32_t mirror(int32_t i, int32_t count) {
    if (i < 0) return -i < count - 1 ? -i : count - 1;
    if (i < count) return i;
    int32_t reflected = 2 * count - 2 - i;
    return reflected > 0 ? reflected : 0;
}

static inline __attribute__((always_inline)) void to_planar_rows_body(const vs_frame_placement *p, float *planar,
                                                                     int64_t begin, int64_t end) {
    const int64_t plane = (int64_t)p->width * p->height;
    const float inv = 1.0f / 255.0f;
    const int32_t inside_begin = p->left, inside_end = p->left + p->frame_width;
    for (int64_t y = begin; y < end; y++) {
        const uint8_t *row = p->frame + mirror((int32_t)y - p->top, p->frame_height) * p->frame_stride;
        float *r = planar + y * p->width, *g = r + plane, *b = g + plane;
        for (int32_t x = 0; x < p->width; x++) {
            if (x == inside_begin && inside_end <= p->width) {
                // The picture's own pixels: no mirroring, a loop the compiler vectorizes.
                const uint8_t *in = row;
                for (int32_t k = 0; k < p->frame_width; k++) {
                    r[x + k] = in[3 * k] * inv;
                    g[x + k] = in[3 * k + 1] * inv;
                    b[x + k] = in[3 * k + 2] * inv;
                }
                x = inside_end - 1;
                continue;
            }
            const uint8_t *in = row + 3 * mirror(x - p->left, p->frame_width);
            r[x] = in[0] * inv;
            g[x] = in[1] * inv;
            b[x] = in[2] * inv;
        }
    }
}

typedef struct {
    const vs_frame_placement *placement;
    float *planar;
} planar_pass;

VS_MULTIVERSIONED(static, to_planar_rows, (const vs_frame_placement *p, float *planar, int64_t begin, int64_t end),
                  (p, planar, begin, end))

static void to_planar_thread(void *data) {
    const planar_pass *pass = data;
    int64_t begin, end;
    my_rows(pass->placement->height, &begin, &end);
    to_planar_rows(pass->placement, pass->planar, begin, end);
}

void vs_frame_to_planar(const vs_frame_placement *placement, float *planar) {
    planar_pass pass = {placement, planar};
    GOMP_parallel(to_planar_thread, &pass, 0, 0);
}

static inline __attribute__((always_inline)) void to_bytes_rows_body(const vs_frame_placement *p, uint8_t *nhwc, float scale,
                                                                    int64_t begin, int64_t end) {
    for (int64_t y = begin; y < end; y++) {
        const uint8_t *row = p->frame + mirror((int32_t)y - p->top, p->frame_height) * p->frame_stride;
        uint8_t *out = nhwc + y * p->width * 3;
        if (scale == 1) {
            // The picture's own row in one copy, then the mirrored columns on either side.
            memcpy(out + 3 * p->left, row, 3 * (size_t)p->frame_width);
            for (int32_t x = 0; x < p->width; x++) {
                if (x == p->left) x += p->frame_width;
                if (x >= p->width) break;
                const uint8_t *in = row + 3 * mirror(x - p->left, p->frame_width);
                out[3 * x] = in[0];
                out[3 * x + 1] = in[1];
                out[3 * x + 2] = in[2];
            }
            continue;
        }
        for (int32_t x = 0; x < p->width; x++) {
            const uint8_t *in = row + 3 * mirror(x - p->left, p->frame_width);
            for (int c = 0; c < 3; c++) {
                float v = rintf(in[c] * scale);
                out[3 * x + c] = (uint8_t)(v > 255 ? 255 : v);
            }
        }
    }
}

typedef struct {
    const vs_frame_placement *placement;
    uint8_t *nhwc;
    float scale;
} bytes_pass;

VS_MULTIVERSIONED(static, to_bytes_rows, (const vs_frame_placement *p, uint8_t *nhwc, float scale, int64_t begin, int64_t end),
                  (p, nhwc, scale, begin, end))

static void to_bytes_thread(void *data) {
    const bytes_pass *pass = data;
    int64_t begin, end;
    my_rows(pass->placement->height, &begin, &end);
    to_bytes_rows(pass->placement, pass->nhwc, pass->scale, begin, end);
}

void vs_frame_to_bytes(const vs_frame_placement *placement, uint8_t *nhwc, float scale) {
    bytes_pass pass = {placement, nhwc, scale};
    GOMP_parallel(to_bytes_thread, &pass, 0, 0);
}

static inline uint8_t to_byte(float v) {
    v += 0.5f;
    v = v < 0 ? 0 : (v > 255 ? 255 : v);
    return (uint8_t)v;
}

/// One output row's pixels, `factor` a constant where inlined for the usual 1 and 2.
static inline __attribute__((always_inline)) void output_row(const vs_output_job *job, int64_t y, const int32_t f) {
    const int64_t plane = (int64_t)job->width * job->height;
    const int32_t small_width = job->width / f, channels = 3 * f * f;
    uint8_t *row = job->frame + y * job->frame_stride;
    const int32_t ty = (int32_t)y + job->top;
    const float *small_row = job->source + (int64_t)(ty / f) * small_width * channels + (ty % f) * f;
    const float strength = job->strength;
    for (int32_t x = 0; x < job->frame_width; x++) {
        const int32_t tx = x + job->left;
        float r, g, b;
        if (f == 1) {
            const float *at = job->source + (int64_t)ty * job->width + tx;
            r = at[0];
            g = at[plane];
            b = at[2 * plane];
        } else {
            const float *at = small_row + (int64_t)(tx / f) * channels + tx % f;
            r = at[0];
            g = at[f * f];
            b = at[2 * f * f];
        }
        r *= 255;
        g *= 255;
        b *= 255;
        uint8_t *p = row + 3 * x;
        if (job->preserve_color || strength < 1) {
            const float r0 = p[0], g0 = p[1], b0 = p[2];
            if (job->preserve_color) {
                const float shift = (0.299f * r + 0.587f * g + 0.114f * b) - (0.299f * r0 + 0.587f * g0 + 0.114f * b0);
                r = r0 + shift;
                g = g0 + shift;
                b = b0 + shift;
            }
            if (strength < 1) {
                r = r0 + (r - r0) * strength;
                g = g0 + (g - g0) * strength;
                b = b0 + (b - b0) * strength;
            }
        }
        p[0] = to_byte(r);
        p[1] = to_byte(g);
        p[2] = to_byte(b);
    }
}

static inline __attribute__((always_inline)) void output_rows_body(const vs_output_job *job, int64_t begin, int64_t end) {
    for (int64_t y = begin; y < end; y++) {
        switch (job->factor) {
        case 1: output_row(job, y, 1); break;
        case 2: output_row(job, y, 2); break;
        default: output_row(job, y, job->factor); break;
        }
    }
}

VS_MULTIVERSIONED(static, output_rows, (const vs_output_job *job, int64_t begin, int64_t end), (job, begin, end))

static void output_thread(void *data) {
    const vs_output_job *job = data;
    int64_t begin, end;
    my_rows(job->frame_height, &begin, &end);
    output_rows(job, begin, end);
}

void vs_output_to_frame(const vs_output_job *job) {
    GOMP_parallel(output_thread, (void *)job, 0, 0);
}
