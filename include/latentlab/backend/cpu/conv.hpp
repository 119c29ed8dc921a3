#pragma once
// CPU kernels of Conv2d (and, through the same im2col/col2im pair, ConvTranspose2d).
// A Conv2d layer plans with its compile-time geometry (conv2d_plan<T, geometry>, at the
// end): stride-1 undilated convolutions run the direct kernels of conv_direct.hpp (but
// for tiny images), the others (and pointwise steps planned at run time) im2col + GEMM.
// NHWC input, weights [KH, KW, Cin, Cout] = a row-major (KH·KW·Cin)×Cout matrix, so one
// chunk of images is one GEMM: Y[pixels, Cout] = col[pixels, KH·KW·Cin] · W. Pointwise
// convolutions skip im2col (the NHWC input already is the col matrix). Each thread owns its
// slice of the workspace: col buffer, dZ buffer, partial weight gradients, GEMM packing.
#include <algorithm>
#include <cstddef>

#include "latentlab/backend/cpu/conv_direct.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/backend/cpu/elementwise.hpp"
#include "latentlab/backend/cpu/gemm.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/core/workspace.hpp"

namespace latentlab::cpu {

// Unfolds `count` images into rows of KH·KW·Cin values (zeros where the window hangs over
// the padding).
template <class T>
void im2col(const Window2d& g, const T* x, std::size_t count, T* col) {
    const int cin = g.in_channels;
    const std::size_t image_in = g.in().size();
    for (std::size_t n = 0; n < count; ++n) {
        const T* image = x + n * image_in;
        for (int oy = 0; oy < g.rows.out; ++oy)
            for (int ox = 0; ox < g.cols.out; ++ox) {
                for (int ky = 0; ky < g.rows.kernel; ++ky) {
                    const int iy = oy * g.rows.stride - g.rows.pad_before + ky * g.rows.dilation;
                    for (int kx = 0; kx < g.cols.kernel; ++kx) {
                        const int ix = ox * g.cols.stride - g.cols.pad_before + kx * g.cols.dilation;
                        if (iy < 0 || iy >= g.rows.in || ix < 0 || ix >= g.cols.in)
                            std::fill_n(col, cin, T(0));
                        else
                            std::copy_n(image + (static_cast<std::size_t>(iy) * g.cols.in + ix) * cin, cin, col);
                        col += cin;
                    }
                }
            }
    }
}

// The adjoint of im2col: dx = Σ over windows of their col rows (dx overwritten).
template <class T>
void col2im(const Window2d& g, const T* col, std::size_t count, T* dx) {
    const int cin = g.in_channels;
    const std::size_t image_in = g.in().size();
    std::fill_n(dx, count * image_in, T(0));
    for (std::size_t n = 0; n < count; ++n) {
        T* image = dx + n * image_in;
        for (int oy = 0; oy < g.rows.out; ++oy)
            for (int ox = 0; ox < g.cols.out; ++ox)
                for (int ky = 0; ky < g.rows.kernel; ++ky) {
                    const int iy = oy * g.rows.stride - g.rows.pad_before + ky * g.rows.dilation;
                    for (int kx = 0; kx < g.cols.kernel; ++kx, col += cin) {
                        const int ix = ox * g.cols.stride - g.cols.pad_before + kx * g.cols.dilation;
                        if (iy < 0 || iy >= g.rows.in || ix < 0 || ix >= g.cols.in) continue;
                        T* target = image + (static_cast<std::size_t>(iy) * g.cols.in + ix) * cin;
                        for (int c = 0; c < cin; ++c) target[c] += col[c];
                    }
                }
    }
}

// Where each thread's scratch lives, planned once per batch size.
template <class T>
struct ConvScratch {
    T* base = nullptr;
    std::size_t per_thread = 0;
    std::size_t chunk = 1;  // images per GEMM
    std::size_t dz_offset = 0, partial_offset = 0, gemm_offset = 0;

