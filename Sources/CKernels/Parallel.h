// What the kernels of this target share: threads from libgomp, the OpenMP runtime oneDNN is
// built with, through its stable entry points (what GCC emits for `#pragma omp parallel`):
// Swift's clang would need LLVM's libomp for -fopenmp, and a second runtime would keep its own
// spinning threads beside oneDNN's on the same two cores. Loops are compiled for AVX-512, AVX2
// and baseline x86-64 and picked at load time (target_clones), so one binary runs everywhere.
#ifndef VIDSTYLE_CKERNELS_PARALLEL_H
#define VIDSTYLE_CKERNELS_PARALLEL_H

#include <stdint.h>

extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
extern void GOMP_barrier(void);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);

#if defined(__x86_64__) && defined(__clang__)
#define VS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VS_CLONES
#endif

/// Part `part` of `parts` of `count` items: [*begin, *end).
static inline void vs_part_range(int64_t count, int part, int parts, int64_t *begin, int64_t *end) {
    *begin = count * part / parts;
    *end = count * (part + 1) / parts;
}

#endif
