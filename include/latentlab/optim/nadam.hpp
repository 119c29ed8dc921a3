#pragma once
// Nadam as in Keras 2.3 (Dozat 2016, with the momentum schedule μ_t = β₁(1 − ½·0.96^(t·ψ))),
// the algorithm of PyTorch ≥ 2.0's NAdam(lr, betas, eps, momentum_decay = ψ). (PyTorch 1.13,
// Debian's, multiplies the next momentum product by μ_t twice; tools/make_golden.py shows
// that this is the only difference.) E1 pins lr 0.002, β₁ 0.9, β₂ 0.999, ε 1e-7, ψ 0.004.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "latentlab/core/buffer.hpp"
#include "latentlab/core/error.hpp"

namespace latentlab::optim {

struct NadamOptions {
    double lr = 0.002;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-7;
    double momentum_decay = 0.004;
};

class Nadam {
public:
    explicit Nadam(NadamOptions options = {}) : o_(options) {}

    // Sizes the moment buffers; the steps that follow do not allocate.
    void initialize(std::size_t parameter_count) {
        m_ = AlignedBuffer<double>(parameter_count);
        v_ = AlignedBuffer<double>(parameter_count);
        step_ = 0;
        mu_product_ = 1.0;
    }

    template <class T>
    void step(std::span<T> parameters, std::span<const T> gradients) {
        require(parameters.size() == gradients.size(), "Nadam: ", parameters.size(), " parameters but ",
                gradients.size(), " gradients");
        if (m_.size() != parameters.size()) initialize(parameters.size());
        ++step_;
        const double t = static_cast<double>(step_);
        const double mu = o_.beta1 * (1.0 - 0.5 * std::pow(0.96, t * o_.momentum_decay));
        const double mu_next = o_.beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * o_.momentum_decay));
        mu_product_ *= mu;
        const double bias2 = 1.0 - std::pow(o_.beta2, t);
        const double gradient_coefficient = o_.lr * (1.0 - mu) / (1.0 - mu_product_);
        const double momentum_coefficient = o_.lr * mu_next / (1.0 - mu_product_ * mu_next);
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            const double g = static_cast<double>(gradients[i]);
            m_[i] = o_.beta1 * m_[i] + (1.0 - o_.beta1) * g;
            v_[i] = o_.beta2 * v_[i] + (1.0 - o_.beta2) * g * g;
            const double denominator = std::sqrt(v_[i] / bias2) + o_.epsilon;
            parameters[i] -= static_cast<T>((gradient_coefficient * g + momentum_coefficient * m_[i]) / denominator);
        }
    }
    std::uint64_t steps_taken() const { return step_; }

private:
    NadamOptions o_;
    AlignedBuffer<double> m_, v_;
    std::uint64_t step_ = 0;
    double mu_product_ = 1.0;
};

}  // namespace latentlab::optim
