// What the kernels of this target share: threads from libgomp, the OpenMP runtime oneDNN is
// built with, through its stable entry points (what GCC emits for `#pragma omp parallel`):
// Swift's clang would need LLVM's libomp for -fopenmp, and a second runtime would keep its own
// spinning threads beside oneDNN's on the same two cores. Loops are compiled for AVX-512, AVX2
// and baseline x86-64 and picked at run time (VS_MULTIVERSIONED), so one binary runs everywhere.
#ifndef VIDSTYLE_CKERNELS_PARALLEL_H
#define VIDSTYLE_CKERNELS_PARALLEL_H

#include <stdint.h>

#include "KernelLevel.h"

extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
extern void GOMP_barrier(void);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);

/// Defines `linkage void name params`, which runs `name##_body args` (a `static inline
/// always_inline` function) compiled for AVX-512, for AVX2 or for baseline x86-64, whichever
/// `vs_kernel_level()` allows: the CPU's own level, capped by `ONEDNN_MAX_CPU_ISA` as oneDNN's
/// kernels are, so one machine can run and measure every level (KernelLevel.h). The body is
/// inlined into each variant, so the vectorizer sees that variant's instructions.
#if defined(__x86_64__) && defined(__clang__)
#define VS_MULTIVERSIONED(linkage, name, params, args)                                              \
    __attribute__((target("avx512f"))) static void name##_avx512 params { name##_body args; }     \
    __attribute__((target("avx2"))) static void name##_avx2 params { name##_body args; }          \
    static void name##_baseline params { name##_body args; }                                       \
    linkage void name params {                                                                     \
        switch (vs_kernel_level()) {                                                               \
        case VS_KERNEL_LEVEL_AVX512: name##_avx512 args; break;                                    \
        case VS_KERNEL_LEVEL_AVX2: name##_avx2 args; break;                                        \
        default: name##_baseline args; break;                                                      \
        }                                                                                          \
    }
#else
#define VS_MULTIVERSIONED(linkage, name, params, args) linkage void name params { name##_body args; }
#endif

/// Part `part` of `parts` of `count` items: [*begin, *end).
static inline void vs_part_range(int64_t count, int part, int parts, int64_t *begin, int64_t *end) {
    *begin = count * part / parts;
    *end = count * (part + 1) / parts;
}

#endif
