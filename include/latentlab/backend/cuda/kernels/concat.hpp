#pragma once
// Kernels of the "concat" family (wrappers in backend/cuda/concat.hpp): channel concatenation
// in NHWC and its adjoint. One thread per value written, so that consecutive threads write
// consecutive addresses.
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr KernelSource concat_kernels{"concat", R"CUDA(
// y[p] = (a[p], b[p]) for every pixel p: a has ca channels, b has cb; n = pixels · (ca + cb).
extern "C" __global__ void concat_channels(const float* __restrict__ a, int ca, const float* __restrict__ b, int cb,
                                           float* __restrict__ y, i64 n) {
    const int width = ca + cb;
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const i64 p = i / width;
        const int c = (int)(i - p * width);
        y[i] = c < ca ? a[p * ca + c] : b[p * cb + (c - ca)];
    }
}

// out[p, c] = dy[p, first + c] (+ add[p, c] when add is not null) for c < count, where dy
// has `width` channels; n = pixels · count.
extern "C" __global__ void take_channels(const float* __restrict__ dy, int width, int first, int count,
                                         const float* __restrict__ add, float* __restrict__ out, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const i64 p = i / count;
        const float v = dy[p * width + first + (i - p * count)];
        out[i] = add ? v + add[i] : v;
    }
}
)CUDA"};

}  // namespace latentlab::cuda
