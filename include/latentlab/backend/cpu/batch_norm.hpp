#pragma once
// CPU kernels of BatchNorm2d. Per-channel reductions run over the batch in parallel, each
// thread summing its images into its own row of double accumulators (float sums over
// millions of pixels would lose digits), and the rows are added in thread order, so a result
// depends only on the thread count. The variance is computed in a second pass around the
// mean (no E[x²] − E[x]² cancellation), and y = (x − mean)·scale + beta keeps the
// subtraction before the scaling for the same reason.
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/workspace.hpp"

namespace latentlab::cpu {

template <class T>
struct BatchNormScratch {
    T* mean = nullptr;          // [C] the mean the last forward subtracted (batch or running)
    T* inv_std = nullptr;       // [C] 1 / sqrt(var + epsilon) of the last forward
    T* scale = nullptr;         // [C] gamma · inv_std
    double* partial = nullptr;  // [threads][2C] per-thread sums
    double* total = nullptr;    // [2C]
    int threads = 1;
};

template <class T>
BatchNormScratch<T> batch_norm_plan(const Cpu& cpu, Arena& arena, int channels, std::size_t batch) {
    BatchNormScratch<T> s;
    const auto c = static_cast<std::size_t>(channels);
    s.threads = threads_for(cpu, batch);
    s.mean = arena.take<T>(c);
    s.inv_std = arena.take<T>(c);
    s.scale = arena.take<T>(c);
    s.partial = arena.take<double>(2 * c * static_cast<std::size_t>(s.threads));
    s.total = arena.take<double>(2 * c);
    return s;
}

namespace detail {
// total[0, 2C) = Σ over every pixel of the batch of what add(pixel_offset, sums) adds to sums.
template <class T, class Add>
void channel_sums(const Cpu& cpu, const BatchNormScratch<T>& s, int channels, std::size_t pixels,
                  std::size_t batch, Add&& add) {
    const std::size_t width = 2 * static_cast<std::size_t>(channels);
    const int threads = threads_for(cpu, batch);
    std::fill_n(s.partial, width * static_cast<std::size_t>(threads), 0.0);
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int thread) {
        double* sums = s.partial + width * static_cast<std::size_t>(thread);
        for (std::size_t p = begin * pixels; p < end * pixels; ++p) add(p * channels, sums);
    });
    std::fill_n(s.total, width, 0.0);
    for (int t = 0; t < threads; ++t)
        for (std::size_t i = 0; i < width; ++i) s.total[i] += s.partial[width * static_cast<std::size_t>(t) + i];
}

// y = (x − mean)·scale + beta over the batch.
template <class T>
void normalize(const Cpu& cpu, const BatchNormScratch<T>& s, int channels, std::size_t pixels, const T* x,
               const T* beta, T* y, std::size_t batch) {
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t p = begin * pixels; p < end * pixels; ++p) {
            const T* in = x + p * channels;
            T* out = y + p * channels;
            for (int c = 0; c < channels; ++c) out[c] = (in[c] - s.mean[c]) * s.scale[c] + beta[c];
        }
    });
}
}  // namespace detail

