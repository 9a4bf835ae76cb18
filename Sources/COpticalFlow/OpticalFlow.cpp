// The C face of OpenCV's DIS optical flow and remap for vidstyle's temporal smoother (see
// include/COpticalFlow.h). Every cv::Mat here is a header over the caller's memory, so OpenCV
// writes straight into Swift's buffers and nothing is copied or allocated per frame.

#include "COpticalFlow.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
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
        // OpenCV 4.6 derives its coarsest pyramid level from the picture's size (by the formula
        // below, the one DISOpticalFlowImpl::calc uses) but keeps the preset's finest level even
        // when that is coarser; it then reads pyramid levels it never built, so a 4000x16
        // picture failed in resize or crashed. Later OpenCV releases lower the finest level
        // themselves. The estimator's size is fixed, so it is lowered here once.
        const int patch = dis->getPatchSize();
        if (std::min(width, height) < patch) throw std::invalid_argument("picture too small for DIS optical flow");
        const int coarsest = std::min(
            static_cast<int>(std::log(std::max(width, height) / (4.0 * patch)) / std::log(2.0) + 0.5),
            static_cast<int>(std::log(std::min(width, height) / patch) / std::log(2.0)));
        if (coarsest < 0) throw std::invalid_argument("picture too small for DIS optical flow");
        if (dis->getFinestScale() > coarsest) dis->setFinestScale(coarsest);
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

extern "C" int vs_warp_frame(const float *flow, int flow_width, int flow_height,
                             const uint8_t *prev_luma, const uint8_t *luma, int width, int height,
                             float *full_map, uint8_t *warped_luma, uint8_t *difference) {
    return guarded([&] {
        const float sx = static_cast<float>(width) / flow_width, sy = static_cast<float>(height) / flow_height;
        cv::parallel_for_(cv::Range(0, height), [&](const cv::Range &rows) {
            for (int y = rows.start; y < rows.end; ++y) {
                // The small flow at this row, bilinearly (pixel centres aligned as cv::resize does).
                float fy = (y + 0.5f) / sy - 0.5f;
                fy = fy < 0 ? 0 : (fy > flow_height - 1 ? flow_height - 1 : fy);
                const int fy0 = static_cast<int>(fy), fy1 = fy0 + 1 < flow_height ? fy0 + 1 : fy0;
                const float wy = fy - fy0;
                const float *r0 = flow + 2 * static_cast<size_t>(fy0) * flow_width;
                const float *r1 = flow + 2 * static_cast<size_t>(fy1) * flow_width;
                float *map = full_map + 2 * static_cast<size_t>(y) * width;
                for (int x = 0; x < width; ++x) {
                    float fx = (x + 0.5f) / sx - 0.5f;
                    fx = fx < 0 ? 0 : (fx > flow_width - 1 ? flow_width - 1 : fx);
                    const int fx0 = static_cast<int>(fx), fx1 = fx0 + 1 < flow_width ? fx0 + 1 : fx0;
                    const float wx = fx - fx0;
                    const float u = (1 - wy) * ((1 - wx) * r0[2 * fx0] + wx * r0[2 * fx1]) +
                                    wy * ((1 - wx) * r1[2 * fx0] + wx * r1[2 * fx1]);
                    const float v = (1 - wy) * ((1 - wx) * r0[2 * fx0 + 1] + wx * r0[2 * fx1 + 1]) +
                                    wy * ((1 - wx) * r1[2 * fx0 + 1] + wx * r1[2 * fx1 + 1]);
                    map[2 * x] = x + sx * u;
                    map[2 * x + 1] = y + sy * v;
                }
            }
        });
        const cv::Mat map(height, width, CV_32FC2, full_map);
        const cv::Mat previousLuma(height, width, CV_8UC1, const_cast<uint8_t *>(prev_luma));
        cv::Mat warpedLuma(height, width, CV_8UC1, warped_luma);
        cv::remap(previousLuma, warpedLuma, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        cv::Mat change(height, width, CV_8UC1, difference);
        cv::absdiff(cv::Mat(height, width, CV_8UC1, const_cast<uint8_t *>(luma)), warpedLuma, change);
    });
}

extern "C" int vs_blend(uint8_t *frame, size_t frame_stride, const uint8_t *warped_rgb, const uint8_t *mask,
                        const uint8_t *change, uint8_t *previous_rgb, int width, int height, float amount,
                        float noise_level, float change_level, int blend) {
    return guarded([&] {
        const float mask_scale = amount / 255, span = change_level - noise_level;
        cv::parallel_for_(cv::Range(0, height), [&](const cv::Range &rows) {
            for (int y = rows.start; y < rows.end; ++y) {
                uint8_t *row = frame + static_cast<size_t>(y) * frame_stride;
                const size_t start = static_cast<size_t>(y) * width;
                if (blend) {
                    const uint8_t *q = warped_rgb + 3 * start;
                    for (int x = 0; x < width; ++x) {
                        float photometric = (change_level - change[start + x]) / span;
                        photometric = photometric < 0 ? 0 : (photometric > 1 ? 1 : photometric);
                        const float by_mask = mask[start + x] * mask_scale, by_change = photometric * amount;
                        const float k = by_mask < by_change ? by_mask : by_change;
                        if (k <= 0) continue;
                        uint8_t *p = row + 3 * x;
                        for (int c = 0; c < 3; ++c) {
                            const float v = p[c];
                            p[c] = static_cast<uint8_t>(v + (q[3 * x + c] - v) * k + 0.5f);
                        }
                    }
                }
                std::memcpy(previous_rgb + 3 * start, row, 3 * static_cast<size_t>(width));
            }
        });
    });
}

extern "C" int vs_box_blur(const uint8_t *src, uint8_t *dst, int width, int height, int window) {
    return guarded([&] {
        const cv::Mat s(height, width, CV_8UC1, const_cast<uint8_t *>(src));
        cv::Mat d(height, width, CV_8UC1, dst);
        cv::blur(s, d, cv::Size(window, window), cv::Point(-1, -1), cv::BORDER_REPLICATE);
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
