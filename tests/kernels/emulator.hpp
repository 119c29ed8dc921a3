#pragma once
// The kernel emulator: runs the CUDA backend's run-time compiled kernels on the CPU, so that
// every kernel and its host wrapper is checked against the CPU backend on machines without
// a GPU (CI, development machines). The kernel sources are compiled as host C++
// (generate_emulation.cpp writes them into emulated_kernels.cpp); `Emulated` is a backend
// whose launch() finds the kernel by source and name, checks every argument's size against
// the kernel's parameter (the mistake a real launch turns into garbage silently), and runs
// all blocks and threads one after another. The rules of kernels/source.hpp (no shared
// memory, barriers or atomics: threads independent) make this serial run exact.
//
// By hand (from /work/main):
//   g++ -std=c++20 -Iinclude tests/kernels/generate_emulation.cpp -o /tmp/gen && /tmp/gen /tmp/emulated_kernels.cpp
//   g++ -std=c++20 -O1 -fopenmp -Iinclude -Itests/kernels -I/usr/include/eigen3 /tmp/emulated_kernels.cpp
//       tests/kernels/test_X.cpp tests/unit/main.cpp -o /tmp/kt && /tmp/kt
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string_view>
#include <vector>

#include "latentlab/backend/cuda/kernel_backend.hpp"
#include "latentlab/backend/cuda/kernels/source.hpp"
#include "latentlab/core/buffer.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/tensor.hpp"

// What CUDA C++ adds to C++, as far as the kernels use it.
#define __global__
#define __device__
#define __forceinline__ inline

namespace latentlab::testing {

namespace emulated {
struct Dim3 {
    unsigned x = 1, y = 1, z = 1;
};
inline thread_local Dim3 blockIdx, threadIdx, blockDim, gridDim;
}  // namespace emulated

struct EmulatedKernel {
    const char* source;
    const char* function;
    std::vector<std::size_t> parameter_sizes;
    void (*invoke)(void** arguments);
};
const std::vector<EmulatedKernel>& emulated_kernels();  // defined in the generated file

// A kernel backend over host memory that calls it device memory, so that Network takes the
// path it takes for Cuda (host images copied in, results copied out). Small blocks and a
// capped grid make the kernels' grid-stride loops take several turns, as on a GPU with
// large inputs.
struct Emulated : cuda::KernelBackend {
    using memory = DeviceMemory;
    template <class T>
    using Buffer = AlignedBuffer<T>;
    template <class T>
    Buffer<T> allocate(std::size_t count) const {
        return Buffer<T>(count);
    }
    unsigned threads = 32;
    unsigned max_blocks = 3;
};

inline const EmulatedKernel& find_emulated_kernel(std::string_view source, std::string_view function) {
    for (const auto& kernel : emulated_kernels())
        if (source == kernel.source && function == kernel.function) return kernel;
    fail("emulator: no kernel ", function, " in source ", source,
         " (is the source listed in backend/cuda/kernels/all.hpp?)");
}

template <class... Args>
void launch(const Emulated& emulator, const cuda::KernelSource& source, const char* function, std::size_t count,
            const Args&... args) {
    const EmulatedKernel& kernel = find_emulated_kernel(source.name, function);
    const std::size_t sizes[] = {sizeof(Args)..., 0};
    require(kernel.parameter_sizes.size() == sizeof...(Args), "emulator: ", function, " takes ",
            kernel.parameter_sizes.size(), " arguments, the launch passes ", sizeof...(Args));
    for (std::size_t i = 0; i < sizeof...(Args); ++i)
        require(kernel.parameter_sizes[i] == sizes[i], "emulator: argument ", i, " of ", function, " has ", sizes[i],
                " bytes, the kernel's parameter ", kernel.parameter_sizes[i]);
    if (count == 0) return;
    void* pointers[] = {const_cast<void*>(static_cast<const void*>(&args))..., nullptr};
    const std::size_t wanted = (count + emulator.threads - 1) / emulator.threads;
    const auto blocks = static_cast<unsigned>(std::min<std::size_t>(wanted, emulator.max_blocks));
    emulated::gridDim = {blocks, 1, 1};
    emulated::blockDim = {emulator.threads, 1, 1};
    for (unsigned block = 0; block < blocks; ++block)
        for (unsigned thread = 0; thread < emulator.threads; ++thread) {
            emulated::blockIdx = {block, 0, 0};
            emulated::threadIdx = {thread, 0, 0};
            kernel.invoke(pointers);
        }
}

template <class T>
void copy_in(const Emulated&, const T* host, std::size_t count, T* device) {
    if (count > 0) std::memcpy(device, host, count * sizeof(T));
}
template <class T>
void copy_out(const Emulated&, const T* device, std::size_t count, T* host) {
    if (count > 0) std::memcpy(host, device, count * sizeof(T));
}
template <class T>
void fill_zero(const Emulated&, T* data, std::size_t count) {
    if (count > 0) std::memset(static_cast<void*>(data), 0, count * sizeof(T));
}

}  // namespace latentlab::testing
