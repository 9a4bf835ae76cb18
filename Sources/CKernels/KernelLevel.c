// vs_kernel_level (KernelLevel.h): the CPU's level from CPUID, capped as oneDNN caps its own.
#include "KernelLevel.h"

extern int omp_get_max_threads(void);

#include <stdlib.h>
#include <strings.h>

/// The level a cap names (oneDNN's names: SSE41, AVX, AVX2, AVX2_VNNI, AVX512_CORE,
/// AVX512_CORE_VNNI, AVX512_CORE_BF16, AVX512_CORE_AMX, ALL). An unknown name caps nothing, as
/// oneDNN then ignores it too.
static int cap_level(const char *cap) {
    if (strncasecmp(cap, "AVX512", 6) == 0 || strncasecmp(cap, "AMX", 3) == 0 || strcasecmp(cap, "ALL") == 0)
        return VS_KERNEL_LEVEL_AVX512;
    if (strncasecmp(cap, "AVX2", 4) == 0) return VS_KERNEL_LEVEL_AVX2;
    if (strcasecmp(cap, "AVX") == 0 || strcasecmp(cap, "SSE41") == 0) return VS_KERNEL_LEVEL_BASELINE;
    return VS_KERNEL_LEVEL_AVX512;
}

static int detect(void) {
    int level = VS_KERNEL_LEVEL_BASELINE;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = VS_KERNEL_LEVEL_AVX2;
    if (level == VS_KERNEL_LEVEL_AVX2 && __builtin_cpu_supports("avx512f")) level = VS_KERNEL_LEVEL_AVX512;
#endif
    const char *cap = getenv("ONEDNN_MAX_CPU_ISA");
    if (!cap || !*cap) cap = getenv("DNNL_MAX_CPU_ISA");
    if (cap && *cap) {
        int capped = cap_level(cap);
        if (capped < level) level = capped;
    }
    return level;
}

int vs_kernel_level(void) {
    // Every thread computes the same value, so a race here only repeats the work.
    static volatile int level = -1;
    if (level < 0) level = detect();
    return level;
}

int vs_kernel_max_threads(void) {
    return omp_get_max_threads();
}
