#pragma once
// What every optimizer is (the Optimizer concept), which parameters a step updates (Segment,
// make_segments), and what the optimizers share (OptimizerBase): their state in double with a
// checkpoint view, the checks at the start of a step, and the one loop over segments.
//
// A network's parameters are one flat array; an optimizer updates the parts of it named by
// segments, each with its own learning-rate and weight-decay scale, and leaves the rest frozen.
// The step count is the optimizer's, not each parameter's (PyTorch counts per parameter): a
// parameter frozen for a while and then trained by the same optimizer gets the shared count in
// Adam's bias corrections and no first-step momentum copy in SGD. A protocol that changes which
// parameters are frozen starts a fresh optimizer for the new phase, which matches PyTorch.
#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/buffer.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/layers/layer.hpp"
#include "latentlab/optim/option_check.hpp"

namespace latentlab::optim {

// A contiguous run [begin, end) of the flat parameter array updated with lr·lr_scale and
// weight_decay·decay_scale; parameters outside every segment are frozen (not updated, their
// optimizer state untouched — like a PyTorch parameter with requires_grad=False).
struct Segment {
    std::size_t begin = 0, end = 0;
    double lr_scale = 1.0;
    double decay_scale = 1.0;
};

// Per-parameter settings by name (E4's fine-tuning: a frozen encoder, a smaller lr for pretrained
// layers). A rule matches the parameters whose names start with `prefix` ("" matches all; "e"
// matches "e1.weight" and "e4.0.bias", "d1" matches "d1.0.weight").
struct GroupRule {
    std::string prefix;
    double lr_scale = 1.0;
    bool frozen = false;
    double decay_scale = 1.0;
};

// One segment over `count` parameters, unscaled: every parameter trained.
inline std::vector<Segment> all_parameters(std::size_t count) { return {Segment{0, count}}; }

namespace detail {

// The distinct first parts of the names ("e1", "bottleneck", ...): what a prefix can start with.
inline std::string name_overview(const std::vector<const ParameterInfo*>& infos) {
    constexpr std::size_t shown = 16;
    std::vector<std::string> parts;
    for (const auto* info : infos) {
        std::string part = info->name.substr(0, info->name.find('.'));
        if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(std::move(part));
    }
    std::string text;
    for (std::size_t i = 0; i < parts.size() && i < shown; ++i) text += (i ? ", " : "") + parts[i];
    if (parts.size() > shown) text += ", ... (" + std::to_string(parts.size()) + " in all)";
    return text;
}

}  // namespace detail

// Segments for the trainable parameters of `infos` under `rules`: for each parameter the LAST rule
// whose prefix matches decides; a parameter no rule matches is trained with scale 1. Neighbouring
// parameters with equal settings share a segment. A rule whose prefix matches no trainable
// parameter is an Error (a typo would otherwise silently train the layer it meant to freeze).
inline std::vector<Segment> make_segments(const std::vector<ParameterInfo>& infos,
                                          const std::vector<GroupRule>& rules) {
    for (const auto& rule : rules) {
        const std::string owner = "group rule \"" + rule.prefix + "\"";
        check_option(owner, "lr_scale", rule.lr_scale, 0.0);
        check_option(owner, "decay_scale", rule.decay_scale, 0.0);
    }
    std::vector<const ParameterInfo*> trainable;
    for (const auto& info : infos)
        if (info.trainable) trainable.push_back(&info);
    std::sort(trainable.begin(), trainable.end(), [](const auto* a, const auto* b) { return a->offset < b->offset; });

    std::vector<bool> matched(rules.size(), false);
    std::vector<Segment> segments;
    for (const auto* info : trainable) {
        const GroupRule* decisive = nullptr;
        for (std::size_t k = 0; k < rules.size(); ++k)
            if (info->name.starts_with(rules[k].prefix)) {
                decisive = &rules[k];
                matched[k] = true;
            }
        if (decisive && decisive->frozen) continue;
        std::size_t count = 1;
        for (const auto extent : info->shape) count *= extent;
        const Segment segment{info->offset, info->offset + count, decisive ? decisive->lr_scale : 1.0,
                              decisive ? decisive->decay_scale : 1.0};
        if (!segments.empty() && segments.back().end == segment.begin &&
            segments.back().lr_scale == segment.lr_scale && segments.back().decay_scale == segment.decay_scale)
            segments.back().end = segment.end;
        else
            segments.push_back(segment);
    }
    for (std::size_t k = 0; k < rules.size(); ++k)
        require(matched[k], "group rule: prefix \"", rules[k].prefix,
                "\" matches no trainable parameter; the parameter names start with: ",
                detail::name_overview(trainable));
    return segments;
}

// What an optimizer is, for T in {float, double}:
//   o.learning_rate()            the base lr of its options;
//   o.initialize(n)              sizes the state for n parameters, step count 0;
//   o.step(p, g, lr, segments)   one update with the scheduled lr (the options' lr is not used);
//                                sizes the state on first use or when n changes; Error when
//                                p.size() != g.size() or a segment lies outside p;
//   o.step(p, g)                 = step(p, g, learning_rate(), all_parameters(p.size()));
//   o.steps_taken();
//   o.for_each_state(f)          calls f(name, std::span<double>) for every piece of state,
//                                scalar counters included: a checkpoint saves these spans and
//                                restores them by writing into the same spans after
//                                initialize(n); the steps that follow are bitwise identical to
//                                those of an optimizer that was never interrupted;
//   O::name, o.describe()        "Adam", and one line with every option for run configs.
template <class O>
concept Optimizer = requires(O o, const O c, std::span<float> pf, std::span<const float> gf, std::span<double> pd,
                             std::span<const double> gd, std::span<const Segment> segments, std::size_t n,
                             void (*visit)(std::string_view, std::span<double>)) {
    { c.learning_rate() } -> std::same_as<double>;
    o.initialize(n);
    o.step(pf, gf, 0.1, segments);
    o.step(pd, gd, 0.1, segments);
    o.step(pf, gf);
    o.step(pd, gd);
    { c.steps_taken() } -> std::same_as<std::uint64_t>;
    o.for_each_state(visit);
    { O::name } -> std::convertible_to<std::string_view>;
    { c.describe() } -> std::same_as<std::string>;
};

// A per-parameter state buffer of an optimizer (a moment estimate, a momentum buffer), named as
// PyTorch names it; an unused one (momentum 0) stays empty and is not part of the state.
struct Slot {
    std::string_view name;
    bool used = true;
};

// The part the optimizers share. Derived states name, learning_rate(), describe() and
// step(parameters, gradients, lr, segments), which starts with begin_step and updates the
// parameters with update_segments.
template <class Derived, std::size_t Slots>
class OptimizerBase {
public:
    void initialize(std::size_t parameter_count) {
        for (std::size_t k = 0; k < Slots; ++k)
            slots_[k] = AlignedBuffer<double>(slot_info_[k].used ? parameter_count : 0);
        parameter_count_ = parameter_count;
        step_count_ = 0;
    }

