#pragma once
// Weighted categorical cross-entropy in the Keras form of E1, on probabilities p (the
// network ends in Softmax) and one-hot targets y, per pixel:
//     q = p / Σ_c p_c,   q̃ = clip(q, ε, 1 − ε),   ℓ = −Σ_c w_c y_c log q̃_c,
// averaged over every pixel of the batch (Keras' reduction; not PyTorch's division by Σw).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include <Eigen/Core>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/tensor.hpp"

namespace latentlab::losses {

template <int Classes>
struct WeightedCrossEntropy {
    std::array<double, Classes> weights{};
    double epsilon = 1e-7;

    // Returns the mean loss and writes ∂loss/∂p into dp.
    // p may be a view of const or mutable values (the network's output or a user's tensor).
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    double value_and_gradient(const Cpu& cpu, TensorView<Q, S> p, std::type_identity_t<ConstView<T, S>> target,
                              std::type_identity_t<TensorView<T, S>> dp) const {
        static_assert(S::channels == Classes, "the loss's class count must equal the network's output channels");
        require(p.batch == target.batch && p.batch == dp.batch, "WeightedCrossEntropy: predictions hold ", p.batch,
                " images, targets ", target.batch, ", gradient ", dp.batch);
        const std::size_t pixels = p.batch * S::height * S::width;
        const double scale = 1.0 / static_cast<double>(pixels);
        const T gradient_scale = static_cast<T>(scale), low = static_cast<T>(epsilon), high = T(1) - low;
        std::array<T, Classes> w{};
        for (int c = 0; c < Classes; ++c) w[c] = static_cast<T>(weights[c]);
        // Locals, not members of the views: the compiler need not reload them after each store.
        const T* const probabilities = p.data;
        const T* const targets = target.data;
        T* const gradient = dp.data;
        double total = 0;
        cpu::parallel_for_reduce(cpu, pixels, total, [&](std::size_t begin, std::size_t end) {
            // The logarithms of a block of pixels are taken in one vectorized call over the
            // terms with w·y ≠ 0 (one per pixel for one-hot targets): a scalar log per pixel
            // made this loss cost as much as a convolution layer.
            constexpr std::size_t block = 256;
            std::array<T, block * Classes> clipped_terms, weighted_targets;
            double sum_loss = 0;
            for (std::size_t first = begin; first < end; first += block) {
                const std::size_t last = std::min(first + block, end);
                std::size_t terms = 0;
                for (std::size_t px = first; px < last; ++px) {
                    const T* pp = probabilities + px * Classes;
                    const T* yy = targets + px * Classes;
                    T s = 0;
                    for (int c = 0; c < Classes; ++c) s += pp[c];
                    const T inverse = T(1) / s;
                    std::array<T, Classes> dq{};
                    T dq_dot_q = 0;
                    for (int c = 0; c < Classes; ++c) {
                        const T wy = w[c] * yy[c];
                        if (wy == T(0)) continue;  // one-hot targets: one term per pixel, not Classes
                        const T q = pp[c] * inverse;
                        const T clipped = std::clamp(q, low, high);
                        // clip passes the gradient only inside [ε, 1 − ε]
                        dq[c] = (q >= low && q <= high) ? -wy / clipped : T(0);
                        dq_dot_q += dq[c] * q;
                        clipped_terms[terms] = clipped;
                        weighted_targets[terms] = wy;
                        ++terms;
                    }
                    T* g = gradient + px * Classes;
                    for (int c = 0; c < Classes; ++c) g[c] = gradient_scale * (dq[c] - dq_dot_q) * inverse;
                }
                using Terms = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
                const auto count = static_cast<Eigen::Index>(terms);
                sum_loss -= (Terms(weighted_targets.data(), count) * Terms(clipped_terms.data(), count).log())
                                .template cast<double>()
                                .sum();
            }
            return sum_loss;
        });
        return total * scale;
    }
};

}  // namespace latentlab::losses
