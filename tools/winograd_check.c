// winograd_check: tests the Winograd convolution of Sources/CKernels/WinogradKernels.c against a
// naive double-precision convolution, and times it against oneDNN's fp32 convolution on the
// residual blocks' shapes (64 -> 64 channels, 3x3, the planes of 640x360 to 1920x1080 frames).
//
// Build and run:
//   clang -O3 -fno-math-errno -I Sources/CKernels/include -o /tmp/wcheck
//       tools/winograd_check.c Sources/CKernels/WinogradKernels.c -ldnnl -l:libgomp.so.1 -lm
//   /tmp/wcheck [test|bench|all] [RUNS]
// It runs itself again with OMP_NUM_THREADS=2 and OMP_WAIT_POLICY=passive unless those are set
// (libgomp reads them when it loads, before main). `test` exits 1 on any error over the limit.
#define _POSIX_C_SOURCE 200809L  // clock_gettime, posix_memalign, setenv under -std=c11

#include "WinogradKernels.h"

#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern int omp_get_max_threads(void);

#define CHECK(call)                                                                          \
    do {                                                                                     \
        dnnl_status_t status_ = (call);                                                      \
        if (status_ != dnnl_success) {                                                       \
            fprintf(stderr, "winograd_check: %s failed (oneDNN status %d)\n", #call, status_); \
            exit(1);                                                                         \
        }                                                                                    \
    } while (0)

/// Largest error allowed, relative to the largest output magnitude: F(4x4, 3x3) in fp32 lands
/// around 1e-6 on these inputs; 1e-4 leaves room for deep channel counts without hiding a bug
/// (a wrong coefficient or index gives errors of order 1).
static const double LIMIT = 1e-4;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static uint64_t random_state = 0x9E3779B97F4A7C15ull;
/// Uniform in [-1, 1) (xorshift; reproducible).
static float random_float(void) {
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return (float)((random_state >> 40) / (double)(1 << 24) * 2.0 - 1.0);
}

static void *aligned(size_t bytes) {
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) {
        fprintf(stderr, "winograd_check: out of memory\n");
        exit(1);
    }
    return p;
}

static int source_index(int i, int size, int padding) {
    if (i >= 0 && i < size) return i;
    if (padding == VS_WINOGRAD_PAD_REFLECT) return i < 0 ? -i : 2 * size - 2 - i;
    return -1;
}

/// The definition: out[y][x][o] = bias[o] + sum over k, dy, dx of
/// in[y + dy - 1][x + dx - 1][k] * w[o][k][dy][dx], in double.
static void reference(const float *in, const float *w, const float *bias, int h, int wd, int ci, int co, int padding,
                      double *out) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < wd; x++)
            for (int o = 0; o < co; o++) {
                double sum = bias ? bias[o] : 0;
                for (int dy = 0; dy < 3; dy++) {
                    int sy = source_index(y + dy - 1, h, padding);
                    if (sy < 0) continue;
                    for (int dx = 0; dx < 3; dx++) {
                        int sx = source_index(x + dx - 1, wd, padding);
                        if (sx < 0) continue;
                        const float *pixel = in + ((size_t)sy * wd + sx) * ci;
                        const float *kernel = w + (size_t)o * ci * 9 + dy * 3 + dx;
                        for (int k = 0; k < ci; k++) sum += (double)pixel[k] * kernel[(size_t)k * 9];
                    }
                }
                out[((size_t)y * wd + x) * co + o] = sum;
            }
}

/// Floats after the destination that must stay untouched.
enum { GUARD = 64 };

/// The errors of one case, relative to the output's magnitude.
typedef struct {
    double max;  // largest error / largest output
    double rms;  // root mean square error / root mean square output
} errors;

