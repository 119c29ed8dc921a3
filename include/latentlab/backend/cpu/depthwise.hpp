#pragma once
// CPU kernels of DepthwiseConv2d (and of SeparableConv2d's depthwise half). NHWC input with
// C channels, weights [KH, KW, C, M], output channel c·M + m. A direct loop rather than
// im2col + GEMM: each input channel meets only its own M filters, so a GEMM would be C tiny
// products. The innermost loops run over the C·M contiguous channels of one pixel and
// vectorize; the forward pass accumulates a block of channels over all taps in registers.
// With M > 1 each image is first widened to C·M channels (channel c repeated M times), so
// every loop is the plain channel-by-channel one; its gradient is summed back over m.
// OpenMP splits the batch, one image at a time. Each thread owns its slice of the
// workspace: the widened image and its gradient, the activation-gradient buffer of one
// image, and partial weight/bias gradients, summed after the parallel loop.
#include <algorithm>
#include <cstddef>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/backend/cpu/elementwise.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/core/workspace.hpp"

namespace latentlab::cpu {

// Where each thread's scratch lives, planned once per batch size.
template <class T>
struct DepthwiseScratch {
    T* base = nullptr;
    std::size_t per_thread = 0;
    std::size_t wide_gradient_offset = 0, dz_offset = 0, partial_offset = 0;

