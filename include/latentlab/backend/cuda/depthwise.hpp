#pragma once
// DepthwiseConv2d (and SeparableConv2d's depthwise half) on the GPU: the operations of
// backend/cpu/depthwise.hpp with the same names, arguments and results. Forward and dx are
// one thread per output or input element (dx gathers over the output pixels that read each
// input, so no two threads write the same value); the weight and bias gradients are one
// two-pass reduction over the output pixels with the bias as an extra tap.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/depthwise.hpp"
#include "latentlab/backend/cuda/reduction.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/core/workspace.hpp"
#include "latentlab/layers/activation.hpp"

namespace latentlab::cuda {

template <class T>
struct DepthwiseScratch {
    T* partial = nullptr;  // [chunks][(K·K + 1)·C·M] pass-1 sums of the weight and bias gradients
    std::size_t chunks = 0;
};

namespace detail {
// Launches a depthwise kernel: args, then the window's geometry in the kernels' order.
template <RunsKernels B, class... Args>
void launch_depthwise(const B& gpu, const char* function, std::size_t count, const Window2d& g,
                      const Args&... args) {
    launch(gpu, depthwise_kernels, function, count, args..., g.rows.in, g.cols.in, g.in_channels,
           g.out_channels / g.in_channels, g.rows.out, g.cols.out, g.rows.kernel, g.cols.kernel, g.rows.stride,
           g.cols.stride, g.rows.dilation, g.cols.dilation, g.rows.pad_before, g.cols.pad_before);
}
}  // namespace detail

template <class T, RunsKernels B>
DepthwiseScratch<T> depthwise_plan(const B&, Arena& arena, const Window2d& g, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t columns =
        static_cast<std::size_t>(g.kernel_area() + 1) * static_cast<std::size_t>(g.out_channels);
    const std::size_t positions = batch * static_cast<std::size_t>(g.rows.out) * static_cast<std::size_t>(g.cols.out);
    DepthwiseScratch<T> s;
    s.chunks = reduction_chunks(positions, columns);
    s.partial = arena.take<T>(s.chunks * columns);
    return s;
}

// y = act(depthwise(x, w) + b) for `batch` images. b may be null (no bias).
template <class T, RunsKernels B>
void depthwise_forward(const B& gpu, const DepthwiseScratch<T>&, const Window2d& g, Activation act, const T* x,
                       const T* w, const T* b, T* y, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t total = batch * g.out().size();
    detail::launch_depthwise(gpu, "depthwise_output", total, g, x, w, b, y, static_cast<std::int64_t>(total),
                             static_cast<int>(act.kind), static_cast<float>(act.alpha));
}

// dw += ∂L/∂w, db += ∂L/∂b (db may be null), dx = ∂L/∂x unless dx is null.
template <class T, RunsKernels B>
void depthwise_backward(const B& gpu, const DepthwiseScratch<T>& s, const Window2d& g, Activation act, const T* x,
                        const T* y, const T* dy, const T* w, T* dw, T* db, T* dx, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const int kind = static_cast<int>(act.kind);
    const auto alpha = static_cast<float>(act.alpha);
    if (dx) {
        const std::size_t total = batch * g.in().size();
        detail::launch_depthwise(gpu, "depthwise_input_gradient", total, g, y, dy, w, dx,
                                 static_cast<std::int64_t>(total), kind, alpha);
    }
    const std::size_t positions = batch * static_cast<std::size_t>(g.rows.out) * static_cast<std::size_t>(g.cols.out);
    const std::size_t chunks = std::min(s.chunks, positions);
    if (chunks == 0) return;
    const int taps = g.kernel_area() + (db ? 1 : 0);
    const std::size_t columns = static_cast<std::size_t>(taps) * static_cast<std::size_t>(g.out_channels);
    detail::launch_depthwise(gpu, "depthwise_parameter_gradient_partial", chunks * columns, g, x, y, dy, s.partial,
                             static_cast<std::int64_t>(positions), static_cast<std::int64_t>(chunks * columns), taps,
                             kind, alpha);
    launch(gpu, depthwise_kernels, "depthwise_parameter_gradient_total", columns, s.partial, dw, db,
           static_cast<std::int64_t>(columns), static_cast<int>(chunks), g.kernel_area() * g.out_channels);
}

}  // namespace latentlab::cuda
