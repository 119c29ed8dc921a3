#pragma once
// The CUDA backend policy: Network<Spec, Shape, Cuda> runs the same layers as with Cpu, on a
// GPU, in NHWC float. A Cuda value is a cheap handle on the device's shared Context; the
// layers' operations are the overloads for `Cuda` in the headers of backend/cuda, found by
// argument-dependent lookup as the CPU ones are. Parameters, gradients and the workspace
// live in device memory; Network copies inputs in and results out.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <type_traits>

#include "latentlab/backend/cuda/context.hpp"
#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/memory.hpp"
#include "latentlab/core/tensor.hpp"

namespace latentlab::cuda {

struct CudaOptions {
    int device = 0;
    // TensorFloat-32 in convolutions and GEMMs: about 3x faster on Ampere and later, with a
    // 10-bit mantissa in the products (results agree with the CPU to ~1e-2, not 1e-4).
    bool tf32 = false;
};

struct Cuda : KernelBackend {
    using memory = DeviceMemory;
    template <class T>
    using Buffer = DeviceBuffer<T>;

    Cuda() : Cuda(CudaOptions{}) {}
    explicit Cuda(CudaOptions options) : context(Context::shared(options.device)), tf32(options.tf32) {}

    std::shared_ptr<Context> context;
    bool tf32 = false;

    cudaStream_t stream() const { return context->stream(); }
    template <class T>
    Buffer<T> allocate(std::size_t count) const {
        context->make_current();
        return Buffer<T>(count);
    }
};

template <class T>
void copy_in(const Cuda& cuda, const T* host, std::size_t count, T* device) {
    copy_to_device(cuda.stream(), host, count, device);
}
template <class T>
void copy_out(const Cuda& cuda, const T* device, std::size_t count, T* host) {
    copy_to_host(cuda.stream(), device, count, host);
}
template <class T>
void fill_zero(const Cuda& cuda, T* data, std::size_t count) {
    fill_zero(cuda.stream(), data, count);
}

// The CUDA kernels are written for float: the gradient checks in double run on the CPU.
template <class T>
inline constexpr bool cuda_value_type = std::is_same_v<T, float>;

// Launches with an explicit grid, block and dynamic shared memory.
template <class... Args>
void launch_blocks(const Cuda& cuda, const KernelSource& source, const char* function, dim3 grid, dim3 block,
                   std::size_t shared_bytes, const Args&... args) {
    static_assert((std::is_trivially_copyable_v<Args> && ...), "kernel arguments are plain values");
    const cudaKernel_t kernel = cuda.context->kernels().kernel(source, function);
    void* pointers[] = {const_cast<void*>(static_cast<const void*>(&args))..., nullptr};
    check(cudaLaunchKernel(reinterpret_cast<const void*>(kernel), grid, block, pointers, shared_bytes, cuda.stream()),
          function);
}


// Launches `function` of `source` over `count` items with 256-thread blocks, its grid
// capped at a few waves (the kernels loop grid-stride). Arguments are passed by value and
// must match the kernel's parameter types exactly (pointers, int, i64 = long long, float).
template <class... Args>
void launch(const Cuda& cuda, const KernelSource& source, const char* function, std::size_t count,
            const Args&... args) {
    if (count == 0) return;
    constexpr unsigned threads = 256;
    const std::size_t wanted = (count + threads - 1) / threads;
    const auto blocks = static_cast<unsigned>(
        std::min<std::size_t>(wanted, static_cast<std::size_t>(cuda.context->multiprocessors()) * 32));
    launch_blocks(cuda, source, function, dim3(blocks), dim3(threads), 0, args...);
}

}  // namespace latentlab::cuda

namespace latentlab {
using cuda::Cuda;
using cuda::CudaOptions;
}  // namespace latentlab