    T* wide(int thread) const { return base + thread * per_thread; }
    T* wide_gradient(int thread) const { return wide(thread) + wide_gradient_offset; }
    T* dz(int thread) const { return wide(thread) + dz_offset; }
    T* partial(int thread) const { return wide(thread) + partial_offset; }
};

namespace detail {

// Output channels per input channel, read off a depthwise window (out = C·M).
constexpr int depthwise_multiplier(const Window2d& g) { return g.out_channels / g.in_channels; }

// Input pixel (iy, ix) under tap (ky, kx) of output pixel (oy, ox), or false in the padding.
constexpr bool depthwise_tap(const Window2d& g, int oy, int ox, int ky, int kx, int& iy, int& ix) {
    iy = oy * g.rows.stride - g.rows.pad_before + ky * g.rows.dilation;
    ix = ox * g.cols.stride - g.cols.pad_before + kx * g.cols.dilation;
    return iy >= 0 && iy < g.rows.in && ix >= 0 && ix < g.cols.in;
}

// out[0, width) = b (or 0) + Σ over the taps inside the image of in · w, for the channels
// [first, first + width) of one output pixel; `in` has `cm` channels per pixel. Width is a
// compile-time constant for full blocks, so the accumulator stays in registers.
template <int Width, class T>
inline void depthwise_pixel(const Window2d& g, int oy, int ox, int first, int width, int cm, const T* in,
                            const T* w, const T* b, T* out) {
    T acc[Width > 0 ? Width : 1];
    T* sum = Width > 0 ? acc : out;
    const int n = Width > 0 ? Width : width;
    for (int j = 0; j < n; ++j) sum[j] = b ? b[first + j] : T(0);
    for (int ky = 0; ky < g.rows.kernel; ++ky)
        for (int kx = 0; kx < g.cols.kernel; ++kx) {
            int iy, ix;
            if (!depthwise_tap(g, oy, ox, ky, kx, iy, ix)) continue;
            const T* __restrict x = in + (static_cast<std::size_t>(iy) * g.cols.in + ix) * cm + first;
            const T* __restrict k = w + static_cast<std::size_t>(ky * g.cols.kernel + kx) * cm + first;
            if constexpr (Width > 0)
                for (int j = 0; j < Width; ++j) acc[j] += x[j] * k[j];
            else
                for (int j = 0; j < n; ++j) out[j] += x[j] * k[j];
        }
    if constexpr (Width > 0) std::copy_n(acc, Width, out);
}

// Widens one image from C to C·M channels: wide[p, c·M + m] = x[p, c].
template <class T>
void depthwise_widen(const T* x, std::size_t pixels, int channels, int multiplier, T* wide) {
    for (std::size_t p = 0; p < pixels; ++p)
        for (int c = 0; c < channels; ++c, ++x) std::fill_n(wide + (p * channels + c) * multiplier, multiplier, *x);
}

// The adjoint of depthwise_widen: dx[p, c] = Σ_m wide[p, c·M + m].
template <class T>
void depthwise_narrow(const T* wide, std::size_t pixels, int channels, int multiplier, T* dx) {
    for (std::size_t i = 0; i < pixels * channels; ++i, wide += multiplier) {
        T sum = 0;
        for (int m = 0; m < multiplier; ++m) sum += wide[m];
        dx[i] = sum;
    }
}

}  // namespace detail

template <class T>
DepthwiseScratch<T> depthwise_plan(const Cpu& cpu, Arena& arena, const Window2d& g, std::size_t batch) {
    DepthwiseScratch<T> s;
    const auto round = [](std::size_t e) { return (e * sizeof(T) + 63) / 64 * 64 / sizeof(T); };
    const std::size_t wide = detail::depthwise_multiplier(g) > 1 ? g.in().size() * detail::depthwise_multiplier(g) : 0;
    const std::size_t weights = static_cast<std::size_t>(g.kernel_area()) * g.out_channels;
    s.wide_gradient_offset = round(wide);
    s.dz_offset = s.wide_gradient_offset + round(wide);
    s.partial_offset = s.dz_offset + round(g.out().size());
    s.per_thread = s.partial_offset + round(weights + g.out_channels);
    s.base = arena.take<T>(s.per_thread * static_cast<std::size_t>(threads_for(cpu, batch)));
    return s;
}

// y = act(depthwise(x, w) + b) for `batch` images. b may be null (no bias).
template <class T>
void depthwise_forward(const Cpu& cpu, const DepthwiseScratch<T>& s, const Window2d& g, Activation act, const T* x,
                       const T* w, const T* b, T* y, std::size_t batch) {
    // Channels accumulated in registers: 32 floats, then 8 for the few channels of small layers.
    constexpr int block = 128 / static_cast<int>(sizeof(T)), small_block = block / 4;
    const int channels = g.in_channels, multiplier = detail::depthwise_multiplier(g), cm = g.out_channels;
    const std::size_t image_in = g.in().size(), image_out = g.out().size();
    const std::size_t pixels_in = static_cast<std::size_t>(g.rows.in) * g.cols.in;
    parallel_for(cpu, batch, [&](std::size_t begin, std::size_t end, int thread) {
        for (std::size_t n = begin; n < end; ++n) {
            const T* image = x + n * image_in;
            if (multiplier > 1) {
                detail::depthwise_widen(image, pixels_in, channels, multiplier, s.wide(thread));
                image = s.wide(thread);
            }
            T* out = y + n * image_out;
            for (int oy = 0; oy < g.rows.out; ++oy)
                for (int ox = 0; ox < g.cols.out; ++ox, out += cm) {
                    int first = 0;
                    for (; first + block <= cm; first += block)
                        detail::depthwise_pixel<block>(g, oy, ox, first, block, cm, image, w, b, out + first);
                    for (; first + small_block <= cm; first += small_block)
                        detail::depthwise_pixel<small_block>(g, oy, ox, first, small_block, cm, image, w, b,
                                                             out + first);
                    if (first < cm)
                        detail::depthwise_pixel<0>(g, oy, ox, first, cm - first, cm, image, w, b, out + first);
                }
            activate(act, y + n * image_out, y + n * image_out, image_out);
        }
    });
}

// dw += ∂L/∂w, db += ∂L/∂b (db may be null), dx = ∂L/∂x unless dx is null.
template <class T>
void depthwise_backward(const Cpu& cpu, const DepthwiseScratch<T>& s, const Window2d& g, Activation act, const T* x,
                        const T* y, const T* dy, const T* w, T* dw, T* db, T* dx, std::size_t batch) {
    const int channels = g.in_channels, multiplier = detail::depthwise_multiplier(g), cm = g.out_channels;
    const std::size_t image_in = g.in().size(), image_out = g.out().size();
    const std::size_t pixels_in = static_cast<std::size_t>(g.rows.in) * g.cols.in;
    const std::size_t weights = static_cast<std::size_t>(g.kernel_area()) * cm;
    const int threads = threads_for(cpu, batch);
    for (int t = 0; t < threads; ++t) std::fill_n(s.partial(t), weights + cm, T(0));

    parallel_for(cpu, batch, [&](std::size_t begin, std::size_t end, int thread) {
        T* __restrict partial_w = s.partial(thread);
        T* __restrict partial_b = partial_w + weights;
        for (std::size_t n = begin; n < end; ++n) {
            const T* dz = dy + n * image_out;
            if (!act.is_identity()) {
                activation_gradient(act, y + n * image_out, dz, s.dz(thread), image_out);
                dz = s.dz(thread);
            }
            const T* image = x + n * image_in;
            T* d_image = dx ? dx + n * image_in : nullptr;
            if (multiplier > 1) {
                detail::depthwise_widen(image, pixels_in, channels, multiplier, s.wide(thread));
                image = s.wide(thread);
                if (d_image) d_image = s.wide_gradient(thread);
            }
            if (d_image) std::fill_n(d_image, pixels_in * cm, T(0));
            for (int oy = 0; oy < g.rows.out; ++oy)
                for (int ox = 0; ox < g.cols.out; ++ox, dz += cm) {
                    const T* __restrict g_out = dz;
                    for (int j = 0; j < cm; ++j) partial_b[j] += g_out[j];
                    for (int ky = 0; ky < g.rows.kernel; ++ky)
                        for (int kx = 0; kx < g.cols.kernel; ++kx) {
                            int iy, ix;
                            if (!detail::depthwise_tap(g, oy, ox, ky, kx, iy, ix)) continue;
                            const std::size_t pixel = (static_cast<std::size_t>(iy) * g.cols.in + ix) * cm;
                            const std::size_t tap = static_cast<std::size_t>(ky * g.cols.kernel + kx) * cm;
                            const T* __restrict in = image + pixel;
                            T* __restrict d_w = partial_w + tap;
                            for (int j = 0; j < cm; ++j) d_w[j] += in[j] * g_out[j];
                            if (d_image) {
                                const T* __restrict k = w + tap;
                                T* __restrict d_in = d_image + pixel;
                                for (int j = 0; j < cm; ++j) d_in[j] += k[j] * g_out[j];
                            }
                        }
                }
            if (dx && multiplier > 1)
                detail::depthwise_narrow(s.wide_gradient(thread), pixels_in, channels, multiplier, dx + n * image_in);
        }
    });

    for (int t = 0; t < threads; ++t) {
        const T* partial = s.partial(t);
        for (std::size_t i = 0; i < weights; ++i) dw[i] += partial[i];
        if (db)
            for (int j = 0; j < cm; ++j) db[j] += partial[weights + j];
    }
}

}  // namespace latentlab::cpu
