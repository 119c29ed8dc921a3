#pragma once
// What the wrappers of the run-time compiled kernels (backend/cuda/<family>.hpp) need from a
// backend: derive from KernelBackend (so argument-dependent lookup finds the wrappers, which
// live in this namespace) and provide
//   launch(backend, source, "function", count, args...)   — run the kernel over `count` items,
// which the Cuda backend does on the GPU and the test suite's emulator on the CPU.
#include <concepts>

namespace latentlab::cuda {

struct KernelBackend {};

template <class B>
concept RunsKernels = std::derived_from<B, KernelBackend>;

}  // namespace latentlab::cuda
