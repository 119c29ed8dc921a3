#pragma once
// Channel concatenation in NHWC and its adjoint on the GPU (SkipConcat), as
// backend/cpu/concat.hpp; Residual's add is in elementwise.hpp.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/concat.hpp"

namespace latentlab::cuda {

// y[p] = (a[p], b[p]) for every pixel p: a has ca channels, b has cb.
template <class T, RunsKernels B>
void concat_channels(const B& gpu, const T* a, int ca, const T* b, int cb, T* y, std::size_t pixels) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const std::size_t n = pixels * static_cast<std::size_t>(ca + cb);
    launch(gpu, concat_kernels, "concat_channels", n, a, ca, b, cb, y, static_cast<std::int64_t>(n));
}

// The adjoint: da[p] = dy[p][0, ca) + add[p], db[p] = dy[p][ca, ca + cb); da, add and db
// may each be null (that part is skipped / nothing is added).
template <class T, RunsKernels B>
void split_channels(const B& gpu, const T* dy, int ca, int cb, T* da, const T* add, T* db, std::size_t pixels) {
    static_assert(std::is_same_v<T, float>, "the CUDA backend runs float networks");
    const auto take = [&](int first, int count, const T* plus, T* out) {
        const std::size_t n = pixels * static_cast<std::size_t>(count);
        launch(gpu, concat_kernels, "take_channels", n, dy, ca + cb, first, count, plus, out,
               static_cast<std::int64_t>(n));
    };
    if (da) take(0, ca, add, da);
    if (db) take(ca, cb, static_cast<const T*>(nullptr), db);
}

}  // namespace latentlab::cuda
