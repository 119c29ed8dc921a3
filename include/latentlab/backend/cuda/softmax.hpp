#pragma once
// Softmax over the channels of each pixel on the GPU, as backend/cpu/softmax.hpp.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/softmax.hpp"

namespace latentlab::cuda {

template <class T, RunsKernels B>
void softmax_forward(const B& gpu, const T* x, T* y, std::size_t pixels, int channels, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t n = pixels * batch;
    launch(gpu, softmax_kernels, "softmax_forward", n, x, y, channels, static_cast<std::int64_t>(n));
}

template <class T, RunsKernels B>
void softmax_backward(const B& gpu, const T* y, const T* dy, T* dx, std::size_t pixels, int channels,
                      std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t n = pixels * batch;
    launch(gpu, softmax_kernels, "softmax_backward", n, y, dy, dx, channels, static_cast<std::int64_t>(n));
}

}  // namespace latentlab::cuda
