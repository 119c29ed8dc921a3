#pragma once
// Schedule: a learning-rate schedule as one value type. A phase's lr for a step is
// base_lr · factor(context), where the context counts iterations (optimizer steps) and epochs
// from the start of the phase; the epoch-end metric feeds reduce_on_plateau.
//
//   constant()                       1
//   time_decay(d)                    1 / (1 + d·iteration)   Keras' `decay` (E1 phase 2: d = 0.02/50)
//   exponential(γ, per)              γ^t                      PyTorch ExponentialLR
//   step(every, γ, per)              γ^⌊t/every⌋             PyTorch StepLR
//   cosine(period, m, per)           m + (1 − m)(1 + cos(πt/period))/2   PyTorch CosineAnnealingLR
//                                    (T_max = period, eta_min = m·lr); for t > period the cosine
//                                    goes on (back up to 1 at t = 2·period), as PyTorch's closed
//                                    form and its recursive form both do
//   reduce_on_plateau(options)       PyTorch ReduceLROnPlateau, on the factor
// where t is the iteration or the epoch (`per`). Epoch-based factors are those of PyTorch's
// schedulers stepped once at the end of every epoch: factor({.epoch = e}) is the lr factor of
// epoch e (epoch 0 runs at the base lr).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <string_view>

#include "latentlab/core/error.hpp"
#include "latentlab/optim/description.hpp"
#include "latentlab/optim/option_check.hpp"

namespace latentlab::optim {

enum class Unit { iteration, epoch };

// Both counted from the start of the phase; iteration = optimizer steps taken in this phase
// before the current one.
struct ScheduleContext {
    std::size_t iteration = 0;
    std::size_t epoch = 0;
};

enum class PlateauMode { min, max };  // whether a smaller or a larger monitored value is better
enum class ThresholdMode { relative, absolute };

// PyTorch's ReduceLROnPlateau options, with the minimum lr as a factor of the base lr. An epoch
// improves on the best when (min, relative) value < best·(1 − threshold), (min, absolute) value <
// best − threshold, and mirrored for max. After more than `patience` epochs without improvement
// the factor is multiplied by `factor` (not below min_factor), then `cooldown` epochs pass
// before bad epochs are counted again.
struct PlateauOptions {
    PlateauMode mode = PlateauMode::min;
    double factor = 0.1;
    std::size_t patience = 10;
    double threshold = 1e-4;
    ThresholdMode threshold_mode = ThresholdMode::relative;
    std::size_t cooldown = 0;
    double min_factor = 0;
    // A reduction smaller than this is skipped (PyTorch's eps, which is in lr units; here it is
    // in units of the factor, i.e. of the base lr).
    double epsilon = 1e-8;
};

class Schedule {
public:
    static Schedule constant() { return Schedule(Kind::constant, Unit::epoch); }

    static Schedule time_decay(double decay) {
        check_option("Schedule::time_decay", "decay", decay, 0.0);
        Schedule s(Kind::time_decay, Unit::iteration);  // Keras counts iterations
        s.rate_ = decay;
        return s;
    }

    static Schedule exponential(double gamma, Unit per = Unit::epoch) {
        check_option("Schedule::exponential", "gamma", gamma, 0.0, Bound::open);
        Schedule s(Kind::exponential, per);
        s.rate_ = gamma;
        return s;
    }

    static Schedule step(std::size_t every, double gamma, Unit per = Unit::epoch) {
        require(every > 0, "Schedule::step: every must be > 0, found 0");
        check_option("Schedule::step", "gamma", gamma, 0.0, Bound::open);
        Schedule s(Kind::step, per);
        s.rate_ = gamma;
        s.length_ = every;
        return s;
    }

    static Schedule cosine(std::size_t period, double min_factor = 0, Unit per = Unit::epoch) {
        require(period > 0, "Schedule::cosine: period must be > 0, found 0");
        check_option("Schedule::cosine", "min_factor", min_factor, 0.0, Bound::closed, 1.0, Bound::closed);
        Schedule s(Kind::cosine, per);
        s.length_ = period;
        s.min_factor_ = min_factor;
        return s;
    }

    static Schedule reduce_on_plateau(PlateauOptions options = {}) {
        constexpr std::string_view owner = "Schedule::reduce_on_plateau";
        check_option(owner, "factor", options.factor, 0.0, Bound::open, 1.0, Bound::open);
        check_option(owner, "threshold", options.threshold, 0.0);
        check_option(owner, "min_factor", options.min_factor, 0.0, Bound::closed, 1.0, Bound::closed);
        check_option(owner, "epsilon", options.epsilon, 0.0);
        Schedule s(Kind::plateau, Unit::epoch);
        s.plateau_ = options;
        s.best_ = options.mode == PlateauMode::min ? std::numeric_limits<double>::infinity()
                                                   : -std::numeric_limits<double>::infinity();
        return s;
    }

