#pragma once
// SGD as PyTorch computes it (torch.optim.SGD): weight decay is added to the gradient,
// d = g + λθ; with momentum μ the buffer starts as d on the first step and then follows
// b ← μb + (1 − dampening)d; the step uses d + μb with Nesterov, else b; θ ← θ − lr·step.
// E1's phase 2 is SgdOptions{.lr = 0.02} with Schedule::time_decay(0.02 / 50).
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "latentlab/core/error.hpp"
#include "latentlab/optim/description.hpp"
#include "latentlab/optim/optimizer.hpp"

namespace latentlab::optim {

struct SgdOptions {
    double lr = 0.01;
    double momentum = 0;
    bool nesterov = false;
    double weight_decay = 0;
    double dampening = 0;
};

class Sgd : public OptimizerBase<Sgd, 1> {
public:
    static constexpr std::string_view name = "SGD";

    explicit Sgd(SgdOptions options = {})
        : OptimizerBase({Slot{"momentum_buffer", options.momentum != 0}}), o_(options) {
        check_option(name, "lr", o_.lr, 0.0);
        check_option(name, "momentum", o_.momentum, 0.0);
        check_option(name, "weight_decay", o_.weight_decay, 0.0);
        check_option(name, "dampening", o_.dampening, 0.0);
        require(!o_.nesterov || (o_.momentum > 0 && o_.dampening == 0),
                "SGD: nesterov needs momentum > 0 and dampening 0 (as in PyTorch), found momentum ", o_.momentum,
                " and dampening ", o_.dampening);
    }

    double learning_rate() const { return o_.lr; }

    using OptimizerBase::step;
    template <std::floating_point T>
    void step(std::span<T> parameters, std::span<const std::type_identity_t<T>> gradients, double lr,
              std::span<const Segment> segments) {
        begin_step(parameters.size(), gradients.size(), lr, segments);
        double* buffer = slot(0);
        const bool first = step_number() == 1;
        update_segments(parameters, gradients, segments, lr, o_.weight_decay,
                        [&](std::size_t i, double theta, double g, double step_lr, double decay) {
                            double d = g + decay * theta;
                            if (o_.momentum != 0) {
                                buffer[i] = first ? d : o_.momentum * buffer[i] + (1 - o_.dampening) * d;
                                d = o_.nesterov ? d + o_.momentum * buffer[i] : buffer[i];
                            }
                            return theta - step_lr * d;
                        });
    }

    std::string describe() const {
        return Description(name)
            .add("lr", o_.lr)
            .add("momentum", o_.momentum)
            .add("nesterov", o_.nesterov)
            .add("weight_decay", o_.weight_decay)
            .add("dampening", o_.dampening)
            .str();
    }

private:
    SgdOptions o_;
};

static_assert(Optimizer<Sgd>);

}  // namespace latentlab::optim
