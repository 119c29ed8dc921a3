#pragma once
// CPU kernels of Softmax over the channels of each pixel: y = exp(x − max) / Σ exp(x − max)
// (subtracting the pixel's maximum keeps exp from overflowing), dx = y ⊙ (dy − Σ_c y·dy).
#include <algorithm>
#include <cmath>
#include <cstddef>

#include <Eigen/Core>

#include "latentlab/backend/cpu/cpu.hpp"

namespace latentlab::cpu {

template <class T>
void softmax_forward(const Cpu& cpu, const T* x, T* y, std::size_t pixels, int channels, std::size_t batch) {
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        const std::size_t first = begin * pixels, last = end * pixels;
        for (std::size_t p = first; p < last; ++p) {
            const T* in = x + p * channels;
            T* out = y + p * channels;
            const T top = *std::max_element(in, in + channels);
            for (int c = 0; c < channels; ++c) out[c] = in[c] - top;
        }
        // One vectorized exp over the whole range (Eigen's, accurate to a few ulp): a scalar
        // std::exp per value made this layer as slow as a convolution.
        Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> shifted(y + first * channels,
                                                               static_cast<Eigen::Index>((last - first) * channels));
        shifted = shifted.exp();
        for (std::size_t p = first; p < last; ++p) {
            T* out = y + p * channels;
            T sum = 0;
            for (int c = 0; c < channels; ++c) sum += out[c];
            const T inverse = T(1) / sum;
            for (int c = 0; c < channels; ++c) out[c] *= inverse;
        }
    });
}

template <class T>
void softmax_backward(const Cpu& cpu, const T* y, const T* dy, T* dx, std::size_t pixels, int channels,
                      std::size_t batch) {
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t p = begin * pixels; p < end * pixels; ++p) {
            const T* out = y + p * channels;
            const T* grad = dy + p * channels;
            T dot = 0;
            for (int c = 0; c < channels; ++c) dot += out[c] * grad[c];
            T* in = dx + p * channels;
            for (int c = 0; c < channels; ++c) in[c] = out[c] * (grad[c] - dot);
        }
    });
}

}  // namespace latentlab::cpu
