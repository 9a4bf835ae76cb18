// The C face of OpenCV's DIS optical flow and remap for vidstyle's temporal smoother (see
// include/COpticalFlow.h). Every cv::Mat here is a header over the caller's memory, so OpenCV
// writes straight into Swift's buffers and nothing is copied or allocated per frame.

#include "COpticalFlow.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>

namespace {

thread_local char last_error[256] = "";

void remember(const char *what) {
    std::snprintf(last_error, sizeof last_error, "%s", what);
}

template <typename Body>
int guarded(Body body) {
    try {
        body();
        last_error[0] = 0;
        return 0;
    } catch (const std::exception &e) {
        remember(e.what());
    } catch (...) {
        remember("unknown OpenCV failure");
    }
    return -1;
}

int mat_type(vs_pixel_layout layout) {
    switch (layout) {
    case VS_PIXELS_GRAY8: return CV_8UC1;
    case VS_PIXELS_RGB8: return CV_8UC3;
    case VS_PIXELS_FLOW32: return CV_32FC2;
    }
    return -1;
}

}  // namespace

struct vs_flow_estimator {
    cv::Ptr<cv::DISOpticalFlow> dis;
    int width;
    int height;
};

extern "C" vs_flow_estimator *vs_flow_create(int width, int height, vs_flow_preset preset) {
    vs_flow_estimator *result = nullptr;
    guarded([&] {
        if (width < 1 || height < 1) throw std::invalid_argument("flow size must be positive");
        cv::Ptr<cv::DISOpticalFlow> dis = cv::DISOpticalFlow::create(static_cast<int>(preset));
        result = new vs_flow_estimator{dis, width, height};
    });
    return result;
}

extern "C" void vs_flow_destroy(vs_flow_estimator *estimator) {
    delete estimator;
}

extern "C" int vs_flow_compute(vs_flow_estimator *estimator, const uint8_t *from, size_t from_stride,
                               const uint8_t *to, size_t to_stride, float *flow, size_t flow_stride) {
    return guarded([&] {
        const int w = estimator->width, h = estimator->height;
        const cv::Mat a(h, w, CV_8UC1, const_cast<uint8_t *>(from), from_stride);
        const cv::Mat b(h, w, CV_8UC1, const_cast<uint8_t *>(to), to_stride);
        cv::Mat f(h, w, CV_32FC2, flow, flow_stride);
        estimator->dis->calc(a, b, f);
        if (f.data != reinterpret_cast<uchar *>(flow)) throw std::runtime_error("DIS reallocated the flow buffer");
    });
}

extern "C" int vs_flow_map(const float *flow, int flow_width, int flow_height, size_t flow_stride,
                           float *map, int width, int height, size_t map_stride) {
    return guarded([&] {
        const cv::Mat f(flow_height, flow_width, CV_32FC2, const_cast<float *>(flow), flow_stride);
        cv::Mat m(height, width, CV_32FC2, map, map_stride);
        const float sx = static_cast<float>(width) / flow_width;
        const float sy = static_cast<float>(height) / flow_height;
        if (flow_width != width || flow_height != height) {
            cv::resize(f, m, m.size(), 0, 0, cv::INTER_LINEAR);
        } else {
            f.copyTo(m);
        }
        for (int y = 0; y < height; ++y) {
            float *row = m.ptr<float>(y);
            for (int x = 0; x < width; ++x) {
                row[2 * x] = x + sx * row[2 * x];
                row[2 * x + 1] = y + sy * row[2 * x + 1];
            }
        }
    });
}

extern "C" int vs_remap(const void *src, size_t src_stride, void *dst, size_t dst_stride, int width, int height,
                        vs_pixel_layout layout, const float *map, size_t map_stride, vs_interpolation interpolation) {
    return guarded([&] {
        const int type = mat_type(layout);
        if (type < 0) throw std::invalid_argument("unknown pixel layout");
        const cv::Mat s(height, width, type, const_cast<void *>(src), src_stride);
        cv::Mat d(height, width, type, dst, dst_stride);
        const cv::Mat m(height, width, CV_32FC2, const_cast<float *>(map), map_stride);
        const int mode = interpolation == VS_INTERPOLATE_CUBIC ? cv::INTER_CUBIC : cv::INTER_LINEAR;
        cv::remap(s, d, m, cv::noArray(), mode, cv::BORDER_REPLICATE);
    });
}

extern "C" int vs_gray_downscale(const uint8_t *rgb, size_t rgb_stride, int width, int height, uint8_t *luma,
                                 uint8_t *scratch, uint8_t *dst, int dst_width, int dst_height, double blur_sigma) {
    return guarded([&] {
        const cv::Mat src(height, width, CV_8UC3, const_cast<uint8_t *>(rgb), rgb_stride);
        cv::Mat gray(height, width, CV_8UC1, luma);
        cv::cvtColor(src, gray, cv::COLOR_RGB2GRAY);
        cv::Mat small(dst_height, dst_width, CV_8UC1, scratch);
        if (dst_width == width && dst_height == height) {
            gray.copyTo(small);
        } else {
            cv::resize(gray, small, small.size(), 0, 0, cv::INTER_AREA);
        }
        cv::Mat d(dst_height, dst_width, CV_8UC1, dst);
        cv::GaussianBlur(small, d, cv::Size(5, 5), blur_sigma, blur_sigma, cv::BORDER_REPLICATE);
    });
}

extern "C" int vs_change(const uint8_t *current, const uint8_t *previous, int width, int height, const float *map,
                         uint8_t *scratch, uint8_t *change, int window) {
    return guarded([&] {
        const cv::Mat cur(height, width, CV_8UC1, const_cast<uint8_t *>(current));
        const cv::Mat prev(height, width, CV_8UC1, const_cast<uint8_t *>(previous));
        const cv::Mat m(height, width, CV_32FC2, const_cast<float *>(map));
        cv::Mat warped(height, width, CV_8UC1, scratch);
        cv::remap(prev, warped, m, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        cv::absdiff(cur, warped, warped);
        cv::Mat out(height, width, CV_8UC1, change);
        cv::blur(warped, out, cv::Size(window, window), cv::Point(-1, -1), cv::BORDER_REPLICATE);
    });
}

extern "C" int vs_gray_resize(const uint8_t *src, size_t src_stride, int src_width, int src_height,
                              uint8_t *dst, size_t dst_stride, int dst_width, int dst_height) {
    return guarded([&] {
        const cv::Mat s(src_height, src_width, CV_8UC1, const_cast<uint8_t *>(src), src_stride);
        cv::Mat d(dst_height, dst_width, CV_8UC1, dst, dst_stride);
        cv::resize(s, d, d.size(), 0, 0, cv::INTER_LINEAR);
    });
}

extern "C" const char *vs_flow_last_error(void) {
    return last_error;
}
