#pragma once
// CPU kernels of ConvTranspose2d. A transposed convolution is the backward-data pass of the
// forward convolution whose *input* is the transposed one's output, so the kernels take
// that convolution's Window2d g (g.in() = our output, g.out() = our input) and reuse its
// im2col/col2im pair:
//   forward:  col[pixels_in, K·K·Cout] = x[pixels_in, Cin] · Wᵀ, then y = col2im(col);
//   backward: col = im2col(dz); dW += colᵀ · x; dx = col · W.
// The weight [K, K, Cout, Cin] is that convolution's HWIO weight, a row-major
// (K·K·Cout)×Cin matrix. One chunk of images is one GEMM, OpenMP over chunks, per-thread
// scratch (col, dz, partial gradients, GEMM packing) from the workspace.
#include <algorithm>
#include <cstddef>

#include "latentlab/backend/cpu/conv.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/backend/cpu/elementwise.hpp"
#include "latentlab/backend/cpu/gemm.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/core/workspace.hpp"

namespace latentlab::cpu {

template <class T>
ConvScratch<T> conv_transpose2d_plan(const Cpu& cpu, Arena& arena, const Window2d& g, std::size_t batch) {
    ConvScratch<T> s;
    const std::size_t pixels = static_cast<std::size_t>(g.rows.out) * g.cols.out;  // of our input
    const std::size_t depth = static_cast<std::size_t>(g.kernel_area()) * g.in_channels;
    const std::size_t cin = static_cast<std::size_t>(g.out_channels);
    const std::size_t cout = static_cast<std::size_t>(g.in_channels);
    s.chunk = images_per_chunk(pixels, batch);
    const auto rows = static_cast<std::ptrdiff_t>(s.chunk * pixels);
    const auto k = static_cast<std::ptrdiff_t>(depth), n = static_cast<std::ptrdiff_t>(cin);
    const std::size_t gemm = std::max({gemm_scratch_elements<T>({rows, k, n}), gemm_scratch_elements<T>({k, n, rows}),
                                       gemm_scratch_elements<T>({rows, n, k})});
    const auto round = [](std::size_t e) { return (e * sizeof(T) + 63) / 64 * 64 / sizeof(T); };
    s.dz_offset = round(g.is_pointwise() ? 0 : s.chunk * pixels * depth);
    s.partial_offset = s.dz_offset + round(s.chunk * g.in().size());
    s.gemm_offset = s.partial_offset + round(depth * cin + cout);
    s.per_thread = s.gemm_offset + round(gemm);
    const int threads = threads_for(cpu, (batch + s.chunk - 1) / s.chunk);
    s.base = arena.take<T>(s.per_thread * static_cast<std::size_t>(threads));
    return s;
}

// y = act(conv_transpose(x, w) + b) for `batch` images. b may be null (no bias).
template <class T>
void conv_transpose2d_forward(const Cpu& cpu, const ConvScratch<T>& s, const Window2d& g, Activation act,
                              const T* x, const T* w, const T* b, T* y, std::size_t batch) {
    const std::size_t pixels = static_cast<std::size_t>(g.rows.out) * g.cols.out;
    const auto depth = static_cast<std::ptrdiff_t>(g.kernel_area() * g.in_channels);
    const auto cin = static_cast<std::ptrdiff_t>(g.out_channels);
    const auto cout = static_cast<std::ptrdiff_t>(g.in_channels);
    const std::size_t image_out = g.in().size();
    for_each_chunk(cpu, batch, s.chunk, [&](std::size_t first, std::size_t count, int thread) {
        const T* in = x + first * pixels * static_cast<std::size_t>(cin);
        T* out = y + first * image_out;
        const auto rows = static_cast<std::ptrdiff_t>(count * pixels);
        if (g.is_pointwise()) {
            gemm<T>({rows, depth, cin}, Transpose::no, in, cin, Transpose::yes, w, cin, out, depth, T(1), false,
                    s.gemm(thread));
        } else {
            gemm<T>({rows, depth, cin}, Transpose::no, in, cin, Transpose::yes, w, cin, s.col(thread), depth, T(1),
                    false, s.gemm(thread));
            col2im(g, s.col(thread), count, out);
        }
        const std::size_t values = count * image_out;
        if (b)
            for (std::size_t i = 0; i < values; i += static_cast<std::size_t>(cout))
                for (std::ptrdiff_t c = 0; c < cout; ++c) out[i + c] += b[c];
        activate(act, out, out, values);
    });
}

// dw += ∂L/∂w, db += ∂L/∂b (db may be null), dx = ∂L/∂x unless dx is null.
template <class T>
void conv_transpose2d_backward(const Cpu& cpu, const ConvScratch<T>& s, const Window2d& g, Activation act,
                               const T* x, const T* y, const T* dy, const T* w, T* dw, T* db, T* dx,
                               std::size_t batch) {
    const std::size_t pixels = static_cast<std::size_t>(g.rows.out) * g.cols.out;
    const auto depth = static_cast<std::ptrdiff_t>(g.kernel_area() * g.in_channels);
    const auto cin = static_cast<std::ptrdiff_t>(g.out_channels);
    const auto cout = static_cast<std::ptrdiff_t>(g.in_channels);
    const std::size_t image_out = g.in().size();
    const std::size_t partial_size = static_cast<std::size_t>(depth * cin + cout);
    const int threads = threads_for(cpu, (batch + s.chunk - 1) / s.chunk);
    for (int t = 0; t < threads; ++t) std::fill_n(s.partial(t), partial_size, T(0));

    for_each_chunk(cpu, batch, s.chunk, [&](std::size_t first, std::size_t count, int thread) {
        const auto rows = static_cast<std::ptrdiff_t>(count * pixels);
        const std::size_t values = count * image_out;
        const T* dz = dy + first * image_out;
        if (!act.is_identity()) {
            activation_gradient(act, y + first * image_out, dz, s.dz(thread), values);
            dz = s.dz(thread);
        }
        T* partial_w = s.partial(thread);
        T* partial_b = partial_w + depth * cin;
        for (std::size_t i = 0; i < values; i += static_cast<std::size_t>(cout))
            for (std::ptrdiff_t c = 0; c < cout; ++c) partial_b[c] += dz[i + c];
        const T* col = dz;
        if (!g.is_pointwise()) {
            im2col(g, dz, count, s.col(thread));
            col = s.col(thread);
        }
        const T* in = x + first * pixels * static_cast<std::size_t>(cin);
        gemm<T>({depth, cin, rows}, Transpose::yes, col, depth, Transpose::no, in, cin, partial_w, cin, T(1), true,
                s.gemm(thread));
        if (dx)
            gemm<T>({rows, cin, depth}, Transpose::no, col, depth, Transpose::no, w, cin,
                    dx + first * pixels * static_cast<std::size_t>(cin), cin, T(1), false, s.gemm(thread));
    });

    for (int t = 0; t < threads; ++t) {
        const T* partial = s.partial(t);
        for (std::ptrdiff_t i = 0; i < depth * cin; ++i) dw[i] += partial[i];
        if (db)
            for (std::ptrdiff_t c = 0; c < cout; ++c) db[c] += partial[depth * cin + c];
    }
}

}  // namespace latentlab::cpu
