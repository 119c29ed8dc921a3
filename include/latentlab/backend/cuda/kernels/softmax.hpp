#pragma once
// Kernels of the "softmax" family (wrappers in backend/cuda/softmax.hpp): Softmax over the
// channels of each pixel, one thread per pixel (3–64 channels: the per-pixel maximum and sum
// stay in one thread, in the CPU's order).
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr KernelSource softmax_kernels{"softmax", R"CUDA(
// y = exp(x − max) / Σ exp(x − max) over the channels of each of the n pixels.
extern "C" __global__ void softmax_forward(const float* x, float* y, int channels, i64 n) {
    for (i64 p = first_index(); p < n; p += index_stride()) {
        const float* in = x + p * channels;
        float* out = y + p * channels;
        float top = in[0];
        for (int c = 1; c < channels; ++c)
            if (top < in[c]) top = in[c];
        float sum = 0.0f;
        for (int c = 0; c < channels; ++c) {
            out[c] = expf(in[c] - top);
            sum += out[c];
        }
        const float inverse = 1.0f / sum;
        for (int c = 0; c < channels; ++c) out[c] *= inverse;
    }
}

// dx = y ⊙ (dy − Σ_c y·dy) for each of the n pixels.
extern "C" __global__ void softmax_backward(const float* y, const float* dy, float* dx, int channels, i64 n) {
    for (i64 p = first_index(); p < n; p += index_stride()) {
        const float* out = y + p * channels;
        const float* grad = dy + p * channels;
        float dot = 0.0f;
        for (int c = 0; c < channels; ++c) dot += out[c] * grad[c];
        float* in = dx + p * channels;
        for (int c = 0; c < channels; ++c) in[c] = out[c] * (grad[c] - dot);
    }
}
)CUDA"};

}  // namespace latentlab::cuda
