#pragma once
// Nadam as in Keras 2.3 (Dozat 2016, with the momentum schedule μ_t = β₁(1 − ½·0.96^(t·ψ))),
// the algorithm of PyTorch ≥ 2.0's NAdam(lr, betas, eps, momentum_decay = ψ). (PyTorch 1.13,
// Debian's, multiplies the next momentum product by μ_t twice; tools/make_golden.py shows
// that this is the only difference.) E1 pins lr 0.002, β₁ 0.9, β₂ 0.999, ε 1e-7, ψ 0.004.
// weight_decay is PyTorch's (L2 added to the gradient, d = g + λθ); Keras' Nadam has none.
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "latentlab/optim/description.hpp"
#include "latentlab/optim/optimizer.hpp"

namespace latentlab::optim {

struct NadamOptions {
    double lr = 0.002;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-7;
    double momentum_decay = 0.004;
    double weight_decay = 0;
};

class Nadam : public OptimizerBase<Nadam, 2> {
public:
    static constexpr std::string_view name = "Nadam";

    explicit Nadam(NadamOptions options = {}) : OptimizerBase({Slot{"exp_avg"}, Slot{"exp_avg_sq"}}), o_(options) {
        check_option(name, "lr", o_.lr, 0.0);
        check_option(name, "beta1", o_.beta1, 0.0, Bound::closed, 1.0, Bound::open);
        check_option(name, "beta2", o_.beta2, 0.0, Bound::closed, 1.0, Bound::open);
        check_option(name, "epsilon", o_.epsilon, 0.0);
        check_option(name, "momentum_decay", o_.momentum_decay, 0.0);
        check_option(name, "weight_decay", o_.weight_decay, 0.0);
    }

    double learning_rate() const { return o_.lr; }

    // Sizes the moment buffers; the steps that follow do not allocate.
    void initialize(std::size_t parameter_count) {
        OptimizerBase::initialize(parameter_count);
        mu_product_ = 1.0;
    }

    using OptimizerBase::step;
    template <std::floating_point T>
    void step(std::span<T> parameters, std::span<const std::type_identity_t<T>> gradients, double lr,
              std::span<const Segment> segments) {
        begin_step(parameters.size(), gradients.size(), lr, segments);
        double* m = slot(0);
        double* v = slot(1);
        const double t = step_number();
        const double mu = o_.beta1 * (1.0 - 0.5 * std::pow(0.96, t * o_.momentum_decay));
        const double mu_next = o_.beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * o_.momentum_decay));
        mu_product_ *= mu;
        const double bias2 = 1.0 - std::pow(o_.beta2, t);
        const double gradient_coefficient = (1.0 - mu) / (1.0 - mu_product_);
        const double momentum_coefficient = mu_next / (1.0 - mu_product_ * mu_next);
        update_segments(parameters, gradients, segments, lr, o_.weight_decay,
                        [&](std::size_t i, double theta, double g, double step_lr, double decay) {
                            g += decay * theta;
                            m[i] = o_.beta1 * m[i] + (1.0 - o_.beta1) * g;
                            v[i] = o_.beta2 * v[i] + (1.0 - o_.beta2) * g * g;
                            const double denominator = std::sqrt(v[i] / bias2) + o_.epsilon;
                            return theta -
                                   step_lr * (gradient_coefficient * g + momentum_coefficient * m[i]) / denominator;
                        });
    }

    template <class F>
    void for_each_state(F&& f) {
        OptimizerBase::for_each_state(f);
        f(std::string_view("mu_product"), std::span<double>(&mu_product_, 1));
    }

    std::string describe() const {
        return Description(name)
            .add("lr", o_.lr)
            .add("beta1", o_.beta1)
            .add("beta2", o_.beta2)
            .add("epsilon", o_.epsilon)
            .add("momentum_decay", o_.momentum_decay)
            .add("weight_decay", o_.weight_decay)
            .str();
    }

private:
    NadamOptions o_;
    double mu_product_ = 1.0;  // Π μ_s over the steps taken
};

static_assert(Optimizer<Nadam>);

}  // namespace latentlab::optim
