#pragma once
// CPU kernels of MaxPool2d, AvgPool2d and GlobalAvgPool. NHWC: the innermost loop runs over
// the channels of one input pixel, so every window visit reads a contiguous run of memory.
// Padded positions are never read: a window is clipped to the real rows and columns it
// covers (max ignores padding, average divides by the count of real elements, as Keras'
// 'same' pooling and PyTorch's count_include_pad=False do). OpenMP over the batch.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include <Eigen/Core>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/window.hpp"

// Packets are SIMD types with attributes (__m256 ...) used as template arguments.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

namespace latentlab::cpu {

// The real (unpadded) input positions [begin, end) under output position `o` of an axis.
struct Span {
    int begin = 0, end = 0;
    constexpr int count() const { return end - begin; }
};
constexpr Span real_span(const WindowAxis& axis, int o) {
    const int start = o * axis.stride - axis.pad_before;
    return {std::max(start, 0), std::min(start + axis.kernel, axis.in)};
}

namespace ei = Eigen::internal;

// Max and first argmax over one output pixel's real window, for the channels of one Packet
// from c0 (an Eigen SIMD packet, or T itself for leftover channels). Written as scalar
// selects, the compiler kept the running maximum in memory and branched on every compare,
// which made pooling slower than a convolution; here it stays in registers, and the index
// too, as a packet of T (exact: image indices stay far below 2^24). Ties keep the first
// maximum in row-major window order; a NaN wins and stays (PyTorch's rule).
template <class Packet, class T>
EIGEN_ALWAYS_INLINE void window_max(const T* image, int in_width, int channels, Span rows, Span cols, int c0, T* out,
                                    std::int32_t* index) {
    constexpr int lanes = ei::unpacket_traits<Packet>::size;
    const Packet lane = ei::plset<Packet>(T(0));
    const int first = (rows.begin * in_width + cols.begin) * channels + c0;
    Packet best = ei::ploadu<Packet>(image + first);
    Packet where = ei::padd(lane, ei::pset1<Packet>(T(first)));
    for (int iy = rows.begin; iy < rows.end; ++iy)
        for (int ix = iy == rows.begin ? cols.begin + 1 : cols.begin; ix < cols.end; ++ix) {
            const int base = (iy * in_width + ix) * channels + c0;
            const Packet v = ei::ploadu<Packet>(image + base);
            const Packet take = ei::pand(ei::pcmp_lt_or_nan(best, v), ei::pcmp_eq(best, best));
            best = ei::pselect(take, v, best);
            where = ei::pselect(take, ei::padd(lane, ei::pset1<Packet>(T(base))), where);
        }
    ei::pstoreu(out + c0, best);
    T found[lanes];
    ei::pstoreu(found, where);
    for (int c = 0; c < lanes; ++c) index[c0 + c] = static_cast<std::int32_t>(found[c]);
}

// y = max over each window; argmax[o] = the index (y·W + x)·C + c of that maximum inside its
// image (see window_max for ties and NaN, which follow PyTorch).
template <class T>
void max_pool_forward(const Cpu& cpu, const Window2d& g, const T* x, T* y, std::int32_t* argmax,
                      std::size_t batch) {
    using Packet = typename ei::packet_traits<T>::type;
    constexpr int lanes = ei::unpacket_traits<Packet>::size;
    const int channels = g.in_channels;
    const std::size_t in_size = g.in().size(), out_size = g.out().size();
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            const T* image = x + n * in_size;
            T* out = y + n * out_size;
            std::int32_t* index = argmax + n * out_size;
            for (int oy = 0; oy < g.rows.out; ++oy) {
                const Span rows = real_span(g.rows, oy);
                for (int ox = 0; ox < g.cols.out; ++ox, out += channels, index += channels) {
                    const Span cols = real_span(g.cols, ox);
                    int c0 = 0;
                    for (; c0 + lanes <= channels; c0 += lanes)
                        window_max<Packet>(image, g.cols.in, channels, rows, cols, c0, out, index);
                    for (; c0 < channels; ++c0) window_max<T>(image, g.cols.in, channels, rows, cols, c0, out, index);
                }
            }
        }
    });
}

