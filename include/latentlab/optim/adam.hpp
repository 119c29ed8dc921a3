#pragma once
// Adam and AdamW as PyTorch computes them (torch.optim.Adam / AdamW):
//   m ← β₁m + (1 − β₁)d,  v ← β₂v + (1 − β₂)d²,  (AMSGrad: v̂ ← max(v̂, v), used instead of v)
//   θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
// where d = g + λθ (Adam's L2 weight decay), or, with `decoupled` (AdamW), d = g and θ is first
// shrunk by θ ← θ(1 − lr·λ). ε is added after the bias correction of √v, as PyTorch does (not
// the ε̂ of the Adam paper's last line). E2 and E3 use the defaults with lr 1e-3.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "latentlab/optim/description.hpp"
#include "latentlab/optim/optimizer.hpp"

namespace latentlab::optim {

struct AdamOptions {
    double lr = 0.001;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-8;
    double weight_decay = 0;
    bool decoupled = false;  // AdamW
    bool amsgrad = false;
};

class Adam : public OptimizerBase<Adam, 3> {
public:
    static constexpr std::string_view name = "Adam";

    explicit Adam(AdamOptions options = {})
        : OptimizerBase({Slot{"exp_avg"}, Slot{"exp_avg_sq"}, Slot{"max_exp_avg_sq", options.amsgrad}}),
          o_(options) {
        check_option(name, "lr", o_.lr, 0.0);
        check_option(name, "beta1", o_.beta1, 0.0, Bound::closed, 1.0, Bound::open);
        check_option(name, "beta2", o_.beta2, 0.0, Bound::closed, 1.0, Bound::open);
        check_option(name, "epsilon", o_.epsilon, 0.0);
        check_option(name, "weight_decay", o_.weight_decay, 0.0);
    }

    double learning_rate() const { return o_.lr; }

    using OptimizerBase::step;
    template <std::floating_point T>
    void step(std::span<T> parameters, std::span<const std::type_identity_t<T>> gradients, double lr,
              std::span<const Segment> segments) {
        begin_step(parameters.size(), gradients.size(), lr, segments);
        double* m = slot(0);
        double* v = slot(1);
        double* v_max = slot(2);
        const double bias_correction1 = 1 - std::pow(o_.beta1, step_number());
        const double bias_correction2_sqrt = std::sqrt(1 - std::pow(o_.beta2, step_number()));
        update_segments(parameters, gradients, segments, lr, o_.weight_decay,
                        [&](std::size_t i, double theta, double g, double step_lr, double decay) {
                            if (o_.decoupled)
                                theta *= 1 - step_lr * decay;
                            else
                                g += decay * theta;
                            m[i] = o_.beta1 * m[i] + (1 - o_.beta1) * g;
                            v[i] = o_.beta2 * v[i] + (1 - o_.beta2) * g * g;
                            double second_moment = v[i];
                            if (o_.amsgrad) second_moment = v_max[i] = std::max(v_max[i], v[i]);
                            const double denominator = std::sqrt(second_moment) / bias_correction2_sqrt + o_.epsilon;
                            return theta - step_lr / bias_correction1 * (m[i] / denominator);
                        });
    }

    std::string describe() const {
        return Description(name)
            .add("lr", o_.lr)
            .add("beta1", o_.beta1)
            .add("beta2", o_.beta2)
            .add("epsilon", o_.epsilon)
            .add("weight_decay", o_.weight_decay)
            .add("decoupled", o_.decoupled)
            .add("amsgrad", o_.amsgrad)
            .str();
    }

private:
    AdamOptions o_;
};

static_assert(Optimizer<Adam>);

}  // namespace latentlab::optim
