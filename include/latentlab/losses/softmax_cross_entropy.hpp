#pragma once
// Categorical cross-entropy on logits z (no Softmax layer before it), with optional class
// weights in the Keras form, per pixel:
//     log p_c = z_c − log Σ_k exp z_k,   ℓ = −Σ_c w_c y_c log p_c,
// averaged over every pixel of the batch (Keras' reduction, not PyTorch's division by Σw;
// with all weights 1 it equals PyTorch's cross_entropy). The log-softmax is fused and
// shifted by max z, so logits of ±1000 give finite values where softmax-then-log would
// take log 0. Gradient: ∂ℓ/∂z_k = (Σ_c w_c y_c) p_k − w_k y_k, i.e. w_t (p − y) for a
// one-hot target of class t.
#include <algorithm>
#include <array>
#include <cmath>
#include <type_traits>

#include "latentlab/losses/mean_of_terms.hpp"

namespace latentlab::losses {

template <int Classes>
struct SoftmaxCrossEntropy {
    static constexpr std::array<double, Classes> unweighted() {
        std::array<double, Classes> ones{};
        ones.fill(1.0);
        return ones;
    }

    std::array<double, Classes> weights = unweighted();

    // Returns the mean loss and writes ∂loss/∂z into dz.
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    double value_and_gradient(const Cpu& cpu, TensorView<Q, S> z, std::type_identity_t<ConstView<T, S>> target,
                              std::type_identity_t<TensorView<T, S>> dz) const {
        static_assert(S::channels == Classes, "the loss's class count must equal the network's output channels");
        std::array<T, Classes> w{};
        for (int c = 0; c < Classes; ++c) w[c] = static_cast<T>(weights[c]);
        return detail::mean_of_terms(cpu, "SoftmaxCrossEntropy", z, target, dz, Classes,
                                     [&](const T* zz, const T* yy, T* g, T scale) {
                                         const T shift = *std::max_element(zz, zz + Classes);
                                         std::array<T, Classes> e{};
                                         T sum = 0;
                                         for (int c = 0; c < Classes; ++c) sum += e[c] = std::exp(zz[c] - shift);
                                         const T log_sum = std::log(sum), inverse = T(1) / sum;
                                         T weighted_targets = 0;
                                         double loss = 0;
                                         for (int c = 0; c < Classes; ++c) {
                                             const T wy = w[c] * yy[c];
                                             weighted_targets += wy;
                                             loss -= static_cast<double>(wy) *
                                                     static_cast<double>(zz[c] - shift - log_sum);
                                         }
                                         for (int c = 0; c < Classes; ++c)
                                             g[c] = scale * (weighted_targets * e[c] * inverse - w[c] * yy[c]);
                                         return loss;
                                     });
    }
};

}  // namespace latentlab::losses