    T* col(int thread) const { return base + thread * per_thread; }
    T* dz(int thread) const { return col(thread) + dz_offset; }
    T* partial(int thread) const { return col(thread) + partial_offset; }
    T* gemm(int thread) const { return col(thread) + gemm_offset; }
};

template <class T>
ConvScratch<T> conv2d_plan(const Cpu& cpu, Arena& arena, const Window2d& g, std::size_t batch) {
    ConvScratch<T> s;
    const std::size_t pixels = static_cast<std::size_t>(g.rows.out) * g.cols.out;
    const std::size_t depth = static_cast<std::size_t>(g.kernel_area()) * g.in_channels;
    const std::size_t cout = static_cast<std::size_t>(g.out_channels);
    s.chunk = images_per_chunk(pixels, batch);
    const auto rows = static_cast<std::ptrdiff_t>(s.chunk * pixels);
    const auto k = static_cast<std::ptrdiff_t>(depth), n = static_cast<std::ptrdiff_t>(cout);
    const std::size_t gemm = std::max({gemm_scratch_elements<T>({rows, n, k}), gemm_scratch_elements<T>({k, n, rows}),
                                       gemm_scratch_elements<T>({rows, k, n})});
    const auto round = [](std::size_t e) { return (e * sizeof(T) + 63) / 64 * 64 / sizeof(T); };
    s.dz_offset = round(g.is_pointwise() ? 0 : s.chunk * pixels * depth);
    s.partial_offset = s.dz_offset + round(s.chunk * pixels * cout);
    s.gemm_offset = s.partial_offset + round(depth * cout + cout);
    s.per_thread = s.gemm_offset + round(gemm);
    const int threads = threads_for(cpu, (batch + s.chunk - 1) / s.chunk);
    s.base = arena.take<T>(s.per_thread * static_cast<std::size_t>(threads));
    return s;
}

// y = act(conv(x, w) + b) for `batch` images. b may be null (no bias).
template <class T>
void conv2d_forward(const Cpu& cpu, const ConvScratch<T>& s, const Window2d& g, Activation act, const T* x,
                    const T* w, const T* b, T* y, std::size_t batch) {
    const std::size_t pixels = static_cast<std::size_t>(g.rows.out) * g.cols.out;
    const auto depth = static_cast<std::ptrdiff_t>(g.kernel_area() * g.in_channels);
    const auto cout = static_cast<std::ptrdiff_t>(g.out_channels);
    for_each_chunk(cpu, batch, s.chunk, [&](std::size_t first, std::size_t count, int thread) {
        const T* col = x + first * g.in().size();
        if (!g.is_pointwise()) {
            im2col(g, col, count, s.col(thread));
            col = s.col(thread);
        }
        T* out = y + first * pixels * cout;
        const auto rows = static_cast<std::ptrdiff_t>(count * pixels);
        gemm<T>({rows, cout, depth}, Transpose::no, col, depth, Transpose::no, w, cout, out, cout, T(1), false,
                s.gemm(thread));
        if (b)
            for (std::ptrdiff_t r = 0; r < rows; ++r)
                for (std::ptrdiff_t c = 0; c < cout; ++c) out[r * cout + c] += b[c];
        activate(act, out, out, static_cast<std::size_t>(rows * cout));
    });
}

// dw += ∂L/∂w, db += ∂L/∂b (db may be null), dx = ∂L/∂x unless dx is null.
template <class T>
void conv2d_backward(const Cpu& cpu, const ConvScratch<T>& s, const Window2d& g, Activation act, const T* x,
                     const T* y, const T* dy, const T* w, T* dw, T* db, T* dx, std::size_t batch) {
    const std::size_t pixels = static_cast<std::size_t>(g.rows.out) * g.cols.out;
    const auto depth = static_cast<std::ptrdiff_t>(g.kernel_area() * g.in_channels);
    const auto cout = static_cast<std::ptrdiff_t>(g.out_channels);
    const std::size_t partial_size = static_cast<std::size_t>(depth * cout + cout);
    const int threads = threads_for(cpu, (batch + s.chunk - 1) / s.chunk);
    for (int t = 0; t < threads; ++t) std::fill_n(s.partial(t), partial_size, T(0));

    for_each_chunk(cpu, batch, s.chunk, [&](std::size_t first, std::size_t count, int thread) {
        const auto rows = static_cast<std::ptrdiff_t>(count * pixels);
        const std::size_t out_offset = first * pixels * static_cast<std::size_t>(cout);
        const T* dz = dy + out_offset;
        if (!act.is_identity()) {
            activation_gradient(act, y + out_offset, dz, s.dz(thread), static_cast<std::size_t>(rows * cout));
            dz = s.dz(thread);
        }
        const T* col = x + first * g.in().size();
        if (!g.is_pointwise()) {
            im2col(g, col, count, s.col(thread));
            col = s.col(thread);
        }
        T* partial_w = s.partial(thread);
        T* partial_b = partial_w + depth * cout;
        gemm<T>({depth, cout, rows}, Transpose::yes, col, depth, Transpose::no, dz, cout, partial_w, cout, T(1), true,
                s.gemm(thread));
        for (std::ptrdiff_t r = 0; r < rows; ++r)
            for (std::ptrdiff_t c = 0; c < cout; ++c) partial_b[c] += dz[r * cout + c];
        if (!dx) return;
        T* dx_chunk = dx + first * g.in().size();
        if (g.is_pointwise()) {
            gemm<T>({rows, depth, cout}, Transpose::no, dz, cout, Transpose::yes, w, cout, dx_chunk, depth, T(1),
                    false, s.gemm(thread));
        } else {
            gemm<T>({rows, depth, cout}, Transpose::no, dz, cout, Transpose::yes, w, cout, s.col(thread), depth, T(1),
                    false, s.gemm(thread));
            col2im(g, s.col(thread), count, dx_chunk);
        }
    });

    for (int t = 0; t < threads; ++t) {
        const T* partial = s.partial(t);
        for (std::ptrdiff_t i = 0; i < depth * cout; ++i) dw[i] += partial[i];
        if (db)
            for (std::ptrdiff_t c = 0; c < cout; ++c) db[c] += partial[depth * cout + c];
    }
}

// The scratch of a convolution known at compile time; its type picks the kernels that
// conv2d_forward and conv2d_backward run.
template <class T, Window2d G>
auto conv2d_plan(const Cpu& cpu, Arena& arena, std::size_t batch) {
    if constexpr (direct_conv_preferred(G))
        return conv2d_direct_plan<T, G.rows.kernel, G.in_channels, G.out_channels>(cpu, arena, G, batch);
    else
        return conv2d_plan<T>(cpu, arena, G, batch);
}

}  // namespace latentlab::cpu
