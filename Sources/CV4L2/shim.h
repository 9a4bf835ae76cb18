// V4L2 for Swift: the kernel's videodev2.h, libv4l2 (Debian libv4l-dev), and what Swift cannot
// import by itself: the VIDIOC_* request codes (macros built from sizeof) and libv4l2's
// variadic open and ioctl.
#ifndef VIDSTYLE_CV4L2_SHIM_H
#define VIDSTYLE_CV4L2_SHIM_H

#include <linux/videodev2.h>
#include <libv4l2.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>

static const unsigned long vs_vidioc_querycap = VIDIOC_QUERYCAP;
static const unsigned long vs_vidioc_enum_fmt = VIDIOC_ENUM_FMT;
static const unsigned long vs_vidioc_enum_framesizes = VIDIOC_ENUM_FRAMESIZES;
static const unsigned long vs_vidioc_enum_frameintervals = VIDIOC_ENUM_FRAMEINTERVALS;
static const unsigned long vs_vidioc_g_fmt = VIDIOC_G_FMT;
static const unsigned long vs_vidioc_s_fmt = VIDIOC_S_FMT;
static const unsigned long vs_vidioc_g_parm = VIDIOC_G_PARM;
static const unsigned long vs_vidioc_s_parm = VIDIOC_S_PARM;
static const unsigned long vs_vidioc_reqbufs = VIDIOC_REQBUFS;
static const unsigned long vs_vidioc_querybuf = VIDIOC_QUERYBUF;
static const unsigned long vs_vidioc_qbuf = VIDIOC_QBUF;
static const unsigned long vs_vidioc_dqbuf = VIDIOC_DQBUF;
static const unsigned long vs_vidioc_streamon = VIDIOC_STREAMON;
static const unsigned long vs_vidioc_streamoff = VIDIOC_STREAMOFF;

/// v4l2_open without the variadic mode argument.
static inline int vs_v4l2_open(const char *path, int flags) { return v4l2_open(path, flags); }

/// v4l2_ioctl with its one pointer argument named.
static inline int vs_v4l2_ioctl(int fd, unsigned long request, void *argument) {
    return v4l2_ioctl(fd, request, argument);
}

#endif
