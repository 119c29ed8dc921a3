#pragma once
// Binary cross-entropy on probabilities p (the network ends in a sigmoid), Keras 2.3's
// form: p is clipped to [ε, 1 − ε] with ε = 1e-7 (Keras' backend epsilon), so that a
// saturated sigmoid (p = 0 or 1 in float) gives a finite loss, then
//     ℓ = −(y log p̃ + (1 − y) log(1 − p̃)),   loss = mean over every value of the batch
// (Keras computes the same through logits log(p̃/(1 − p̃)) and sigmoid cross-entropy).
// Here 1 − p̃ is taken as clip(1 − p, ε, 1 − ε): equal in exact arithmetic, but in float it
// keeps a saturated p = 1 at −log ε (Keras in float32 gives −log 1.19e-7 there, since
// 1 − ε rounds). The clip passes the gradient only inside [ε, 1 − ε] (as TensorFlow's
// clip_by_value): outside it ∂loss/∂p = 0. Targets may be soft (any y in [0, 1]).
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "latentlab/losses/mean_of_terms.hpp"

namespace latentlab::losses {

struct BinaryCrossEntropy {
    double epsilon = 1e-7;

    // Returns the mean loss and writes ∂loss/∂p into dp.
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    double value_and_gradient(const Cpu& cpu, TensorView<Q, S> p, std::type_identity_t<ConstView<T, S>> target,
                              std::type_identity_t<TensorView<T, S>> dp) const {
        require(epsilon > 0 && epsilon < 0.5, "BinaryCrossEntropy: epsilon must lie in (0, 0.5), found ", epsilon);
        const T low = static_cast<T>(epsilon), high = T(1) - low;
        return detail::mean_of_terms(cpu, "BinaryCrossEntropy", p, target, dp, 1,
                                     [=](const T* pp, const T* yy, T* g, T scale) {
                                         const T q = *pp, y = *yy;
                                         const T clipped = std::clamp(q, low, high);
                                         const T complement = std::clamp(T(1) - q, low, high);
                                         const bool inside = q >= low && T(1) - q >= low;
                                         *g = inside ? scale * ((T(1) - y) / complement - y / clipped) : T(0);
                                         return -(static_cast<double>(y) * std::log(static_cast<double>(clipped)) +
                                                  static_cast<double>(T(1) - y) *
                                                      std::log(static_cast<double>(complement)));
                                     });
    }
};

}  // namespace latentlab::losses