    // One update of every parameter with the options' learning rate.
    template <std::floating_point T>
    void step(std::span<T> parameters, std::span<const std::type_identity_t<T>> gradients) {
        const Segment whole{0, parameters.size()};  // on the stack: a training step does not allocate
        derived().step(parameters, gradients, derived().learning_rate(), std::span<const Segment>(&whole, 1));
    }

    std::uint64_t steps_taken() const { return static_cast<std::uint64_t>(step_count_); }

    template <class F>
    void for_each_state(F&& f) {
        f(std::string_view("step"), std::span<double>(&step_count_, 1));
        for (std::size_t k = 0; k < Slots; ++k)
            if (slot_info_[k].used) f(slot_info_[k].name, std::span<double>(slots_[k].data(), slots_[k].size()));
    }

protected:
    explicit OptimizerBase(std::array<Slot, Slots> slots) : slot_info_(slots) {}

    // Checks the arguments (before anything changes, so a rejected step leaves the optimizer as
    // it was), sizes the state on first use, and counts the step.
    void begin_step(std::size_t parameters, std::size_t gradients, double lr, std::span<const Segment> segments) {
        constexpr std::string_view name = Derived::name;
        require(parameters == gradients, name, ": ", parameters, " parameters but ", gradients, " gradients");
        check_option(name, "the learning rate of this step", lr, 0.0);
        std::size_t previous_end = 0;
        for (std::size_t s = 0; s < segments.size(); ++s) {
            const Segment& segment = segments[s];
            require(segment.begin <= segment.end && segment.end <= parameters, name, ": segment ", s, " is [",
                    segment.begin, ", ", segment.end, ") but the parameters are [0, ", parameters, ")");
            require(segment.begin >= previous_end, name, ": segment ", s, " starts at ", segment.begin,
                    ", inside the segment before it, which ends at ", previous_end,
                    " (segments must be in order and must not overlap)");
            check_option(name, "a segment's lr_scale", segment.lr_scale, 0.0);
            check_option(name, "a segment's decay_scale", segment.decay_scale, 0.0);
            previous_end = segment.end;
        }
        if (parameter_count_ != parameters) derived().initialize(parameters);
        step_count_ += 1;
    }

    double* slot(std::size_t k) { return slots_[k].data(); }
    double step_number() const { return step_count_; }

    // The loop of every update: for each parameter i inside a segment,
    //   θ_i ← update(i, θ_i, g_i, lr·lr_scale, weight_decay·decay_scale)
    // in double, whatever T is (the state is double; θ is rounded to T once per step).
    template <class T, class Update>
    static void update_segments(std::span<T> parameters, std::span<const std::type_identity_t<T>> gradients,
                                std::span<const Segment> segments, double lr, double weight_decay, Update&& update) {
        // Each parameter's update is independent of the others, so threads change nothing but
        // the time (a dense layer's 10^5 parameters take ~1 ms a step in one thread).
        constexpr std::size_t per_thread = 16384;
        for (const Segment& segment : segments) {
            const double segment_lr = lr * segment.lr_scale;
            const double segment_decay = weight_decay * segment.decay_scale;
            const std::size_t count = segment.end - segment.begin;
            const cpu::Cpu threads{std::min(cpu::Cpu::default_threads(), static_cast<int>(count / per_thread) + 1)};
            cpu::parallel_for(threads, count, [&](std::size_t begin, std::size_t end, int) {
                for (std::size_t i = segment.begin + begin; i < segment.begin + end; ++i)
                    parameters[i] = static_cast<T>(update(i, static_cast<double>(parameters[i]),
                                                          static_cast<double>(gradients[i]), segment_lr,
                                                          segment_decay));
            });
        }
    }

private:
    Derived& derived() { return static_cast<Derived&>(*this); }

    std::array<Slot, Slots> slot_info_;
    std::array<AlignedBuffer<double>, Slots> slots_;
    std::size_t parameter_count_ = 0;
    double step_count_ = 0;  // a double, so that for_each_state shows it like every other piece of state
};

}  // namespace latentlab::optim
