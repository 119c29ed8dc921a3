#pragma once
// E1's Dice loss in the original's form: per pixel, over the class axis, with smooth s = 1,
//     ℓ = 1 − (2 Σ_c |y_c p_c| + s) / (Σ_c y_c² + Σ_c p_c² + s),
// averaged over every pixel of the batch (Keras' reduction). Note the squares in the
// denominator (the V-Net form) and that the sums run over the classes of one pixel, not
// over an image: SoftDiceLoss (soft_dice_loss.hpp) is the usual per-class Dice over images.
#include <cmath>
#include <type_traits>

#include "latentlab/losses/mean_of_terms.hpp"

namespace latentlab::losses {

template <int Classes>
struct DiceLoss {
    double smooth = 1.0;

    // Returns the mean loss and writes ∂loss/∂p into dp.
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    double value_and_gradient(const Cpu& cpu, TensorView<Q, S> p, std::type_identity_t<ConstView<T, S>> target,
                              std::type_identity_t<TensorView<T, S>> dp) const {
        static_assert(S::channels == Classes, "the loss's class count must equal the network's output channels");
        require(smooth > 0, "DiceLoss: smooth must be positive (it keeps 0/0 away), found ", smooth);
        const T s = static_cast<T>(smooth);
        return detail::mean_of_terms(cpu, "DiceLoss", p, target, dp, Classes,
                                     [s](const T* pp, const T* yy, T* g, T scale) {
                                         T overlap = 0, squares = 0;
                                         for (int c = 0; c < Classes; ++c) {
                                             overlap += std::abs(yy[c] * pp[c]);
                                             squares += yy[c] * yy[c] + pp[c] * pp[c];
                                         }
                                         const T numerator = T(2) * overlap + s, denominator = squares + s;
                                         const T inverse = T(1) / denominator;
                                         for (int c = 0; c < Classes; ++c) {
                                             const T d_overlap = detail::abs_product_derivative(yy[c], pp[c]);
                                             g[c] = -scale * (T(2) * d_overlap - numerator * inverse * T(2) * pp[c]) *
                                                    inverse;
                                         }
                                         return 1.0 - static_cast<double>(numerator) / static_cast<double>(denominator);
                                     });
    }
};

}  // namespace latentlab::losses
