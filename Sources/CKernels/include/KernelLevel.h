// Which instructions our own kernels may use. oneDNN picks its kernels by the CPU's ISA capped
// by `ONEDNN_MAX_CPU_ISA`; ours follow the same cap, so that `ONEDNN_MAX_CPU_ISA=AVX2` on an
// AVX-512 machine runs (and lets us test and measure) exactly what an AVX2-only CPU runs.
#ifndef VIDSTYLE_KERNELLEVEL_H
#define VIDSTYLE_KERNELLEVEL_H

#ifdef __cplusplus
extern "C" {
#endif

/// Baseline x86-64 (SSE2): no AVX2 kernels of ours.
#define VS_KERNEL_LEVEL_BASELINE 0
/// AVX2 (with FMA).
#define VS_KERNEL_LEVEL_AVX2 2
/// AVX-512 (F at least).
#define VS_KERNEL_LEVEL_AVX512 3

/// The level for this process: the CPU's own, lowered to the cap in `ONEDNN_MAX_CPU_ISA` (or
/// `DNNL_MAX_CPU_ISA`) when one is set. Read once; cheap to call per frame.
int vs_kernel_level(void);

/// The most threads a parallel region of our kernels gets (OpenMP's `omp_get_max_threads()`, as
/// oneDNN's own regions): what per-thread scratch must be sized for.
int vs_kernel_max_threads(void);

#ifdef __cplusplus
}
#endif

#endif
