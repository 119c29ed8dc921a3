#pragma once
// Every kernel source of the CUDA backend: the test suite compiles each to PTX (a ctest that
// needs no GPU) and, as host code, runs each on the CPU against the CPU backend.
#include <array>

#include "latentlab/backend/cuda/kernels/conv.hpp"
// Helper A's families:
#include "latentlab/backend/cuda/kernels/concat.hpp"
#include "latentlab/backend/cuda/kernels/dropout.hpp"
#include "latentlab/backend/cuda/kernels/elementwise.hpp"
#include "latentlab/backend/cuda/kernels/pool.hpp"
#include "latentlab/backend/cuda/kernels/softmax.hpp"
#include "latentlab/backend/cuda/kernels/unpool.hpp"
#include "latentlab/backend/cuda/kernels/upsample.hpp"
// Helper B's families:
#include "latentlab/backend/cuda/kernels/batch_norm.hpp"
#include "latentlab/backend/cuda/kernels/bias.hpp"
#include "latentlab/backend/cuda/kernels/depthwise.hpp"

namespace latentlab::cuda {

inline constexpr std::array all_kernel_sources = {
    conv_kernels,
    // Helper A's families:
    elementwise_kernels,
    concat_kernels,
    softmax_kernels,
    upsample_kernels,
    pool_kernels,
    unpool_kernels,
    dropout_kernels,
    // Helper B's families:
    bias_kernels,
    batch_norm_kernels,
    depthwise_kernels,
};

}  // namespace latentlab::cuda
