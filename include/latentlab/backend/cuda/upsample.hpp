#pragma once
// Upsample on the GPU, as backend/cpu/upsample.hpp: nearest (each pixel repeated factor ×
// factor times) and bilinear with half-pixel centres. Backward overwrites dx.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/upsample.hpp"
#include "latentlab/core/shape.hpp"

namespace latentlab::cuda {

namespace detail {
// Runs `function` of the upsample kernels over `values` values (output or input ones).
template <RunsKernels B>
void run_upsample(const B& gpu, const char* function, Dims in, int factor, const float* from, float* to,
                  std::size_t values) {
    launch(gpu, upsample_kernels, function, values, from, to, in.height, in.width, in.channels, factor,
           static_cast<std::int64_t>(values));
}
}  // namespace detail

template <class T, RunsKernels B>
void upsample_nearest_forward(const B& gpu, Dims in, int factor, const T* x, T* y, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t area = static_cast<std::size_t>(factor) * static_cast<std::size_t>(factor);
    detail::run_upsample(gpu, "upsample_nearest_forward", in, factor, x, y, in.size() * area * batch);
}

// dx = the sum of dy over each factor × factor block.
template <class T, RunsKernels B>
void upsample_nearest_backward(const B& gpu, Dims in, int factor, const T* dy, T* dx, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    detail::run_upsample(gpu, "upsample_nearest_backward", in, factor, dy, dx, in.size() * batch);
}

template <class T, RunsKernels B>
void upsample_bilinear_forward(const B& gpu, Dims in, int factor, const T* x, T* y, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t area = static_cast<std::size_t>(factor) * static_cast<std::size_t>(factor);
    detail::run_upsample(gpu, "upsample_bilinear_forward", in, factor, x, y, in.size() * area * batch);
}

// The adjoint of the forward: each dy spreads over its four source pixels with the same weights.
template <class T, RunsKernels B>
void upsample_bilinear_backward(const B& gpu, Dims in, int factor, const T* dy, T* dx, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    detail::run_upsample(gpu, "upsample_bilinear_backward", in, factor, dy, dx, in.size() * batch);
}

}  // namespace latentlab::cuda
