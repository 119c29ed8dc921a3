#pragma once
// E4's KL sparsity penalty of a sparse autoencoder, on the activations a of sigmoid hidden
// units (every value of an image is one unit j):
//     ρ̂_j = (1/N) Σ_n a_nj,   penalty = β Σ_j ρ log(ρ/ρ̂_j) + (1 − ρ) log((1 − ρ)/(1 − ρ̂_j)),
//     ∂penalty/∂a_nj = (β/N) (−ρ/ρ̂_j + (1 − ρ)/(1 − ρ̂_j)),
// with ρ = 0.05 and β = 1 by default. It is a regularizer on a hidden layer, added to the
// reconstruction loss: its gradient is *added* into the activations' gradient, which
// already holds the reconstruction loss's share. Every mean ρ̂_j must lie in (0, 1).
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "latentlab/losses/mean_of_terms.hpp"

namespace latentlab::losses {

struct KlSparsity {
    double sparsity = 0.05;  // ρ, the target mean activation
    double weight = 1.0;     // β

    // Returns the penalty and adds ∂penalty/∂a into da. On an error da is left unchanged.
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    double value_and_add_gradient(const Cpu& cpu, TensorView<Q, S> activations,
                                  std::type_identity_t<TensorView<T, S>> da) const {
        require(sparsity > 0 && sparsity < 1, "KlSparsity: the sparsity target rho must lie in (0, 1), found ",
                sparsity);
        require(weight >= 0, "KlSparsity: the weight beta must be at least 0, found ", weight);
        require(activations.batch == da.batch, "KlSparsity: activations hold ", activations.batch,
                " images, gradient ", da.batch);
        require(activations.batch > 0, "KlSparsity: the batch is empty (the mean activation is undefined)");
        const std::size_t batch = activations.batch;
        const T* const a = activations.data;
        const auto mean_activation = [&](std::size_t unit) {
            double sum = 0;
            for (std::size_t n = 0; n < batch; ++n) sum += static_cast<double>(a[n * S::size + unit]);
            return sum / static_cast<double>(batch);
        };
        const double rho = sparsity;
        // First the value, with no writes: a mean outside (0, 1) makes it NaN, and then the
        // error names the first such unit before da is touched.
        const double total = detail::ordered_sum(cpu, S::size, [&](std::size_t begin, std::size_t end) {
            double sum = 0;
            for (std::size_t j = begin; j < end; ++j) {
                const double mean = mean_activation(j);
                sum += mean > 0 && mean < 1 ? rho * std::log(rho / mean) + (1 - rho) * std::log((1 - rho) / (1 - mean))
                                            : std::nan("");
            }
            return sum;
        });
        if (!std::isfinite(total))
            for (std::size_t j = 0; j < S::size; ++j) {
                const double mean = mean_activation(j);
                require(mean > 0 && mean < 1, "KlSparsity: the mean activation of hidden unit ", j,
                        " over the batch must lie in (0, 1) (sigmoid units), found ", mean);
            }
        T* const gradient = da.data;
        const double scale = weight / static_cast<double>(batch);
        cpu::parallel_for(cpu, S::size, [&](std::size_t begin, std::size_t end, int) {
            for (std::size_t j = begin; j < end; ++j) {
                const double mean = mean_activation(j);
                const T d = static_cast<T>(scale * (-rho / mean + (1 - rho) / (1 - mean)));
                for (std::size_t n = 0; n < batch; ++n) gradient[n * S::size + j] += d;
            }
        });
        return weight * total;
    }
};

}  // namespace latentlab::losses
