#pragma once
// Bias and activation on the GPU, for the layers whose main product runs in a library (cuDNN
// convolutions, cuBLAS Dense): y = act(y + bias) in place, the activation's gradient (also
// the activation layers'), and the bias gradient. Rows are NHWC pixels (or Dense's images),
// columns the channels.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/bias.hpp"
#include "latentlab/backend/cuda/reduction.hpp"
#include "latentlab/core/workspace.hpp"
#include "latentlab/layers/activation.hpp"

namespace latentlab::cuda {

// y[r, c] = act(y[r, c] + bias[c]) for r < rows, c < channels; bias may be null.
template <RunsKernels B>
void bias_activation(const B& gpu, Activation act, const float* bias, float* y, std::size_t rows, int channels) {
    if (!bias && act.is_identity()) return;
    const std::size_t total = rows * static_cast<std::size_t>(channels);
    launch(gpu, bias_kernels, "apply_bias_activation", total, bias, y, static_cast<std::int64_t>(total), channels,
           static_cast<int>(act.kind), static_cast<float>(act.alpha));
}

// dz = dy ⊙ f'(y) over n values (f' read off the output y); dz may be dy.
template <RunsKernels B>
void activation_gradient(const B& gpu, Activation act, const float* y, const float* dy, float* dz, std::size_t n) {
    if (act.is_identity() && dz == dy) return;
    launch(gpu, bias_kernels, "apply_activation_gradient", n, y, dy, dz, static_cast<std::int64_t>(n),
           static_cast<int>(act.kind), static_cast<float>(act.alpha));
}

// The pass-1 sums of bias_gradient: `chunks` × channels floats.
struct BiasGradientScratch {
    float* partial = nullptr;
    std::size_t chunks = 0;
};

template <RunsKernels B>
BiasGradientScratch bias_gradient_plan(const B&, Arena& arena, std::size_t rows, int channels) {
    BiasGradientScratch s;
    s.chunks = reduction_chunks(rows, static_cast<std::size_t>(channels));
    s.partial = arena.take<float>(s.chunks * static_cast<std::size_t>(channels));
    return s;
}

// db[c] += Σ_r dz[r, c] over r < rows. The plan fixes only the chunk count, so any row count
// may be summed with it.
template <RunsKernels B>
void bias_gradient(const B& gpu, const BiasGradientScratch& s, const float* dz, float* db, std::size_t rows,
                   int channels) {
    const std::size_t chunks = std::min(s.chunks, rows);
    if (chunks == 0) return;
    const std::size_t stride = chunks * static_cast<std::size_t>(channels);
    launch(gpu, bias_kernels, "bias_gradient_partial", stride, dz, s.partial,
           static_cast<std::int64_t>(rows * static_cast<std::size_t>(channels)), static_cast<std::int64_t>(stride));
    launch(gpu, bias_kernels, "bias_gradient_total", static_cast<std::size_t>(channels), s.partial, db,
           static_cast<int>(chunks), channels);
}

}  // namespace latentlab::cuda
