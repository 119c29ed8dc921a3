#pragma once
// E1's categorical focal loss on probabilities p (the network ends in Softmax) and one-hot
// targets y, per pixel:
//     p̃ = clip(p, ε, 1 − ε),   ℓ = Σ_c α_c (1 − p̃_c)^γ (−y_c log p̃_c),
// averaged over every pixel of the batch (Keras' reduction). Defaults are E1's: γ = 2,
// ε = 1e-7, α = 0.75 for every foreground class and 0.25 for the background, which is the
// last class ((0.75, 0.75, 0.75, 0.25) for 4 classes). Unlike the weighted cross-entropy, p
// is not renormalized. The clip passes the gradient only inside [ε, 1 − ε]:
//     ∂ℓ/∂p_c = α_c y_c (γ (1 − p̃_c)^(γ−1) log p̃_c − (1 − p̃_c)^γ / p̃_c)   there, 0 outside.
#include <algorithm>
#include <array>
#include <cmath>
#include <type_traits>

#include "latentlab/losses/mean_of_terms.hpp"

namespace latentlab::losses {

template <int Classes>
struct FocalLoss {
    static constexpr std::array<double, Classes> background_last_alpha() {
        std::array<double, Classes> alpha{};
        alpha.fill(0.75);
        alpha[Classes - 1] = 0.25;
        return alpha;
    }

    std::array<double, Classes> alpha = background_last_alpha();
    double gamma = 2.0;
    double epsilon = 1e-7;

    // Returns the mean loss and writes ∂loss/∂p into dp.
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    double value_and_gradient(const Cpu& cpu, TensorView<Q, S> p, std::type_identity_t<ConstView<T, S>> target,
                              std::type_identity_t<TensorView<T, S>> dp) const {
        static_assert(S::channels == Classes, "the loss's class count must equal the network's output channels");
        require(gamma >= 0, "FocalLoss: gamma must be at least 0, found ", gamma);
        require(epsilon > 0 && epsilon < 0.5, "FocalLoss: epsilon must lie in (0, 0.5), found ", epsilon);
        const T low = static_cast<T>(epsilon), high = T(1) - low, power = static_cast<T>(gamma);
        std::array<T, Classes> a{};
        for (int c = 0; c < Classes; ++c) a[c] = static_cast<T>(alpha[c]);
        return detail::mean_of_terms(cpu, "FocalLoss", p, target, dp, Classes,
                                     [&](const T* pp, const T* yy, T* g, T scale) {
                                         double loss = 0;
                                         for (int c = 0; c < Classes; ++c) {
                                             g[c] = T(0);
                                             const T ay = a[c] * yy[c];
                                             if (ay == T(0)) continue;  // one-hot: one term per pixel
                                             const T q = std::clamp(pp[c], low, high);
                                             const T log_q = std::log(q), rest = T(1) - q;
                                             const T focus = std::pow(rest, power);
                                             loss -= static_cast<double>(ay * focus * log_q);
                                             if (pp[c] >= low && pp[c] <= high)
                                                 g[c] = scale * ay *
                                                        (power * std::pow(rest, power - T(1)) * log_q - focus / q);
                                         }
                                         return loss;
                                     });
    }
};

}  // namespace latentlab::losses
