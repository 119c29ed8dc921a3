#pragma once
// MaxPool2d, AvgPool2d and GlobalAvgPool on the GPU, as backend/cpu/pool.hpp: windows clipped
// to the real rows and columns they cover, argmax as the int32 index (y·W + x)·C + c inside
// each image. Backward overwrites dx, and is a gather (race-free and deterministic also for
// overlapping windows).
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/pool.hpp"
#include "latentlab/core/window.hpp"

namespace latentlab::cuda {

namespace detail {
// Runs `function` of the pool kernels over `values` values with the window's geometry after
// the data pointers, in the kernels' order.
template <RunsKernels B, class... Pointers>
void run_window_pool(const B& gpu, const char* function, const Window2d& g, std::size_t values,
                     const Pointers&... data) {
    launch(gpu, pool_kernels, function, values, data..., g.rows.in, g.cols.in, g.in_channels, g.rows.out,
           g.cols.out, g.rows.kernel, g.cols.kernel, g.rows.stride, g.cols.stride, g.rows.pad_before,
           g.cols.pad_before, static_cast<std::int64_t>(values));
}
}  // namespace detail

// y = max over each window; argmax[o] = the index (y·W + x)·C + c of that maximum inside its
// image (ties keep the first maximum in row-major window order; a NaN wins and stays).
template <class T, RunsKernels B>
void max_pool_forward(const B& gpu, const Window2d& g, const T* x, T* y, std::int32_t* argmax, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    detail::run_window_pool(gpu, "max_pool_forward", g, g.out().size() * batch, x, y, argmax);
}

// dx[i] = Σ dy[o] over the outputs o whose argmax is i.
template <class T, RunsKernels B>
void max_pool_backward(const B& gpu, const Window2d& g, const T* dy, const std::int32_t* argmax, T* dx,
                       std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    detail::run_window_pool(gpu, "max_pool_backward", g, g.in().size() * batch, dy, argmax, dx);
}

// y = mean of the real elements of each window.
template <class T, RunsKernels B>
void avg_pool_forward(const B& gpu, const Window2d& g, const T* x, T* y, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    detail::run_window_pool(gpu, "avg_pool_forward", g, g.out().size() * batch, x, y);
}

// dx = Σ over the windows holding each element of dy / (that window's real count).
template <class T, RunsKernels B>
void avg_pool_backward(const B& gpu, const Window2d& g, const T* dy, T* dx, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    detail::run_window_pool(gpu, "avg_pool_backward", g, g.in().size() * batch, dy, dx);
}

// y[n, c] = mean over the pixels of image n, channel c (accumulated in double).
template <class T, RunsKernels B>
void global_avg_pool_forward(const B& gpu, const T* x, T* y, std::size_t pixels, int channels, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t n = batch * static_cast<std::size_t>(channels);
    launch(gpu, pool_kernels, "global_avg_pool_forward", n, x, y, static_cast<std::int64_t>(pixels), channels,
           static_cast<std::int64_t>(n));
}

template <class T, RunsKernels B>
void global_avg_pool_backward(const B& gpu, const T* dy, T* dx, std::size_t pixels, int channels,
                              std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t n = batch * pixels * static_cast<std::size_t>(channels);
    const T scale = T(1) / static_cast<T>(pixels);
    launch(gpu, pool_kernels, "global_avg_pool_backward", n, dy, dx, static_cast<std::int64_t>(pixels), channels,
           scale, static_cast<std::int64_t>(n));
}

}  // namespace latentlab::cuda
