#pragma once
// Element-wise operations on the GPU, as backend/cpu/elementwise.hpp and activations.hpp:
// Flatten's copy, Residual's sum (the add of backend/cpu/concat.hpp) and the activation
// layers. The activations' gradient is the "bias" family's (bias.hpp), which the cuDNN
// convolutions and Dense use as well.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "latentlab/backend/cuda/bias.hpp"
#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/elementwise.hpp"
#include "latentlab/layers/activation.hpp"

namespace latentlab::cuda {

// to[0, n) = from[0, n).
template <class T, RunsKernels B>
void copy_values(const B& gpu, const T* from, std::size_t n, T* to) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    launch(gpu, elementwise_kernels, "copy_values", n, from, to, static_cast<std::int64_t>(n));
}

// y = a + b, elementwise.
template <class T, RunsKernels B>
void add(const B& gpu, const T* a, const T* b, T* y, std::size_t n) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    launch(gpu, elementwise_kernels, "add", n, a, b, y, static_cast<std::int64_t>(n));
}

template <class T, RunsKernels B>
void activation_forward(const B& gpu, Activation a, const T* x, T* y, std::size_t image_size, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t n = image_size * batch;
    launch(gpu, elementwise_kernels, "activation_forward", n, x, y, static_cast<std::int64_t>(n),
           static_cast<int>(a.kind), static_cast<float>(a.alpha));
}

// dx = dy ⊙ f'(x), f' read off the output y.
template <class T, RunsKernels B>
void activation_backward(const B& gpu, Activation a, const T* y, const T* dy, T* dx, std::size_t image_size,
                         std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    activation_gradient(gpu, a, y, dy, dx, image_size * batch);
}

}  // namespace latentlab::cuda
