#pragma once
// RMSprop as PyTorch computes it (torch.optim.RMSprop): d = g + λθ,
//   s ← αs + (1 − α)d²;  centered: a ← αa + (1 − α)d and s − a² replaces s;
//   r = √s + ε (ε outside the root, unlike Keras/TensorFlow, which put it inside);
//   with momentum μ: b ← μb + d/r, θ ← θ − lr·b; else θ ← θ − lr·d/r.
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "latentlab/optim/description.hpp"
#include "latentlab/optim/optimizer.hpp"

namespace latentlab::optim {

struct RmspropOptions {
    double lr = 0.01;
    double alpha = 0.99;
    double epsilon = 1e-8;
    double weight_decay = 0;
    double momentum = 0;
    bool centered = false;
};

class Rmsprop : public OptimizerBase<Rmsprop, 3> {
public:
    static constexpr std::string_view name = "RMSprop";

    explicit Rmsprop(RmspropOptions options = {})
        : OptimizerBase({Slot{"square_avg"}, Slot{"grad_avg", options.centered},
                         Slot{"momentum_buffer", options.momentum != 0}}),
          o_(options) {
        check_option(name, "lr", o_.lr, 0.0);
        check_option(name, "alpha", o_.alpha, 0.0, Bound::closed, 1.0, Bound::closed);
        check_option(name, "epsilon", o_.epsilon, 0.0);
        check_option(name, "weight_decay", o_.weight_decay, 0.0);
        check_option(name, "momentum", o_.momentum, 0.0);
    }

    double learning_rate() const { return o_.lr; }

    using OptimizerBase::step;
    template <std::floating_point T>
    void step(std::span<T> parameters, std::span<const std::type_identity_t<T>> gradients, double lr,
              std::span<const Segment> segments) {
        begin_step(parameters.size(), gradients.size(), lr, segments);
        double* square_avg = slot(0);
        double* grad_avg = slot(1);
        double* buffer = slot(2);
        update_segments(parameters, gradients, segments, lr, o_.weight_decay,
                        [&](std::size_t i, double theta, double g, double step_lr, double decay) {
                            const double d = g + decay * theta;
                            square_avg[i] = o_.alpha * square_avg[i] + (1 - o_.alpha) * d * d;
                            double variance = square_avg[i];
                            if (o_.centered) {
                                grad_avg[i] = o_.alpha * grad_avg[i] + (1 - o_.alpha) * d;
                                variance -= grad_avg[i] * grad_avg[i];
                            }
                            const double rms = std::sqrt(variance) + o_.epsilon;
                            if (o_.momentum == 0) return theta - step_lr * (d / rms);
                            buffer[i] = o_.momentum * buffer[i] + d / rms;
                            return theta - step_lr * buffer[i];
                        });
    }

    std::string describe() const {
        return Description(name)
            .add("lr", o_.lr)
            .add("alpha", o_.alpha)
            .add("epsilon", o_.epsilon)
            .add("weight_decay", o_.weight_decay)
            .add("momentum", o_.momentum)
            .add("centered", o_.centered)
            .str();
    }

private:
    RmspropOptions o_;
};

static_assert(Optimizer<Rmsprop>);

}  // namespace latentlab::optim
