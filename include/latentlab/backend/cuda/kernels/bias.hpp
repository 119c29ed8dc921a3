#pragma once
// Kernels of the "bias" family (wrappers in backend/cuda/bias.hpp): the bias-and-activation
// epilogue of cuDNN convolutions and cuBLAS products, the activation's gradient, and the bias
// gradient as a two-pass column sum (reduction.hpp).
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr KernelSource bias_kernels{"bias", R"CUDA(
// y[r, c] = act(y[r, c] + bias[c]) over `total` = rows · channels values; bias may be null.
extern "C" __global__ void apply_bias_activation(const float* bias, float* y, i64 total, int channels, int kind,
                                                 float alpha) {
    for (i64 i = first_index(); i < total; i += index_stride()) {
        const float z = bias ? y[i] + bias[i % channels] : y[i];
        y[i] = activate(kind, alpha, z);
    }
}

// dz = dy ⊙ f'(y), f' read off the output.
extern "C" __global__ void apply_activation_gradient(const float* y, const float* dy, float* dz, i64 n, int kind,
                                                     float alpha) {
    for (i64 i = first_index(); i < n; i += index_stride()) dz[i] = activation_gradient(kind, alpha, y[i], dy[i]);
}

// Pass 1: partial[i] = Σ_j dz[i + j·stride] for i < stride = chunks · channels (column i % channels).
extern "C" __global__ void bias_gradient_partial(const float* dz, float* partial, i64 total, i64 stride) {
    for (i64 i = first_index(); i < stride; i += index_stride()) {
        float sum = 0.0f;
        for (i64 at = i; at < total; at += stride) sum += dz[at];
        partial[i] = sum;
    }
}

// Pass 2: db[c] += Σ_k partial[k · channels + c], k in order.
extern "C" __global__ void bias_gradient_total(const float* partial, float* db, int chunks, int channels) {
    for (i64 c = first_index(); c < channels; c += index_stride()) {
        float sum = 0.0f;
        for (int k = 0; k < chunks; ++k) sum += partial[(i64)k * channels + c];
        db[c] += sum;
    }
}
)CUDA"};

}  // namespace latentlab::cuda
