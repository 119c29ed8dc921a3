#pragma once
// Mean squared error, mean over every value of the batch (Keras' and PyTorch's 'mean'):
//     loss = (1 / (N·H·W·C)) Σ (p − y)².
#include <type_traits>

#include "latentlab/losses/mean_of_terms.hpp"

namespace latentlab::losses {

struct MeanSquaredError {
    // Returns the mean loss and writes ∂loss/∂p into dp.
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    double value_and_gradient(const Cpu& cpu, TensorView<Q, S> p, std::type_identity_t<ConstView<T, S>> target,
                              std::type_identity_t<TensorView<T, S>> dp) const {
        return detail::mean_of_terms(cpu, "MeanSquaredError", p, target, dp, 1,
                                     [](const T* pp, const T* yy, T* g, T scale) {
                                         const T difference = *pp - *yy;
                                         *g = scale * T(2) * difference;
                                         return static_cast<double>(difference) * static_cast<double>(difference);
                                     });
    }
};

}  // namespace latentlab::losses
