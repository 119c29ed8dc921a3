#pragma once
// CPU kernels of DepthwiseConv2d (and of SeparableConv2d's depthwise half). NHWC input with
// C channels, weights [KH, KW, C, M], output channel c·M + m. A direct loop rather than
// im2col + GEMM: each input channel meets only its own M filters, so a GEMM would be C tiny
// products. The innermost loop runs over the C·M contiguous output channels of one pixel
// and vectorizes; OpenMP splits the batch, one image at a time. Each thread owns its slice
// of the workspace: the activation-gradient buffer of one image and partial weight/bias
// gradients, summed after the parallel loop.
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
    std::size_t partial_offset = 0;

    T* dz(int thread) const { return base + thread * per_thread; }
    T* partial(int thread) const { return dz(thread) + partial_offset; }
};

namespace detail {

// Output channels per input channel, read off a depthwise window (out = C·M).
constexpr int depthwise_multiplier(const Window2d& g) { return g.out_channels / g.in_channels; }

// out[c·M + m] += in[c] · w[c·M + m] over one pixel's channels.
template <class T>
inline void depthwise_accumulate(int channels, int multiplier, const T* __restrict in, const T* __restrict w,
                                 T* __restrict out) {
    if (multiplier == 1) {
        for (int c = 0; c < channels; ++c) out[c] += in[c] * w[c];
        return;
    }
    for (int c = 0; c < channels; ++c) {
        const T v = in[c];
        T* o = out + c * multiplier;
        const T* k = w + c * multiplier;
        for (int m = 0; m < multiplier; ++m) o[m] += v * k[m];
    }
}

// The two products of one (pixel, tap) pair in backward: dw[j] += in[c]·dz[j] and
// din[c] += Σ_m w[j]·dz[j], j = c·M + m. din may be null (no input gradient wanted).
template <class T>
inline void depthwise_accumulate_backward(int channels, int multiplier, const T* __restrict in,
                                          const T* __restrict w, const T* __restrict dz, T* __restrict dw,
                                          T* __restrict din) {
    if (multiplier == 1) {
        for (int c = 0; c < channels; ++c) dw[c] += in[c] * dz[c];
        if (din)
            for (int c = 0; c < channels; ++c) din[c] += w[c] * dz[c];
        return;
    }
    for (int c = 0; c < channels; ++c) {
        const T v = in[c];
        const T* g = dz + c * multiplier;
        const T* k = w + c * multiplier;
        T* d = dw + c * multiplier;
        T sum = 0;
        for (int m = 0; m < multiplier; ++m) {
            d[m] += v * g[m];
            sum += k[m] * g[m];
        }
        if (din) din[c] += sum;
    }
}

}  // namespace detail

template <class T>
DepthwiseScratch<T> depthwise_plan(const Cpu& cpu, Arena& arena, const Window2d& g, std::size_t batch) {
    DepthwiseScratch<T> s;
    const auto round = [](std::size_t e) { return (e * sizeof(T) + 63) / 64 * 64 / sizeof(T); };
    const std::size_t weights = static_cast<std::size_t>(g.kernel_area()) * g.out_channels;
    s.partial_offset = round(g.out().size());
    s.per_thread = s.partial_offset + round(weights + g.out_channels);
    s.base = arena.take<T>(s.per_thread * static_cast<std::size_t>(threads_for(cpu, batch)));
    return s;
}

// y = act(depthwise(x, w) + b) for `batch` images. b may be null (no bias).
template <class T>
void depthwise_forward(const Cpu& cpu, const DepthwiseScratch<T>&, const Window2d& g, Activation act, const T* x,
                       const T* w, const T* b, T* y, std::size_t batch) {
    const int channels = g.in_channels, multiplier = detail::depthwise_multiplier(g), cm = g.out_channels;
    const std::size_t image_in = g.in().size(), image_out = g.out().size();
    parallel_for(cpu, batch, [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            const T* image = x + n * image_in;
            T* out = y + n * image_out;
            for (int oy = 0; oy < g.rows.out; ++oy)
                for (int ox = 0; ox < g.cols.out; ++ox, out += cm) {
                    if (b) std::copy_n(b, cm, out);
                    else std::fill_n(out, cm, T(0));
                    for (int ky = 0; ky < g.rows.kernel; ++ky) {
                        const int iy = oy * g.rows.stride - g.rows.pad_before + ky * g.rows.dilation;
                        if (iy < 0 || iy >= g.rows.in) continue;
                        for (int kx = 0; kx < g.cols.kernel; ++kx) {
                            const int ix = ox * g.cols.stride - g.cols.pad_before + kx * g.cols.dilation;
                            if (ix < 0 || ix >= g.cols.in) continue;
                            detail::depthwise_accumulate(
                                channels, multiplier, image + (static_cast<std::size_t>(iy) * g.cols.in + ix) * channels,
                                w + static_cast<std::size_t>(ky * g.cols.kernel + kx) * cm, out);
                        }
                    }
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
    const std::size_t weights = static_cast<std::size_t>(g.kernel_area()) * cm;
    const int threads = threads_for(cpu, batch);
    for (int t = 0; t < threads; ++t) std::fill_n(s.partial(t), weights + cm, T(0));

    parallel_for(cpu, batch, [&](std::size_t begin, std::size_t end, int thread) {
        T* partial_w = s.partial(thread);
        T* partial_b = partial_w + weights;
        for (std::size_t n = begin; n < end; ++n) {
            const T* dz = dy + n * image_out;
            if (!act.is_identity()) {
                activation_gradient(act, y + n * image_out, dz, s.dz(thread), image_out);
                dz = s.dz(thread);
            }
            const T* image = x + n * image_in;
            T* d_image = dx ? dx + n * image_in : nullptr;
            if (d_image) std::fill_n(d_image, image_in, T(0));
            for (int oy = 0; oy < g.rows.out; ++oy)
                for (int ox = 0; ox < g.cols.out; ++ox, dz += cm) {
                    for (int j = 0; j < cm; ++j) partial_b[j] += dz[j];
                    for (int ky = 0; ky < g.rows.kernel; ++ky) {
                        const int iy = oy * g.rows.stride - g.rows.pad_before + ky * g.rows.dilation;
                        if (iy < 0 || iy >= g.rows.in) continue;
                        for (int kx = 0; kx < g.cols.kernel; ++kx) {
                            const int ix = ox * g.cols.stride - g.cols.pad_before + kx * g.cols.dilation;
                            if (ix < 0 || ix >= g.cols.in) continue;
                            const std::size_t pixel = (static_cast<std::size_t>(iy) * g.cols.in + ix) * channels;
                            const std::size_t tap = static_cast<std::size_t>(ky * g.cols.kernel + kx) * cm;
                            detail::depthwise_accumulate_backward(channels, multiplier, image + pixel, w + tap, dz,
                                                                  partial_w + tap,
                                                                  d_image ? d_image + pixel : nullptr);
                        }
                    }
                }
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