/// One case. NaN output counts as an infinite error, so pixels the kernel never wrote (prefilled
/// with NaN) fail, and so does a write past the destination.
static errors test_case(int h, int wd, int ci, int co, int padding, int with_bias, int max_threads) {
    size_t in_count = (size_t)h * wd * ci, out_count = (size_t)h * wd * co;
    float *in = aligned(in_count * sizeof(float)), *w = aligned((size_t)co * ci * 9 * sizeof(float));
    float *bias = with_bias ? aligned(co * sizeof(float)) : NULL;
    for (size_t i = 0; i < in_count; i++) in[i] = random_float();
    for (size_t i = 0; i < (size_t)co * ci * 9; i++) w[i] = random_float() / sqrtf(9.0f * ci);
    for (int o = 0; with_bias && o < co; o++) bias[o] = random_float();

    float *transformed = aligned(vs_winograd_weights_floats(ci, co) * sizeof(float));
    vs_winograd_transform_weights(w, ci, co, transformed);
    void *scratch = aligned(vs_winograd_scratch_bytes(ci, co, max_threads));
    float *out = aligned((out_count + GUARD) * sizeof(float));
    for (size_t i = 0; i < out_count + GUARD; i++) out[i] = NAN;
    vs_winograd_job job = {in, out, transformed, bias, scratch, h, wd, ci, co, padding, max_threads};
    vs_winograd_run(&job);

    double *expected = aligned(out_count * sizeof(double));
    reference(in, w, bias, h, wd, ci, co, padding, expected);
    double largest = 1e-30, worst = 0, squares = 1e-60, error_squares = 0;
    for (size_t i = 0; i < out_count; i++) {
        largest = fmax(largest, fabs(expected[i]));
        squares += expected[i] * expected[i];
        double e = fabs(out[i] - expected[i]);
        if (!(e == e)) e = INFINITY;
        worst = fmax(worst, e);
        error_squares += e * e;
    }
    for (size_t i = out_count; i < out_count + GUARD; i++)
        if (out[i] == out[i]) worst = INFINITY;
    free(in), free(w), free(bias), free(transformed), free(scratch), free(out), free(expected);
    return (errors){worst / largest, sqrt(error_squares / squares)};
}

static int run_tests(void) {
    static const int sizes[][2] = {{1, 1}, {2, 3}, {2, 2}, {3, 2}, {4, 4}, {5, 7}, {6, 6}, {8, 9},
                                   {13, 9}, {31, 17}, {17, 31}, {33, 4}, {102, 172}};
    static const int channels[][2] = {{8, 8}, {16, 16}, {32, 32}, {64, 64}, {8, 64}, {64, 8}, {16, 32}, {32, 16},
                                      {24, 40}, {64, 24}};
    int failures = 0, cases = 0;
    double worst = 0, worst_rms = 0;
    // Shapes the kernel must refuse (the caller then keeps oneDNN).
    if (vs_winograd_shape_supported(12, 16, 8, 8, VS_WINOGRAD_PAD_ZEROS) ||
        vs_winograd_shape_supported(16, 20, 8, 8, VS_WINOGRAD_PAD_ZEROS) ||
        vs_winograd_shape_supported(16, 16, 1, 8, VS_WINOGRAD_PAD_REFLECT) ||
        vs_winograd_shape_supported(16, 16, 8, 8, 2) ||
        !vs_winograd_shape_supported(16, 16, 1, 1, VS_WINOGRAD_PAD_ZEROS)) {
        printf("  vs_winograd_shape_supported: wrong answer  FAIL\n");
        failures++;
    }
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        const int h = sizes[s][0], wd = sizes[s][1];
        for (int padding = 0; padding < 2; padding++) {
            if (!vs_winograd_shape_supported(8, 8, h, wd, padding)) {
                printf("  %3dx%-3d %-7s unsupported (as expected)\n", h, wd, padding ? "reflect" : "zeros");
                continue;
            }
            for (size_t c = 0; c < sizeof channels / sizeof *channels; c++) {
                const int ci = channels[c][0], co = channels[c][1];
                // The full-size plane only at the network's width, to keep the naive reference quick.
                if (h * wd > 5000 && !((ci == 64 && co == 64) || (ci == 16 && co == 32))) continue;
                for (int with_bias = 0; with_bias < 2; with_bias++) {
                    const int threads = (c + with_bias) % 3 == 2 ? 1 : omp_get_max_threads();
                    errors e = test_case(h, wd, ci, co, padding, with_bias, threads);
                    cases++;
                    worst = fmax(worst, e.max);
                    worst_rms = fmax(worst_rms, e.rms);
                    const int bad = !(e.max <= LIMIT);
                    failures += bad;
                    if (bad || (with_bias && (c == 3 || h * wd > 5000)))
                        printf("  %3dx%-3d %-7s %2d->%-2d bias=%d threads=%d  max error %.2e  rms error %.2e%s\n", h,
                               wd, padding ? "reflect" : "zeros", ci, co, with_bias, threads, e.max, e.rms,
                               bad ? "  FAIL" : "");
                }
            }
        }
    }
    printf("test: %d cases; worst max error %.2e (relative to the largest output), worst rms error %.2e "
           "(relative to the rms output); %d failures\n",
           cases, worst, worst_rms, failures);
    return failures == 0;
}

