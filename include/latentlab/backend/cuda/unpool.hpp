#pragma once
// MaxUnpool2d on the GPU, as backend/cpu/unpool.hpp. `pool` is the geometry of the MaxPool2d
// whose argmax routes the values: x has the shape of its output, y of its input.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/unpool.hpp"
#include "latentlab/backend/cuda/pool.hpp"
#include "latentlab/core/window.hpp"

namespace latentlab::cuda {

// y = 0, then y[argmax[i]] += x[i] in each image: the pool's backward with x as dy, which
// gathers over the windows holding each value of y (overlapping windows sum, race-free).
template <class T, RunsKernels B>
void max_unpool_forward(const B& gpu, const Window2d& pool, const T* x, const std::int32_t* argmax, T* y,
                        std::size_t batch) {
    max_pool_backward(gpu, pool, x, argmax, y, batch);
}

// dx[n][i] = dy[n][argmax[n][i]].
template <class T, RunsKernels B>
void max_unpool_backward(const B& gpu, const Window2d& pool, const T* dy, const std::int32_t* argmax, T* dx,
                         std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t in_size = pool.out().size(), n = in_size * batch;
    launch(gpu, unpool_kernels, "max_unpool_backward", n, dy, argmax, dx, static_cast<std::int64_t>(in_size),
           static_cast<std::int64_t>(pool.in().size()), static_cast<std::int64_t>(n));
}

}  // namespace latentlab::cuda