    // lr = base_lr · factor(context).
    double factor(const ScheduleContext& context) const {
        const std::size_t count = per_ == Unit::epoch ? context.epoch : context.iteration;
        const double t = static_cast<double>(count);
        switch (kind_) {
            case Kind::constant: return 1.0;
            case Kind::time_decay: return 1.0 / (1.0 + rate_ * t);
            case Kind::exponential: return std::pow(rate_, t);
            case Kind::step: return std::pow(rate_, static_cast<double>(count / length_));
            case Kind::cosine:
                return min_factor_ +
                       (1.0 - min_factor_) * (1.0 + std::cos(std::numbers::pi * t / static_cast<double>(length_))) / 2;
            case Kind::plateau: return current_factor_;
        }
        return 1.0;  // unreachable: every kind returns above
    }

    // The end of an epoch with its monitored value (e.g. the validation loss); only
    // reduce_on_plateau reacts. A NaN value is an Error: the run diverged.
    void observe_epoch(double monitored) {
        if (kind_ != Kind::plateau) return;
        require(!std::isnan(monitored), "Schedule::reduce_on_plateau: the monitored value is NaN");
        if (improves(monitored)) {
            best_ = monitored;
            bad_epochs_ = 0;
        } else {
            bad_epochs_ += 1;
        }
        if (cooldown_left_ > 0) {  // bad epochs in the cooldown do not count
            cooldown_left_ -= 1;
            bad_epochs_ = 0;
        }
        if (bad_epochs_ > static_cast<double>(plateau_.patience)) {
            const double reduced = std::max(current_factor_ * plateau_.factor, plateau_.min_factor);
            if (current_factor_ - reduced > plateau_.epsilon) current_factor_ = reduced;
            cooldown_left_ = static_cast<double>(plateau_.cooldown);
            bad_epochs_ = 0;
        }
    }

    // Whether reduce_on_plateau wants its metric smaller or larger (fit checks it against
    // the direction of its monitor).
    PlateauMode plateau_mode() const { return plateau_.mode; }
    bool reacts_to_metric() const { return kind_ == Kind::plateau; }

    std::string describe() const {
        const std::string_view per = per_ == Unit::epoch ? "epoch" : "iteration";
        switch (kind_) {
            case Kind::constant: return Description("constant").str();
            case Kind::time_decay: return Description("time_decay").add("decay", rate_).str();
            case Kind::exponential: return Description("exponential").add("gamma", rate_).add("per", per).str();
            case Kind::step:
                return Description("step").add("every", length_).add("gamma", rate_).add("per", per).str();
            case Kind::cosine:
                return Description("cosine")
                    .add("period", length_)
                    .add("min_factor", min_factor_)
                    .add("per", per)
                    .str();
            case Kind::plateau:
                return Description("reduce_on_plateau")
                    .add("mode", plateau_.mode == PlateauMode::min ? "min" : "max")
                    .add("factor", plateau_.factor)
                    .add("patience", plateau_.patience)
                    .add("threshold", plateau_.threshold)
                    .add("threshold_mode",
                         plateau_.threshold_mode == ThresholdMode::relative ? "relative" : "absolute")
                    .add("cooldown", plateau_.cooldown)
                    .add("min_factor", plateau_.min_factor)
                    .add("epsilon", plateau_.epsilon)
                    .str();
        }
        return {};  // unreachable: every kind returns above
    }

    // Like an optimizer's: f(name, std::span<double>) for every piece of state, which only
    // reduce_on_plateau has (a checkpoint writes these spans back to resume).
    template <class F>
    void for_each_state(F&& f) {
        if (kind_ != Kind::plateau) return;
        f(std::string_view("best"), std::span<double>(&best_, 1));
        f(std::string_view("bad_epochs"), std::span<double>(&bad_epochs_, 1));
        f(std::string_view("cooldown_counter"), std::span<double>(&cooldown_left_, 1));
        f(std::string_view("factor"), std::span<double>(&current_factor_, 1));
    }

private:
    enum class Kind { constant, time_decay, exponential, step, cosine, plateau };

    Schedule(Kind kind, Unit per) : kind_(kind), per_(per) {}

    // PyTorch's ReduceLROnPlateau.is_better, with its order of operations.
    bool improves(double value) const {
        const bool relative = plateau_.threshold_mode == ThresholdMode::relative;
        if (plateau_.mode == PlateauMode::min)
            return relative ? value < best_ * (1.0 - plateau_.threshold) : value < best_ - plateau_.threshold;
        return relative ? value > best_ * (plateau_.threshold + 1.0) : value > best_ + plateau_.threshold;
    }

    Kind kind_;
    Unit per_;
    double rate_ = 1.0;        // time_decay's decay; exponential's and step's gamma
    std::size_t length_ = 1;   // step's `every`, cosine's period
    double min_factor_ = 0.0;  // cosine
    PlateauOptions plateau_{};
    // reduce_on_plateau's state, all double so that for_each_state can expose it.
    double best_ = 0.0;
    double bad_epochs_ = 0.0;
    double cooldown_left_ = 0.0;
    double current_factor_ = 1.0;
};

}  // namespace latentlab::optim
