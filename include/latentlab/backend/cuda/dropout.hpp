#pragma once
// Dropout on the GPU, as backend/cpu/dropout.hpp: the same Philox words decide the same
// elements, so a network's masks do not depend on the backend.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "latentlab/backend/cuda/elementwise.hpp"
#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/dropout.hpp"

namespace latentlab::cuda {

// out = mask ⊙ in · scale when `active`, else out = in (evaluation mode).
template <class T, RunsKernels B>
void dropout_apply(const B& gpu, bool active, std::uint64_t seed, std::uint64_t stream, std::uint32_t threshold,
                   T scale, const T* in, T* out, std::size_t image_size, std::size_t batch) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t n = image_size * batch;
    if (!active) {
        copy_values(gpu, in, n, out);
        return;
    }
    launch(gpu, dropout_kernels, "dropout_apply", (n + 3) / 4, static_cast<unsigned long long>(seed),
           static_cast<unsigned long long>(stream), static_cast<unsigned>(threshold), scale, in, out,
           static_cast<std::int64_t>(n));
}

}  // namespace latentlab::cuda
