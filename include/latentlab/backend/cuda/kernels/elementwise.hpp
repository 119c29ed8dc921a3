#pragma once
// Kernels of the "elementwise" family (wrappers in backend/cuda/elementwise.hpp): copies,
// sums and activations, one value per thread and step of the grid-stride loop. No
// __restrict__: a layer may run them in place.
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr KernelSource elementwise_kernels{"elementwise", R"CUDA(
// to[i] = from[i] for i < n.
extern "C" __global__ void copy_values(const float* from, float* to, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) to[i] = from[i];
}

// y = a + b.
extern "C" __global__ void add(const float* a, const float* b, float* y, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) y[i] = a[i] + b[i];
}

// y = f(x) for the activation (kind, alpha) of the prelude.
extern "C" __global__ void activation_forward(const float* x, float* y, i64 n, int kind, float alpha) {
    for (i64 i = first_index(); i < n; i += index_stride()) y[i] = activate(kind, alpha, x[i]);
}
)CUDA"};

}  // namespace latentlab::cuda