// Training: normalizes with the batch's mean and biased variance over N·H·W, and moves the
// running statistics towards the batch's (running = (1 − momentum)·running + momentum·batch,
// the variance unbiased, as PyTorch). Evaluation: normalizes with the running statistics.
// Saves mean, inv_std and scale in s for backward.
template <class T>
void batch_norm_forward(const Cpu& cpu, const BatchNormScratch<T>& s, int channels, std::size_t pixels,
                        bool training, double epsilon, double momentum, const T* x, const T* gamma, const T* beta,
                        T* running_mean, T* running_var, T* y, std::size_t batch) {
    if (training) {
        const double count = static_cast<double>(batch * pixels);
        detail::channel_sums(cpu, s, channels, pixels, batch, [=](std::size_t at, double* sums) {
            for (int c = 0; c < channels; ++c) sums[c] += static_cast<double>(x[at + c]);
        });
        // The second pass centres on this mean rounded to T; it also sums the deviations, which
        // gives the rounding's correction exactly.
        for (int c = 0; c < channels; ++c) s.mean[c] = static_cast<T>(s.total[c] / count);
        detail::channel_sums(cpu, s, channels, pixels, batch, [=](std::size_t at, double* sums) {
            for (int c = 0; c < channels; ++c) {
                const double d = static_cast<double>(x[at + c]) - static_cast<double>(s.mean[c]);
                sums[c] += d;
                sums[channels + c] += d * d;
            }
        });
        for (int c = 0; c < channels; ++c) {
            // Σ(x − m')² = Σ(x − m)² + M(m − m')² and Σ(x − m') = M(m − m') for the rounded m'.
            const double shift = s.total[c] / count;
            const double variance = std::max(s.total[channels + c] / count - shift * shift, 0.0);
            const double batch_mean = static_cast<double>(s.mean[c]) + shift;
            s.mean[c] = static_cast<T>(batch_mean);
            s.inv_std[c] = static_cast<T>(1.0 / std::sqrt(variance + epsilon));
            s.scale[c] = gamma[c] * s.inv_std[c];
            const double unbiased = count > 1 ? variance * count / (count - 1) : variance;
            running_mean[c] = static_cast<T>((1 - momentum) * static_cast<double>(running_mean[c]) + momentum * batch_mean);
            running_var[c] = static_cast<T>((1 - momentum) * static_cast<double>(running_var[c]) + momentum * unbiased);
        }
    } else {
        for (int c = 0; c < channels; ++c) {
            s.mean[c] = running_mean[c];
            s.inv_std[c] = static_cast<T>(1.0 / std::sqrt(static_cast<double>(running_var[c]) + epsilon));
            s.scale[c] = gamma[c] * s.inv_std[c];
        }
    }
    detail::normalize(cpu, s, channels, pixels, x, beta, y, batch);
}

// dgamma += Σ dy·x̂, dbeta += Σ dy (x̂ = (x − mean)·inv_std of the forward), and, unless dx is
// null, dx = scale·(dy − Σdy/M − x̂·Σ(dy·x̂)/M) in training (the batch statistics depend on x),
// dx = scale·dy in evaluation.
template <class T>
void batch_norm_backward(const Cpu& cpu, const BatchNormScratch<T>& s, int channels, std::size_t pixels,
                         bool training, const T* x, const T* dy, T* dgamma, T* dbeta, T* dx, std::size_t batch) {
    detail::channel_sums(cpu, s, channels, pixels, batch, [=](std::size_t at, double* sums) {
        for (int c = 0; c < channels; ++c) {
            const double g = static_cast<double>(dy[at + c]);
            sums[c] += g;
            sums[channels + c] += g * static_cast<double>((x[at + c] - s.mean[c]) * s.inv_std[c]);
        }
    });
    for (int c = 0; c < channels; ++c) {
        dbeta[c] += static_cast<T>(s.total[c]);
        dgamma[c] += static_cast<T>(s.total[channels + c]);
    }
    if (!dx) return;
    const double count = static_cast<double>(batch * pixels);
    const double* sum_dy = s.total;
    const double* sum_dy_xhat = s.total + channels;
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t p = begin * pixels; p < end * pixels; ++p) {
            const std::size_t at = p * channels;
            if (training) {
                for (int c = 0; c < channels; ++c) {
                    const T xhat = (x[at + c] - s.mean[c]) * s.inv_std[c];
                    dx[at + c] = s.scale[c] * (dy[at + c] - static_cast<T>(sum_dy[c] / count) -
                                               xhat * static_cast<T>(sum_dy_xhat[c] / count));
                }
            } else {
                for (int c = 0; c < channels; ++c) dx[at + c] = s.scale[c] * dy[at + c];
            }
        }
    });
}

}  // namespace latentlab::cpu
