#pragma once
// The CPU backend policy. Layers call backend operations as free functions whose first
// argument is the backend object (conv2d_forward(cpu, ...)); the CPU overloads live in the
// headers of backend/cpu, one per layer family, and the CUDA backend adds its own overloads
// for `Cuda`. Parallelism is OpenMP over the batch: these networks have 3–64 channels, so
// splitting images across cores beats splitting each small GEMM.
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "latentlab/core/buffer.hpp"
#include "latentlab/core/tensor.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace latentlab {
namespace cpu {

// Lives in namespace cpu so that argument-dependent lookup finds the CPU kernels.
struct Cpu {
    // Where a network on this backend keeps its parameters and workspace (Network asks
    // every backend the same three things; backend/cuda answers with device memory).
    using memory = HostMemory;
    template <class T>
    using Buffer = AlignedBuffer<T>;
    template <class T>
    Buffer<T> allocate(std::size_t count) const {
        return Buffer<T>(count);
    }

    int threads = default_threads();

    static int default_threads() {
#ifdef _OPENMP
        return std::max(1, omp_get_max_threads());
#else
        return 1;
#endif
    }
};

// Copies between the caller's host memory and the backend's memory (here the same).
template <class T>
void copy_in(const Cpu&, const T* host, std::size_t count, T* data) {
    if (count > 0) std::memcpy(data, host, count * sizeof(T));
}
template <class T>
void copy_out(const Cpu&, const T* data, std::size_t count, T* host) {
    if (count > 0) std::memcpy(host, data, count * sizeof(T));
}
template <class T>
void fill_zero(const Cpu&, T* data, std::size_t count) {
    std::fill_n(data, count, T(0));
}

// Runs body(begin, end, thread) over a static partition of [0, count) into at most
// cpu.threads contiguous ranges; `thread` indexes per-thread scratch.
template <class Body>
void parallel_for(const Cpu& cpu, std::size_t count, Body&& body) {
    const int threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(cpu.threads), count));
    if (threads <= 1) {
        if (count > 0) body(std::size_t{0}, count, 0);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
    {
        // OpenMP may grant fewer threads than asked (inside another parallel region, with
        // nesting off, it grants one): split by the team actually running.
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        const int thread = omp_get_thread_num();
        const std::size_t begin = count * static_cast<std::size_t>(thread) / team;
        const std::size_t end = count * static_cast<std::size_t>(thread + 1) / team;
        if (begin < end) body(begin, end, thread);
    }
#else
    body(std::size_t{0}, count, 0);
#endif
}


// Like parallel_for, for work whose cost varies along the range (graph vertices of uneven
// degree, approximate-search insertions): threads take chunks of `chunk` items as they
// finish, so none waits for a slow static share. body(begin, end, thread) per chunk.
template <class Body>
void parallel_for_dynamic(const Cpu& cpu, std::size_t count, std::size_t chunk, Body&& body) {
    chunk = std::max<std::size_t>(chunk, 1);
    const std::size_t chunks = (count + chunk - 1) / chunk;
    const int threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(cpu.threads), chunks));
    if (threads <= 1) {
        if (count > 0) body(std::size_t{0}, count, 0);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::size_t c = 0; c < chunks; ++c) body(c * chunk, std::min(count, (c + 1) * chunk), omp_get_thread_num());
#else
    body(std::size_t{0}, count, 0);
#endif
}

// Runs body(first_image, image_count, thread) over the batch cut into chunks of `chunk`
// images (the last may be shorter), the chunks spread statically over the threads.
template <class Body>
void for_each_chunk(const Cpu& cpu, std::size_t batch, std::size_t chunk, Body&& body) {
    const std::size_t chunks = (batch + chunk - 1) / chunk;
    parallel_for(cpu, chunks, [&](std::size_t begin, std::size_t end, int thread) {
        for (std::size_t c = begin; c < end; ++c) {
            const std::size_t first = c * chunk;
            body(first, std::min(chunk, batch - first), thread);
        }
    });
}

// Images per chunk so that a chunk holds at least `rows` output pixels: small images are
// batched into one bigger GEMM.
inline std::size_t images_per_chunk(std::size_t pixels_per_image, std::size_t batch, std::size_t rows = 1024) {
    const std::size_t wanted = (rows + pixels_per_image - 1) / std::max<std::size_t>(pixels_per_image, 1);
    return std::clamp<std::size_t>(wanted, 1, std::max<std::size_t>(batch, 1));
}

// Threads that will actually be used for a batch, for sizing per-thread scratch.
inline int threads_for(const Cpu& cpu, std::size_t work_items) {
    return static_cast<int>(std::clamp<std::size_t>(work_items, 1, static_cast<std::size_t>(cpu.threads)));
}

}  // namespace cpu

using cpu::Cpu;

}  // namespace latentlab

namespace latentlab::cpu {

// Like parallel_for, for a body(begin, end) that returns a partial sum; adds the partial
// sums into `total` in thread order, so the result does not depend on timing.
template <class Body>
void parallel_for_reduce(const Cpu& cpu, std::size_t count, double& total, Body&& body) {
    constexpr int max_threads = 256;
    double partial[max_threads] = {};
    const Cpu capped{std::min(cpu.threads, max_threads)};
    parallel_for(capped, count, [&](std::size_t begin, std::size_t end, int thread) {
        partial[thread] = body(begin, end);
    });
    for (int t = 0; t < capped.threads; ++t) total += partial[t];
}

}  // namespace latentlab::cpu
