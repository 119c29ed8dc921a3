#pragma once
// Dense on the GPU: the operations of backend/cpu/dense.hpp for `Cuda`, the products in
// cuBLAS, bias, activation and their gradients in the "bias" kernels (bias.hpp).
// cuBLAS is column-major: a row-major matrix M [r, c] is, to cuBLAS, its transpose (c × r with
// leading dimension c), so every row-major product C = A·B is issued as Cᵀ = Bᵀ·Aᵀ.
#include <climits>
#include <cstddef>
#include <type_traits>

#include <cublas_v2.h>

#include "latentlab/backend/cuda/bias.hpp"
#include "latentlab/backend/cuda/cuda.hpp"
#include "latentlab/backend/cuda/error.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/workspace.hpp"
#include "latentlab/layers/activation.hpp"

namespace latentlab::cuda {

template <class T>
struct DenseScratch {
    T* dz = nullptr;               // batch × Out: ∂L/∂(pre-activation)
    BiasGradientScratch bias{};    // pass-1 sums of the bias gradient
};

namespace detail {

// C = op(A)·op(B) + beta·C in cuBLAS' column-major terms (C is m × n, op(A) m × k, op(B) k × n),
// float data, accumulated in float, or with TF32 products when the backend allows them.
inline void dense_gemm(const Cuda& cuda, cublasOperation_t op_a, cublasOperation_t op_b, std::size_t m,
                       std::size_t n, std::size_t k, const float* a, std::size_t lda, const float* b,
                       std::size_t ldb, float beta, float* c, std::size_t ldc) {
    const auto fits = [](std::size_t v) { return v <= static_cast<std::size_t>(INT_MAX); };
    require(fits(m) && fits(n) && fits(k) && fits(lda) && fits(ldb) && fits(ldc),
            "Dense: a product of ", m, " x ", k, " by ", k, " x ", n, " is too large for cuBLAS' 32-bit sizes");
    const float alpha = 1.0f;
    check(cublasGemmEx(cuda.context->cublas(), op_a, op_b, static_cast<int>(m), static_cast<int>(n),
                       static_cast<int>(k), &alpha, a, CUDA_R_32F, static_cast<int>(lda), b, CUDA_R_32F,
                       static_cast<int>(ldb), &beta, c, CUDA_R_32F, static_cast<int>(ldc),
                       cuda.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx");
}

}  // namespace detail

template <class T>
DenseScratch<T> dense_plan(const Cuda& cuda, Arena& arena, std::size_t, std::size_t out, std::size_t batch) {
    static_assert(cuda_value_type<T>, "the CUDA backend runs float networks");
    DenseScratch<T> s;
    s.dz = arena.take<T>(batch * out);
    s.bias = bias_gradient_plan(cuda, arena, batch, static_cast<int>(out));
    return s;
}

// y = act(x · w + b) for `batch` flat images of `in` values. b may be null (no bias).
template <class T>
void dense_forward(const Cuda& cuda, const DenseScratch<T>&, std::size_t in, std::size_t out, Activation act,
                   const T* x, const T* w, const T* b, T* y, std::size_t batch) {
    static_assert(cuda_value_type<T>, "the CUDA backend runs float networks");
    // Yᵀ [out × batch] = Wᵀ [out × in] · Xᵀ [in × batch].
    detail::dense_gemm(cuda, CUBLAS_OP_N, CUBLAS_OP_N, out, batch, in, w, out, x, in, 0.0f, y, out);
    bias_activation(cuda, act, b, y, batch, static_cast<int>(out));
}

// dw += ∂L/∂w, db += ∂L/∂b (db may be null), dx = ∂L/∂x unless dx is null.
template <class T>
void dense_backward(const Cuda& cuda, const DenseScratch<T>& s, std::size_t in, std::size_t out, Activation act,
                    const T* x, const T* y, const T* dy, const T* w, T* dw, T* db, T* dx, std::size_t batch) {
    static_assert(cuda_value_type<T>, "the CUDA backend runs float networks");
    const T* dz = dy;
    if (!act.is_identity()) {
        activation_gradient(cuda, act, y, dy, s.dz, batch * out);
        dz = s.dz;
    }
    // dW += Xᵀ·dZ:  dWᵀ [out × in] += dZᵀ [out × batch] · X [batch × in] (X's buffer read transposed).
    detail::dense_gemm(cuda, CUBLAS_OP_N, CUBLAS_OP_T, out, in, batch, dz, out, x, in, 1.0f, dw, out);
    if (db) bias_gradient(cuda, s.bias, dz, db, batch, static_cast<int>(out));
    // dX = dZ·Wᵀ:  dXᵀ [in × batch] = W [in × out] (W's buffer read transposed) · dZᵀ [out × batch].
    if (dx) detail::dense_gemm(cuda, CUBLAS_OP_T, CUBLAS_OP_N, in, batch, out, w, out, dz, out, 0.0f, dx, in);
}

}  // namespace latentlab::cuda
