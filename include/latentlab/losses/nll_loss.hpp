#pragma once
// Negative log-likelihood on log-probabilities (E3: a LogSoftmax output) and one-hot
// targets y, per pixel ℓ = −Σ_c y_c log p_c, averaged over every pixel of the batch
// (PyTorch's nll_loss with reduction 'mean' and class-index targets). ∂loss/∂(log p) = −y / pixels.
#include <type_traits>

#include "latentlab/losses/mean_of_terms.hpp"

namespace latentlab::losses {

template <int Classes>
struct NllLoss {
    // Returns the mean loss and writes ∂loss/∂(log p) into dlog_p.
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    double value_and_gradient(const Cpu& cpu, TensorView<Q, S> log_p, std::type_identity_t<ConstView<T, S>> target,
                              std::type_identity_t<TensorView<T, S>> dlog_p) const {
        static_assert(S::channels == Classes, "the loss's class count must equal the network's output channels");
        return detail::mean_of_terms(cpu, "NllLoss", log_p, target, dlog_p, Classes,
                                     [](const T* lp, const T* yy, T* g, T scale) {
                                         double loss = 0;
                                         for (int c = 0; c < Classes; ++c) {
                                             g[c] = -scale * yy[c];
                                             // 0 · log 0 would be NaN: like PyTorch's class-index
                                             // form, only the target's term counts.
                                             if (yy[c] != T(0))
                                                 loss -= static_cast<double>(yy[c]) * static_cast<double>(lp[c]);
                                         }
                                         return loss;
                                     });
    }
};

}  // namespace latentlab::losses
