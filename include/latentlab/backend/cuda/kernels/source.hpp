#pragma once
// KernelSource: one translation unit of run-time compiled kernels (DESIGN point 8), kept free
// of CUDA headers so that the test suite can also compile it as host code and run it on the
// CPU (tests/kernels: every kernel against the CPU backend, on machines without a GPU).
//
// Rules for the code, which make that emulation exact:
//   - functions are `extern "C" __global__ void name(...)`, parameters plain values and
//     pointers of the types of the prelude (float, double, int, i64, u32, u64, pointers to
//     them);
//   - each thread's work depends on no other thread of the same launch: no __shared__,
//     no __syncthreads, no atomics. Reductions take two launches (partial sums into a
//     scratch buffer, then a fixed-order sum), which also makes them deterministic, so a
//     replayed CUDA graph reproduces eager execution bit for bit;
//   - maths: expf, logf, tanhf, sqrtf, fmaxf, fminf, floorf, fabsf, and sqrt in double
//     (IEEE, no fast-math).
namespace latentlab::cuda {

struct KernelSource {
    const char* name;  // also the cache file's and the emulation namespace's name: an identifier
    const char* code;
};

}  // namespace latentlab::cuda