// dx = 0, then dx[argmax[o]] += dy[o] (overlapping windows accumulate).
template <class T>
void max_pool_backward(const Cpu& cpu, const Window2d& g, const T* dy, const std::int32_t* argmax, T* dx,
                       std::size_t batch) {
    const std::size_t in_size = g.in().size(), out_size = g.out().size();
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            T* image = dx + n * in_size;
            std::fill_n(image, in_size, T(0));
            const T* grad = dy + n * out_size;
            const std::int32_t* index = argmax + n * out_size;
            for (std::size_t o = 0; o < out_size; ++o) image[index[o]] += grad[o];
        }
    });
}

// y = mean of the real elements of each window.
template <class T>
void avg_pool_forward(const Cpu& cpu, const Window2d& g, const T* x, T* y, std::size_t batch) {
    const int channels = g.in_channels;
    const std::size_t in_size = g.in().size(), out_size = g.out().size();
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            const T* image = x + n * in_size;
            T* out = y + n * out_size;
            for (int oy = 0; oy < g.rows.out; ++oy) {
                const Span rows = real_span(g.rows, oy);
                for (int ox = 0; ox < g.cols.out; ++ox, out += channels) {
                    const Span cols = real_span(g.cols, ox);
                    std::fill_n(out, channels, T(0));
                    for (int iy = rows.begin; iy < rows.end; ++iy)
                        for (int ix = cols.begin; ix < cols.end; ++ix) {
                            const T* pixel = image + (iy * g.cols.in + ix) * channels;
                            for (int c = 0; c < channels; ++c) out[c] += pixel[c];
                        }
                    const T scale = T(1) / T(rows.count() * cols.count());
                    for (int c = 0; c < channels; ++c) out[c] *= scale;
                }
            }
        }
    });
}

// dx = Σ over the windows holding each element of dy / (that window's real count).
template <class T>
void avg_pool_backward(const Cpu& cpu, const Window2d& g, const T* dy, T* dx, std::size_t batch) {
    const int channels = g.in_channels;
    const std::size_t in_size = g.in().size(), out_size = g.out().size();
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            T* image = dx + n * in_size;
            std::fill_n(image, in_size, T(0));
            const T* grad = dy + n * out_size;
            for (int oy = 0; oy < g.rows.out; ++oy) {
                const Span rows = real_span(g.rows, oy);
                for (int ox = 0; ox < g.cols.out; ++ox, grad += channels) {
                    const Span cols = real_span(g.cols, ox);
                    const T scale = T(1) / T(rows.count() * cols.count());
                    for (int iy = rows.begin; iy < rows.end; ++iy)
                        for (int ix = cols.begin; ix < cols.end; ++ix) {
                            T* pixel = image + (iy * g.cols.in + ix) * channels;
                            for (int c = 0; c < channels; ++c) pixel[c] += scale * grad[c];
                        }
                }
            }
        }
    });
}

// y[n, c] = mean over the pixels of image n, channel c (accumulated in double: images of
// thousands of pixels would otherwise lose float precision).
template <class T>
void global_avg_pool_forward(const Cpu& cpu, const T* x, T* y, std::size_t pixels, int channels,
                             std::size_t batch) {
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            const T* image = x + n * pixels * channels;
            for (int c = 0; c < channels; ++c) {
                double sum = 0;
                for (std::size_t p = 0; p < pixels; ++p) sum += static_cast<double>(image[p * channels + c]);
                y[n * channels + c] = static_cast<T>(sum / static_cast<double>(pixels));
            }
        }
    });
}

template <class T>
void global_avg_pool_backward(const Cpu& cpu, const T* dy, T* dx, std::size_t pixels, int channels,
                              std::size_t batch) {
    const T scale = T(1) / static_cast<T>(pixels);
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            const T* grad = dy + n * channels;
            T* image = dx + n * pixels * channels;
            for (std::size_t p = 0; p < pixels; ++p)
                for (int c = 0; c < channels; ++c) image[p * channels + c] = grad[c] * scale;
        }
    });
}

}  // namespace latentlab::cpu

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
