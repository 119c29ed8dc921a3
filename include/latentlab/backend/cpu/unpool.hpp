#pragma once
// CPU kernels of MaxUnpool2d: scatter each value to the input position its pool's argmax
// recorded, zeros elsewhere. Values whose argmaxes coincide (overlapping pool windows) are
// summed, as tf.scatter_nd does, so that backward (a gather) is the exact adjoint.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "latentlab/backend/cpu/cpu.hpp"

namespace latentlab::cpu {

// y[n][argmax[n][i]] += x[n][i], y zero elsewhere. in_size: values per image of x (the
// pool's output), out_size: of y (the pool's input).
template <class T>
void max_unpool_forward(const Cpu& cpu, const T* x, const std::int32_t* argmax, T* y, std::size_t in_size,
                        std::size_t out_size, std::size_t batch) {
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            T* image = y + n * out_size;
            std::fill_n(image, out_size, T(0));
            const T* values = x + n * in_size;
            const std::int32_t* index = argmax + n * in_size;
            for (std::size_t i = 0; i < in_size; ++i) image[index[i]] += values[i];
        }
    });
}

// dx[n][i] = dy[n][argmax[n][i]].
template <class T>
void max_unpool_backward(const Cpu& cpu, const T* dy, const std::int32_t* argmax, T* dx, std::size_t in_size,
                         std::size_t out_size, std::size_t batch) {
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            const T* grad = dy + n * out_size;
            const std::int32_t* index = argmax + n * in_size;
            T* out = dx + n * in_size;
            for (std::size_t i = 0; i < in_size; ++i) out[i] = grad[index[i]];
        }
    });
}

}  // namespace latentlab::cpu
