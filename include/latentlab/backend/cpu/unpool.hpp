#pragma once
// CPU kernels of MaxUnpool2d: scatter each value to the input position its pool's argmax
// recorded, zeros elsewhere. Values whose argmaxes coincide (overlapping pool windows) are
// summed, as tf.scatter_nd does, so that backward (a gather) is the exact adjoint.
//
// Both take the pool's geometry: x has the shape of its output, y of its input. Forward is
// the pool's backward with x in the place of dy; a GPU needs the geometry to compute it as
// a gather over the windows holding each output value (backend/cuda/unpool.hpp).
#include <cstddef>
#include <cstdint>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/backend/cpu/pool.hpp"
#include "latentlab/core/window.hpp"

namespace latentlab::cpu {

// y[n] = 0, then y[n][argmax[n][i]] += x[n][i].
template <class T>
void max_unpool_forward(const Cpu& cpu, const Window2d& pool, const T* x, const std::int32_t* argmax, T* y,
                        std::size_t batch) {
    max_pool_backward(cpu, pool, x, argmax, y, batch);
}

// dx[n][i] = dy[n][argmax[n][i]].
template <class T>
void max_unpool_backward(const Cpu& cpu, const Window2d& pool, const T* dy, const std::int32_t* argmax, T* dx,
                         std::size_t batch) {
    const std::size_t in_size = pool.out().size(), out_size = pool.in().size();
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
