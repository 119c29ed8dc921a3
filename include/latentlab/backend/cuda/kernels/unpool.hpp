#pragma once
// Kernels of the "unpool" family (wrappers in backend/cuda/unpool.hpp): MaxUnpool2d's
// backward, a gather through the pool's argmax. (Its forward is the pool's backward.)
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr KernelSource unpool_kernels{"unpool", R"CUDA(
// dx[image][i] = dy[image][argmax[image][i]]: dx and argmax hold in_size values per image,
// dy out_size; n = images · in_size.
extern "C" __global__ void max_unpool_backward(const float* __restrict__ dy, const int* __restrict__ argmax,
                                               float* __restrict__ dx, i64 in_size, i64 out_size, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) dx[i] = dy[i / in_size * out_size + argmax[i]];
}
)CUDA"};

}  // namespace latentlab::cuda
