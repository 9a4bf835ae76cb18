// The FFmpeg headers vidstyle uses, plus inline functions for the macros Swift cannot import.
#ifndef VIDSTYLE_CFFMPEG_SHIM_H
#define VIDSTYLE_CFFMPEG_SHIM_H

#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/audio_fifo.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>

static inline int vs_averror(int errnum) { return AVERROR(errnum); }
static inline int vs_averror_eof(void) { return AVERROR_EOF; }
static inline int vs_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int64_t vs_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational vs_time_base_q(void) { return AV_TIME_BASE_Q; }
static inline int vs_time_base(void) { return AV_TIME_BASE; }

/// Writes FFmpeg's message for an error code into buf (av_err2str is a macro with a compound literal).
static inline const char *vs_err2str(int errnum, char *buf, size_t size) {
    av_strerror(errnum, buf, size);
    return buf;
}

/// av_log_set_level with the level macros Swift cannot see: 0 silences FFmpeg, 1 lets its
/// warnings and errors through.
static inline void vs_set_log_warnings(int warnings) {
    av_log_set_level(warnings ? AV_LOG_WARNING : AV_LOG_QUIET);
}

#endif
