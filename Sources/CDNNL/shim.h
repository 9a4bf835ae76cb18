// oneDNN 2.6 C API, plus constants for the macros Swift cannot import.
#ifndef VIDSTYLE_CDNNL_SHIM_H
#define VIDSTYLE_CDNNL_SHIM_H

#include <oneapi/dnnl/dnnl.h>

/// DNNL_MEMORY_ALLOCATE: ask oneDNN to allocate a memory object's buffer itself.
static inline void *vs_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
/// DNNL_MEMORY_NONE: create a memory object with no buffer yet.
static inline void *vs_dnnl_memory_none(void) { return DNNL_MEMORY_NONE; }
/// DNNL_ARG_DST: the destination argument of a primitive (a macro alias of DNNL_ARG_DST_0).
static inline int vs_dnnl_arg_dst(void) { return DNNL_ARG_DST; }
static inline int vs_dnnl_arg_src(void) { return DNNL_ARG_SRC; }
static inline int vs_dnnl_arg_weights(void) { return DNNL_ARG_WEIGHTS; }
static inline int vs_dnnl_arg_bias(void) { return DNNL_ARG_BIAS; }
static inline int vs_dnnl_arg_mean(void) { return DNNL_ARG_MEAN; }
static inline int vs_dnnl_arg_variance(void) { return DNNL_ARG_VARIANCE; }
static inline int vs_dnnl_arg_scale(void) { return DNNL_ARG_SCALE; }
static inline int vs_dnnl_arg_shift(void) { return DNNL_ARG_SHIFT; }
static inline int vs_dnnl_arg_scale_shift(void) { return DNNL_ARG_SCALE_SHIFT; }
static inline int vs_dnnl_arg_workspace(void) { return DNNL_ARG_WORKSPACE; }
static inline int vs_dnnl_arg_multiple_src(void) { return DNNL_ARG_MULTIPLE_SRC; }
static inline int vs_dnnl_arg_src_1(void) { return DNNL_ARG_SRC_1; }
static inline int vs_dnnl_arg_from(void) { return DNNL_ARG_FROM; }
static inline int vs_dnnl_arg_to(void) { return DNNL_ARG_TO; }
static inline int vs_dnnl_arg_scratchpad(void) { return DNNL_ARG_SCRATCHPAD; }

#endif