// ---------------------------------------------------------------------------------------------
// Timing against oneDNN.

/// oneDNN's fp32 convolution of one shape, its memory in the layouts it chose (`nhwc`: source
/// and destination forced to NHWC as the int8 network's tensors are; else `any`).
typedef struct {
    dnnl_primitive_t primitive;
    dnnl_memory_t src, weights, bias, dst;
    dnnl_primitive_desc_t pd;
    const char *impl;
} onednn_conv;

static dnnl_memory_t filled_memory(dnnl_engine_t engine, const dnnl_memory_desc_t *desc) {
    dnnl_memory_t memory;
    CHECK(dnnl_memory_create(&memory, desc, engine, DNNL_MEMORY_ALLOCATE));
    float *data;
    CHECK(dnnl_memory_get_data_handle(memory, (void **)&data));
    size_t count = dnnl_memory_desc_get_size(desc) / sizeof(float);
    for (size_t i = 0; i < count; i++) data[i] = random_float() * 0.1f;
    return memory;
}

static int onednn_create(onednn_conv *conv, dnnl_engine_t engine, int h, int wd, int ci, int co, int nhwc,
                         dnnl_alg_kind_t algorithm) {
    dnnl_dims_t src_dims = {1, ci, h, wd}, dst_dims = {1, co, h, wd}, weight_dims = {co, ci, 3, 3}, bias_dims = {co};
    dnnl_dims_t strides = {1, 1}, padding = {1, 1};
    dnnl_format_tag_t tag = nhwc ? dnnl_nhwc : dnnl_format_tag_any;
    dnnl_memory_desc_t src_md, weight_md, bias_md, dst_md;
    CHECK(dnnl_memory_desc_init_by_tag(&src_md, 4, src_dims, dnnl_f32, tag));
    CHECK(dnnl_memory_desc_init_by_tag(&weight_md, 4, weight_dims, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, dnnl_f32, dnnl_x));
    CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_dims, dnnl_f32, tag));
    dnnl_convolution_desc_t desc;
    CHECK(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, algorithm, &src_md, &weight_md,
                                             &bias_md, &dst_md, strides, padding, padding));
    if (dnnl_primitive_desc_create(&conv->pd, &desc, NULL, engine, NULL) != dnnl_success) return 0;
    CHECK(dnnl_primitive_desc_query(conv->pd, dnnl_query_impl_info_str, 0, &conv->impl));
    conv->src = filled_memory(engine, dnnl_primitive_desc_query_md(conv->pd, dnnl_query_src_md, 0));
    conv->weights = filled_memory(engine, dnnl_primitive_desc_query_md(conv->pd, dnnl_query_weights_md, 0));
    conv->bias = filled_memory(engine, dnnl_primitive_desc_query_md(conv->pd, dnnl_query_weights_md, 1));
    conv->dst = filled_memory(engine, dnnl_primitive_desc_query_md(conv->pd, dnnl_query_dst_md, 0));
    CHECK(dnnl_primitive_create(&conv->primitive, conv->pd));
    return 1;
}

static void onednn_run(onednn_conv *conv, dnnl_stream_t stream) {
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, conv->src},
                              {DNNL_ARG_WEIGHTS, conv->weights},
                              {DNNL_ARG_BIAS, conv->bias},
                              {DNNL_ARG_DST, conv->dst}};
    CHECK(dnnl_primitive_execute(conv->primitive, stream, 4, args));
    CHECK(dnnl_stream_wait(stream));
}

static void onednn_destroy(onednn_conv *conv) {
    dnnl_primitive_destroy(conv->primitive);
    dnnl_memory_destroy(conv->src);
    dnnl_memory_destroy(conv->weights);
    dnnl_memory_destroy(conv->bias);
    dnnl_memory_destroy(conv->dst);
    dnnl_primitive_desc_destroy(conv->pd);
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    double best, median;
} timing;

static timing summarize(double *ms, int runs) {
    qsort(ms, runs, sizeof *ms, compare_doubles);
    return (timing){ms[0], runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2};
}

