#pragma once
// L2 weight decay in Keras' convention (keras.regularizers.l2(λ), the originals' form):
//     penalty = λ Σ w²,   ∂penalty/∂w = 2λ w.
// Other conventions map onto it: the textbook λ'/2 Σ w² (gradient λ' w) and PyTorch's
// optimizer weight_decay = λ' (which adds λ' w to the gradient) are both λ = λ'/2 here.
// A regularizer added to the data loss: its gradient is *added* into the parameters'
// gradient, which already holds the data loss's share.
#include <cstddef>
#include <span>
#include <type_traits>

#include <Eigen/Core>

#include "latentlab/core/error.hpp"

namespace latentlab::losses {

struct L2WeightDecay {
    double lambda = 0.0;

    // Returns the penalty over w and adds ∂penalty/∂w into gradient (same length as w).
    template <class T>
    double value_and_add_gradient(std::type_identity_t<std::span<const T>> w, std::span<T> gradient) const {
        require(lambda >= 0, "L2WeightDecay: lambda must be at least 0, found ", lambda);
        require(w.size() == gradient.size(), "L2WeightDecay: ", w.size(), " parameters but a gradient of ",
                gradient.size(), " values");
        using Vector = Eigen::Array<T, Eigen::Dynamic, 1>;
        const Eigen::Map<const Vector> weights(w.data(), static_cast<Eigen::Index>(w.size()));
        Eigen::Map<Vector>(gradient.data(), static_cast<Eigen::Index>(gradient.size())) +=
            static_cast<T>(2 * lambda) * weights;
        return lambda * weights.template cast<double>().square().sum();
    }
};

}  // namespace latentlab::losses
