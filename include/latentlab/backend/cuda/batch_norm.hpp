#pragma once
// BatchNorm2d on the GPU: the operations of backend/cpu/batch_norm.hpp with the same names,
// arguments and results (to float rounding). Everything, the running-statistics update
// included, runs in kernels on the backend's stream, so a training step never waits for the
// host and can be captured as a CUDA graph.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/batch_norm.hpp"
#include "latentlab/backend/cuda/reduction.hpp"
#include "latentlab/core/workspace.hpp"

namespace latentlab::cuda {

template <class T>
struct BatchNormScratch {
    T* mean = nullptr;           // [C] the mean the last forward subtracted (batch or running)
    T* inv_std = nullptr;        // [C] 1 / sqrt(var + epsilon) of the last forward
    T* scale = nullptr;          // [C] gamma · inv_std
    T* gradient_means = nullptr; // [2C] Σdy / M and Σ(dy·x̂) / M of the last backward
    double* partial = nullptr;   // [2][chunks · C] pass-1 sums
    std::size_t chunks = 0;
};

// The chunk count depends on the channels alone: the pixels per image are not known here, and
// a forward on fewer rows than chunks uses fewer chunks.
template <class T, RunsKernels B>
BatchNormScratch<T> batch_norm_plan(const B&, Arena& arena, int channels, std::size_t) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    BatchNormScratch<T> s;
    const auto c = static_cast<std::size_t>(channels);
    s.chunks = reduction_chunks(std::numeric_limits<std::size_t>::max(), c);
    s.mean = arena.take<T>(c);
    s.inv_std = arena.take<T>(c);
    s.scale = arena.take<T>(c);
    s.gradient_means = arena.take<T>(2 * c);
    s.partial = arena.take<double>(2 * s.chunks * c);
    return s;
}

// Training: normalizes with the batch's mean and biased variance over N·H·W and moves the
// running statistics towards the batch's (the variance unbiased). Evaluation: normalizes with
// the running statistics. Saves mean, inv_std and scale in s for backward.
template <class T, RunsKernels B>
void batch_norm_forward(const B& gpu, const BatchNormScratch<T>& s, int channels, std::size_t pixels, bool training,
                        double epsilon, double momentum, const T* x, const T* gamma, const T* beta, T* running_mean,
                        T* running_var, T* y, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const auto c = static_cast<std::size_t>(channels);
    const std::size_t rows = batch * pixels, total = rows * c;
    if (training) {
        const std::size_t chunks = std::min(s.chunks, rows), stride = chunks * c;
        launch(gpu, batch_norm_kernels, "batch_norm_sum_partial", stride, x, s.partial,
               static_cast<std::int64_t>(total), static_cast<std::int64_t>(stride));
        launch(gpu, batch_norm_kernels, "batch_norm_mean", c, s.partial, s.mean, static_cast<int>(chunks), channels,
               static_cast<std::int64_t>(rows));
        launch(gpu, batch_norm_kernels, "batch_norm_deviation_partial", stride, x, s.mean, s.partial,
               static_cast<std::int64_t>(total), static_cast<std::int64_t>(stride), channels);
        launch(gpu, batch_norm_kernels, "batch_norm_batch_statistics", c, s.partial, gamma, s.mean, s.inv_std,
               s.scale, running_mean, running_var, static_cast<std::int64_t>(stride), static_cast<int>(chunks),
               channels, static_cast<std::int64_t>(rows), epsilon, momentum);
    } else {
        launch(gpu, batch_norm_kernels, "batch_norm_running_statistics", c, gamma, running_mean, running_var, s.mean,
               s.inv_std, s.scale, channels, epsilon);
    }
    launch(gpu, batch_norm_kernels, "batch_norm_normalize", total, x, s.mean, s.scale, beta, y,
           static_cast<std::int64_t>(total), channels);
}

// dgamma += Σ dy·x̂, dbeta += Σ dy (x̂ = (x − mean)·inv_std of the forward), and, unless dx is
// null, dx = scale·(dy − Σdy/M − x̂·Σ(dy·x̂)/M) in training, dx = scale·dy in evaluation.
template <class T, RunsKernels B>
void batch_norm_backward(const B& gpu, const BatchNormScratch<T>& s, int channels, std::size_t pixels, bool training,
                         const T* x, const T* dy, T* dgamma, T* dbeta, T* dx, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const auto c = static_cast<std::size_t>(channels);
    const std::size_t rows = batch * pixels, total = rows * c;
    const std::size_t chunks = std::min(s.chunks, rows), stride = chunks * c;
    launch(gpu, batch_norm_kernels, "batch_norm_backward_partial", stride, x, dy, s.mean, s.inv_std, s.partial,
           static_cast<std::int64_t>(total), static_cast<std::int64_t>(stride), channels);
    launch(gpu, batch_norm_kernels, "batch_norm_parameter_gradients", c, s.partial, s.gradient_means, dgamma, dbeta,
           static_cast<std::int64_t>(stride), static_cast<int>(chunks), channels, static_cast<std::int64_t>(rows));
    if (!dx) return;
    launch(gpu, batch_norm_kernels, "batch_norm_input_gradient", total, x, dy, s.mean, s.inv_std, s.scale,
           s.gradient_means, dx, static_cast<std::int64_t>(total), channels, training ? 1 : 0);
}

}  // namespace latentlab::cuda