/// Times the kernel and the oneDNN variants at one shape, runs interleaved so that a load spike
/// on the machine hits them alike.
static void bench_shape(dnnl_engine_t engine, dnnl_stream_t stream, int h, int wd, int ci, int co, int runs) {
    enum { VARIANTS = 3 };
    static const char *names[VARIANTS] = {"oneDNN any ", "oneDNN nhwc", "oneDNN auto"};
    onednn_conv convs[VARIANTS];
    int present[VARIANTS];
    present[0] = onednn_create(&convs[0], engine, h, wd, ci, co, 0, dnnl_convolution_direct);
    present[1] = onednn_create(&convs[1], engine, h, wd, ci, co, 1, dnnl_convolution_direct);
    present[2] = onednn_create(&convs[2], engine, h, wd, ci, co, 0, dnnl_convolution_auto);

    const int threads = omp_get_max_threads();
    float *in = aligned((size_t)h * wd * ci * sizeof(float)), *out = aligned((size_t)h * wd * co * sizeof(float));
    float *w = aligned((size_t)co * ci * 9 * sizeof(float)), *bias = aligned(co * sizeof(float));
    for (size_t i = 0; i < (size_t)h * wd * ci; i++) in[i] = random_float();
    for (size_t i = 0; i < (size_t)co * ci * 9; i++) w[i] = random_float() * 0.05f;
    for (int o = 0; o < co; o++) bias[o] = random_float();
    float *transformed = aligned(vs_winograd_weights_floats(ci, co) * sizeof(float));
    vs_winograd_transform_weights(w, ci, co, transformed);
    void *scratch = aligned(vs_winograd_scratch_bytes(ci, co, threads));
    vs_winograd_job job = {in, out, transformed, bias, scratch, h, wd, ci, co, VS_WINOGRAD_PAD_ZEROS, threads};

    double *ms[VARIANTS + 1];
    for (int v = 0; v <= VARIANTS; v++) ms[v] = calloc(runs, sizeof(double));
    for (int i = -3; i < runs; i++) {  // three warm-up rounds: page faults, lazy JIT, thread start
        double start = now_ms();
        vs_winograd_run(&job);
        if (i >= 0) ms[0][i] = now_ms() - start;
        for (int v = 0; v < VARIANTS; v++) {
            if (!present[v]) continue;
            start = now_ms();
            onednn_run(&convs[v], stream);
            if (i >= 0) ms[v + 1][i] = now_ms() - start;
        }
    }
    timing mine = summarize(ms[0], runs);
    double gflop = 2.0 * ci * co * 9 * (double)h * wd / 1e9;
    printf("%dx%d %d->%d (%.2f GFLOP direct), %d threads, %d runs:\n", wd, h, ci, co, gflop, threads, runs);
    printf("  winograd F(4x4,3x3)    best %7.3f ms  median %7.3f ms  (%.0f GFLOP/s direct-equivalent)\n",
           mine.best, mine.median, gflop / mine.best * 1e3);
    for (int v = 0; v < VARIANTS; v++) {
        if (!present[v]) {
            printf("  %s  (not available)\n", names[v]);
            continue;
        }
        timing t = summarize(ms[v + 1], runs);
        printf("  %s %-10s best %7.3f ms  median %7.3f ms  winograd is %.2fx (best) %.2fx (median)\n", names[v],
               convs[v].impl, t.best, t.median, t.best / mine.best, t.median / mine.median);
        onednn_destroy(&convs[v]);
    }
    for (int v = 0; v <= VARIANTS; v++) free(ms[v]);
    free(in), free(out), free(w), free(bias), free(transformed), free(scratch);
}

static void run_bench(int runs) {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    static const int shapes[][2] = {{102, 172}, {196, 336}, {274, 484}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        bench_shape(engine, stream, shapes[s][0], shapes[s][1], 64, 64, runs);
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(engine);
}

int main(int argc, char **argv) {
    if (!getenv("OMP_WAIT_POLICY") || !getenv("OMP_NUM_THREADS")) {
        setenv("OMP_WAIT_POLICY", "passive", 0);
        setenv("OMP_NUM_THREADS", "2", 0);
        execv("/proc/self/exe", argv);
        perror("winograd_check: execv");
        return 1;
    }
    const char *mode = argc > 1 ? argv[1] : "all";
    const int runs = argc > 2 ? atoi(argv[2]) : 20;
    if (!vs_winograd_supported()) {
        printf("winograd_check: this CPU lacks AVX2 or FMA; nothing to check\n");
        return 0;
    }
    int ok = 1;
    if (strcmp(mode, "test") == 0 || strcmp(mode, "all") == 0) ok = run_tests();
    if (strcmp(mode, "bench") == 0 || strcmp(mode, "all") == 0) run_bench(runs > 0 ? runs : 20);
    return ok ? 0 : 1;
}
