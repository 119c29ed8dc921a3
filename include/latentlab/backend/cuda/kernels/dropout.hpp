#pragma once
// Kernels of the "dropout" family (wrappers in backend/cuda/dropout.hpp). Element e of the
// batch is kept iff word e mod 4 of random_bits(seed, stream, e / 4) is at least `threshold`,
// as backend/cpu/dropout.hpp: one thread per block of 4 elements, one Philox call each, so
// the masks equal the CPU's bit for bit.
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr KernelSource dropout_kernels{"dropout", R"CUDA(
// out = in · (kept ? scale : 0) over n elements (a dropped ±inf or NaN gives NaN, as on the CPU).
extern "C" __global__ void dropout_apply(u64 seed, u64 stream, u32 threshold, float scale, const float* in,
                                         float* out, i64 n) {
    const i64 blocks = (n + 3) / 4;
    for (i64 b = first_index(); b < blocks; b += index_stride()) {
        const Philox4 words = random_bits(seed, stream, (u64)b);
        const i64 first = b * 4;
        for (int j = 0; j < 4 && first + j < n; ++j)
            out[first + j] = in[first + j] * (words.v[j] >= threshold ? scale : 0.0f);
    }
}
)CUDA"};

}  // namespace latentlab::cuda
