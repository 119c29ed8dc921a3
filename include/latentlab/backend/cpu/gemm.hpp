#pragma once
// Row-major GEMM on raw pointers through Eigen's blocked kernel, with the packing buffers
// supplied by the caller. Eigen's public product API packs into buffers it allocates itself
// (alloca below 128 KB, malloc above), which would break "no allocation inside a training
// step"; here the buffers come from the workspace arena instead. We reach one level into
// Eigen's internals (general_matrix_matrix_product + level3_blocking), the same entry its
// public API uses, and keep that dependency in this one file.
#include <Eigen/Core>
#include <algorithm>
#include <cstddef>

namespace latentlab::cpu {

enum class Transpose : bool { no = false, yes = true };

struct GemmSize {
    std::ptrdiff_t m, n, k;  // C is m×n, op(A) is m×k, op(B) is k×n
};

namespace detail {

template <class T>
class GemmBlocking : public Eigen::internal::level3_blocking<T, T> {
public:
    explicit GemmBlocking(GemmSize size) {
        // A row-major product is computed by Eigen as the column-major Cᵀ = op(B)ᵀ op(A)ᵀ,
        // whose row count is our n.
        this->m_mc = size.n;
        this->m_nc = size.m;
        this->m_kc = size.k;
        Eigen::internal::computeProductBlockingSizes<T, T, 1>(this->m_kc, this->m_mc, this->m_nc, Eigen::Index{1});
    }
    std::size_t elements_a() const { return static_cast<std::size_t>(this->m_kc * this->m_mc); }
    std::size_t elements_b() const { return static_cast<std::size_t>(this->m_kc * this->m_nc); }
    // Packing panels are read with aligned vector loads: start B on a 64-byte boundary.
    std::size_t offset_b() const { return (elements_a() * sizeof(T) + 63) / 64 * 64 / sizeof(T); }
    void use(T* scratch) {
        this->m_blockA = scratch;
        this->m_blockB = scratch + offset_b();
    }
};

template <class T, int OrderA, int OrderB>
void gemm_kernel(GemmSize s, const T* a, std::ptrdiff_t lda, const T* b, std::ptrdiff_t ldb, T* c,
                 std::ptrdiff_t ldc, T alpha, GemmBlocking<T>& blocking) {
    Eigen::internal::general_matrix_matrix_product<std::ptrdiff_t, T, OrderA, false, T, OrderB, false,
                                                   Eigen::RowMajor, 1>::run(s.m, s.n, s.k, a, lda, b, ldb, c, 1,
                                                                            ldc, alpha, blocking);
}

}  // namespace detail

// Elements of scratch that gemm() needs for a product of this size (plus alignment slack).
template <class T>
std::size_t gemm_scratch_elements(GemmSize size) {
    detail::GemmBlocking<T> blocking(size);
    return blocking.offset_b() + blocking.elements_b() + 64 / sizeof(T);
}

// C = alpha·op(A)·op(B) (+ C when accumulate). A, B, C row-major with leading dimensions
// lda, ldb, ldc; op(X) = Xᵀ when its Transpose flag is yes. scratch: 64-byte aligned, at
// least gemm_scratch_elements<T>(size) elements.
template <class T>
void gemm(GemmSize size, Transpose trans_a, const T* a, std::ptrdiff_t lda, Transpose trans_b, const T* b,
          std::ptrdiff_t ldb, T* c, std::ptrdiff_t ldc, T alpha, bool accumulate, T* scratch) {
    if (!accumulate)
        for (std::ptrdiff_t row = 0; row < size.m; ++row) std::fill_n(c + row * ldc, size.n, T(0));
    if (size.m == 0 || size.n == 0 || size.k == 0) return;
    detail::GemmBlocking<T> blocking(size);
    blocking.use(scratch);
    constexpr int row = Eigen::RowMajor, col = Eigen::ColMajor;
    const bool ta = trans_a == Transpose::yes, tb = trans_b == Transpose::yes;
    if (!ta && !tb) detail::gemm_kernel<T, row, row>(size, a, lda, b, ldb, c, ldc, alpha, blocking);
    else if (!ta && tb) detail::gemm_kernel<T, row, col>(size, a, lda, b, ldb, c, ldc, alpha, blocking);
    else if (ta && !tb) detail::gemm_kernel<T, col, row>(size, a, lda, b, ldb, c, ldc, alpha, blocking);
    else detail::gemm_kernel<T, col, col>(size, a, lda, b, ldb, c, ldc, alpha, blocking);
}

}  // namespace latentlab::cpu
