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
        double total = 0;
        cpu::parallel_for_reduce(cpu, pixels, total, [&](std::size_t begin, std::size_t end) {
            double sum_loss = 0;
            for (std::size_t px = begin; px < end; ++px) {
                const T* pp = p.data + px * Classes;
                const T* yy = target.data + px * Classes;
                T* g = dp.data + px * Classes;
                double s = 0;
                for (int c = 0; c < Classes; ++c) s += pp[c];
                std::array<double, Classes> dq{};
                double dq_dot_q = 0;
                for (int c = 0; c < Classes; ++c) {
                    const double q = pp[c] / s;
                    const double wy = weights[c] * yy[c];
                    if (wy == 0.0) continue;  // one-hot targets: one logarithm per pixel, not Classes
                    const double clipped = std::clamp(q, epsilon, 1.0 - epsilon);
                    sum_loss -= wy * std::log(clipped);
                    // clip passes the gradient only inside [ε, 1 − ε]
                    dq[c] = (q >= epsilon && q <= 1.0 - epsilon) ? -wy / clipped : 0.0;
                    dq_dot_q += dq[c] * q;
                }
                for (int c = 0; c < Classes; ++c) g[c] = static_cast<T>(scale * (dq[c] - dq_dot_q) / s);
            }
            return sum_loss;
        });
        return total * scale;
    }
};

}  // namespace latentlab::losses
