#pragma once
// Jaccard (IoU) loss, per image and per class, with E1's soft IoU (smooth s = 1): for image
// n and class c, sums over the image's pixels,
//     J_nc = (Σ|y p| + s) / (Σ y + Σ p − Σ|y p| + s),   ℓ_n = 1 − (1/C) Σ_c J_nc,
// and the loss is the mean of ℓ_n over the batch.
#include <array>
#include <cmath>
#include <type_traits>

#include "latentlab/losses/mean_of_terms.hpp"

namespace latentlab::losses {

template <int Classes>
struct IoULoss {
    double smooth = 1.0;

    // Returns the mean loss and writes ∂loss/∂p into dp.
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    double value_and_gradient(const Cpu& cpu, TensorView<Q, S> p, std::type_identity_t<ConstView<T, S>> target,
                              std::type_identity_t<TensorView<T, S>> dp) const {
        static_assert(S::channels == Classes, "the loss's class count must equal the network's output channels");
        require(smooth > 0, "IoULoss: smooth must be positive (it keeps 0/0 away), found ", smooth);
        constexpr std::size_t pixels = std::size_t(S::height) * S::width;
        const double s = smooth;
        return detail::mean_of_terms(cpu, "IoULoss", p, target, dp, S::size,
                                     [s](const T* pp, const T* yy, T* g, T scale) {
                                         std::array<double, Classes> overlap{}, total{};
                                         for (std::size_t i = 0; i < pixels * Classes; ++i) {
                                             overlap[i % Classes] += std::abs(double(yy[i]) * double(pp[i]));
                                             total[i % Classes] += double(yy[i]) + double(pp[i]);
                                         }
                                         // With I = Σ|yp|, U = Σy + Σp − I + s and I' = ∂I/∂p:
                                         // ∂J/∂p = (I' U − (I + s)(1 − I')) / U² = I' (U + I + s)/U² − (I + s)/U².
                                         std::array<T, Classes> a{}, b{};
                                         double jaccard = 0;
                                         for (int c = 0; c < Classes; ++c) {
                                             const double numerator = overlap[c] + s;
                                             const double denominator = total[c] - overlap[c] + s;
                                             jaccard += numerator / denominator;
                                             a[c] = static_cast<T>((denominator + numerator) / (denominator * denominator));
                                             b[c] = static_cast<T>(numerator / (denominator * denominator));
                                         }
                                         const T factor = -scale / T(Classes);
                                         for (std::size_t i = 0; i < pixels * Classes; ++i) {
                                             const T d_overlap = detail::abs_product_derivative(yy[i], pp[i]);
                                             g[i] = factor * (a[i % Classes] * d_overlap - b[i % Classes]);
                                         }
                                         return 1.0 - jaccard / Classes;
                                     });
    }
};

}  // namespace latentlab::losses
