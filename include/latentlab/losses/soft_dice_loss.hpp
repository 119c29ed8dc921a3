#pragma once
// Standard soft Dice loss, per image and per class (E1's "standard soft Dice per class over
// the image"), with smooth s = 1: for image n and class c, sums over the image's pixels,
//     D_nc = (2 Σ y p + s) / (Σ y + Σ p + s),   ℓ_n = 1 − (1/C) Σ_c D_nc,
// and the loss is the mean of ℓ_n over the batch. No squares and no absolute values (p and
// y are non-negative); a class absent from both target and prediction gives D = 1.
#include <array>
#include <type_traits>

#include "latentlab/losses/mean_of_terms.hpp"

namespace latentlab::losses {

template <int Classes>
struct SoftDiceLoss {
    double smooth = 1.0;

    // Returns the mean loss and writes ∂loss/∂p into dp.
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    double value_and_gradient(const Cpu& cpu, TensorView<Q, S> p, std::type_identity_t<ConstView<T, S>> target,
                              std::type_identity_t<TensorView<T, S>> dp) const {
        static_assert(S::channels == Classes, "the loss's class count must equal the network's output channels");
        require(smooth > 0, "SoftDiceLoss: smooth must be positive (it keeps 0/0 away), found ", smooth);
        constexpr std::size_t pixels = std::size_t(S::height) * S::width;
        const double s = smooth;
        return detail::mean_of_terms(cpu, "SoftDiceLoss", p, target, dp, S::size,
                                     [s](const T* pp, const T* yy, T* g, T scale) {
                                         std::array<double, Classes> overlap{}, total{};
                                         for (std::size_t i = 0; i < pixels * Classes; ++i) {
                                             overlap[i % Classes] += double(yy[i]) * double(pp[i]);
                                             total[i % Classes] += double(yy[i]) + double(pp[i]);
                                         }
                                         // ∂D/∂p = (2y (Σy + Σp + s) − (2 Σyp + s)) / (Σy + Σp + s)²
                                         std::array<T, Classes> a{}, b{};
                                         double dice = 0;
                                         for (int c = 0; c < Classes; ++c) {
                                             const double numerator = 2 * overlap[c] + s, denominator = total[c] + s;
                                             dice += numerator / denominator;
                                             a[c] = static_cast<T>(2 / denominator);
                                             b[c] = static_cast<T>(numerator / (denominator * denominator));
                                         }
                                         const T factor = -scale / T(Classes);
                                         for (std::size_t i = 0; i < pixels * Classes; ++i)
                                             g[i] = factor * (a[i % Classes] * yy[i] - b[i % Classes]);
                                         return 1.0 - dice / Classes;
                                     });
    }
};

}  // namespace latentlab::losses
