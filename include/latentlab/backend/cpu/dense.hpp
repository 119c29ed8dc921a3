#pragma once
// CPU kernels of Dense and Flatten. Dense over a batch of flat images is one GEMM,
// Y[N, Out] = X[N, D] · W with W [D, Out] row-major; its backward is two more
// (dW += Xᵀ · dZ, dX = dZ · Wᵀ). The products are small (N × D × Out for a classifier head),
// so they run on one thread; the GEMM packing buffers and dZ come from the workspace.
#include <algorithm>
#include <cstddef>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/backend/cpu/elementwise.hpp"
#include "latentlab/backend/cpu/gemm.hpp"
#include "latentlab/core/workspace.hpp"

namespace latentlab::cpu {

template <class T>
struct DenseScratch {
    T* dz = nullptr;    // batch × Out: ∂L/∂(pre-activation)
    T* gemm = nullptr;  // GEMM packing
};

template <class T>
DenseScratch<T> dense_plan(const Cpu&, Arena& arena, std::size_t in, std::size_t out, std::size_t batch) {
    const auto n = static_cast<std::ptrdiff_t>(batch), d = static_cast<std::ptrdiff_t>(in),
               o = static_cast<std::ptrdiff_t>(out);
    DenseScratch<T> s;
    s.dz = arena.take<T>(batch * out);
    s.gemm = arena.take<T>(std::max({gemm_scratch_elements<T>({n, o, d}), gemm_scratch_elements<T>({d, o, n}),
                                     gemm_scratch_elements<T>({n, d, o})}));
    return s;
}

// y = act(x · w + b) for `batch` flat images of `in` values. b may be null (no bias).
template <class T>
void dense_forward(const Cpu&, const DenseScratch<T>& s, std::size_t in, std::size_t out, Activation act, const T* x,
                   const T* w, const T* b, T* y, std::size_t batch) {
    const auto n = static_cast<std::ptrdiff_t>(batch), d = static_cast<std::ptrdiff_t>(in),
               o = static_cast<std::ptrdiff_t>(out);
    gemm<T>({n, o, d}, Transpose::no, x, d, Transpose::no, w, o, y, o, T(1), false, s.gemm);
    if (b)
        for (std::ptrdiff_t r = 0; r < n; ++r)
            for (std::ptrdiff_t c = 0; c < o; ++c) y[r * o + c] += b[c];
    activate(act, y, y, batch * out);
}

// dw += ∂L/∂w, db += ∂L/∂b (db may be null), dx = ∂L/∂x unless dx is null.
template <class T>
void dense_backward(const Cpu&, const DenseScratch<T>& s, std::size_t in, std::size_t out, Activation act, const T* x,
                    const T* y, const T* dy, const T* w, T* dw, T* db, T* dx, std::size_t batch) {
    const auto n = static_cast<std::ptrdiff_t>(batch), d = static_cast<std::ptrdiff_t>(in),
               o = static_cast<std::ptrdiff_t>(out);
    const T* dz = dy;
    if (!act.is_identity()) {
        activation_gradient(act, y, dy, s.dz, batch * out);
        dz = s.dz;
    }
    gemm<T>({d, o, n}, Transpose::yes, x, d, Transpose::no, dz, o, dw, o, T(1), true, s.gemm);
    if (db)
        for (std::ptrdiff_t r = 0; r < n; ++r)
            for (std::ptrdiff_t c = 0; c < o; ++c) db[c] += dz[r * o + c];
    if (dx) gemm<T>({n, d, o}, Transpose::no, dz, o, Transpose::yes, w, o, dx, d, T(1), false, s.gemm);
}

}  // namespace latentlab::cpu
