// conv_peak: how many operations per second one large convolution reaches in oneDNN on this
// CPU, the ceiling against which docs/performance.md judges the network's own convolutions.
// A big layer (many channels, a large plane) keeps oneDNN's best kernel busy with little
// overhead per call, so its rate is about the most this machine's cores can do in that
// precision; the network's small first and last layers cannot get near it.
//
// Build and run (tools/bench.sh does both):
//   cc -O2 -o bench-out/conv_peak tools/conv_peak.c -ldnnl
//   OMP_NUM_THREADS=2 bench-out/conv_peak int8 [CHANNELS [SIZE [RUNS]]]
// Prints one line:
//   conv_peak: precision=int8 shape=256x256x3x3@128x128 impl=<oneDNN kernel> best_ms=<x> gops=<x>
// where gops counts a multiply and an add as two operations.
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call)                                                                     \
    do {                                                                                \
        dnnl_status_t status_ = (call);                                                 \
        if (status_ != dnnl_success) {                                                  \
            fprintf(stderr, "conv_peak: %s failed (oneDNN status %d)\n", #call, status_); \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// A memory object in the layout the primitive chose, filled with a repeating byte pattern
// (values do not change the speed of these kernels; a pattern keeps fp32 inputs finite).
static dnnl_memory_t make_memory(dnnl_engine_t engine, const dnnl_memory_desc_t *desc, int is_float) {
    dnnl_memory_t memory;
    CHECK(dnnl_memory_create(&memory, desc, engine, DNNL_MEMORY_ALLOCATE));
    void *data;
    CHECK(dnnl_memory_get_data_handle(memory, &data));
    size_t bytes = dnnl_memory_desc_get_size(desc);
    if (is_float) {
        float *values = data;
        for (size_t i = 0; i < bytes / sizeof(float); i++) values[i] = (float)(i % 17) / 17.0f - 0.5f;
    } else {
        unsigned char *values = data;
        for (size_t i = 0; i < bytes; i++) values[i] = (unsigned char)(i % 61);
    }
    return memory;
}

int main(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "int8") != 0 && strcmp(argv[1], "fp32") != 0)) {
        fprintf(stderr, "usage: conv_peak int8|fp32 [CHANNELS [SIZE [RUNS]]]\n");
        return 2;
    }
    int is_int8 = strcmp(argv[1], "int8") == 0;
    dnnl_dim_t channels = argc > 2 ? atoi(argv[2]) : 256;
    dnnl_dim_t size = argc > 3 ? atoi(argv[3]) : 128;
    int runs = argc > 4 ? atoi(argv[4]) : 20;
    if (channels <= 0 || size <= 0 || runs <= 0) {
        fprintf(stderr, "conv_peak: CHANNELS, SIZE and RUNS must be positive\n");
        return 2;
    }

    dnnl_engine_t engine;
    dnnl_stream_t stream;
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));

    dnnl_dims_t src_dims = {1, channels, size, size};
    dnnl_dims_t weight_dims = {channels, channels, 3, 3};
    dnnl_dims_t strides = {1, 1}, padding = {1, 1};
    dnnl_data_type_t activation = is_int8 ? dnnl_u8 : dnnl_f32;
    dnnl_data_type_t weight_type = is_int8 ? dnnl_s8 : dnnl_f32;
    dnnl_memory_desc_t src_md, weight_md, dst_md;
    CHECK(dnnl_memory_desc_init_by_tag(&src_md, 4, src_dims, activation, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&weight_md, 4, weight_dims, weight_type, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 4, src_dims, activation, dnnl_format_tag_any));

    dnnl_convolution_desc_t conv;
    CHECK(dnnl_convolution_forward_desc_init(&conv, dnnl_forward_inference, dnnl_convolution_direct, &src_md,
                                             &weight_md, NULL, &dst_md, strides, padding, padding));
    dnnl_primitive_attr_t attr;
    CHECK(dnnl_primitive_attr_create(&attr));
    if (is_int8) {
        // One output scale, as a requantizing u8 -> u8 layer has; it costs the kernel nothing.
        float scale = 1.0f / 4096.0f;
        CHECK(dnnl_primitive_attr_set_output_scales(attr, 1, 0, &scale));
    }
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_primitive_desc_create(&pd, &conv, attr, engine, NULL));
    const char *impl = "?";
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));

    dnnl_memory_t src = make_memory(engine, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), !is_int8);
    dnnl_memory_t weights = make_memory(engine, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), !is_int8);
    dnnl_memory_t dst = make_memory(engine, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), !is_int8);
    dnnl_primitive_t primitive;
    CHECK(dnnl_primitive_create(&primitive, pd));
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};

    double best = 1e30;
    for (int i = 0; i < runs + 3; i++) {  // three warm-up runs: page faults, lazy JIT
        double start = now_ms();
        CHECK(dnnl_primitive_execute(primitive, stream, 3, args));
        CHECK(dnnl_stream_wait(stream));
        double ms = now_ms() - start;
        if (i >= 3 && ms < best) best = ms;
    }
    double ops = 2.0 * (double)channels * channels * 9 * size * size;
    printf("conv_peak: precision=%s shape=%ldx%ldx3x3@%ldx%ld impl=%s best_ms=%.3f gops=%.1f\n", argv[1],
           (long)channels, (long)channels, (long)size, (long)size, impl, best, ops / best / 1e6);

    dnnl_primitive_destroy(primitive);
    dnnl_memory_destroy(src);
    dnnl_memory_destroy(weights);
    dnnl_memory_destroy(dst);
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(engine);
    return 0;
}
