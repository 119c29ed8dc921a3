#pragma once
// Phase: one stage of a training protocol — an optimizer, its learning-rate schedule, how
// many epochs at which batch size, and which parameters it trains. E1's protocol is two:
//
//   {train::Phase(optim::Nadam{}, {.epochs = 25, .batch = 2048}),
//    train::Phase(optim::Sgd({.lr = 0.02}), {.epochs = 50, .batch = 2048}, optim::Schedule::time_decay(0.02 / 50))}
//
// A phase holds its optimizer behind a small virtual interface (AnyOptimizer) so that one
// list can mix optimizer types; each fit() works on fresh copies, so a phase list can be
// reused for several networks.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "latentlab/core/error.hpp"
#include "latentlab/optim/optimizer.hpp"
#include "latentlab/optim/schedule.hpp"

namespace latentlab::train {

// The optimizer of a phase, whatever its type.
class AnyOptimizer {
public:
    using StateVisitor = std::function<void(std::string_view, std::span<double>)>;
    virtual ~AnyOptimizer() = default;
    virtual std::unique_ptr<AnyOptimizer> clone() const = 0;
    virtual double learning_rate() const = 0;
    virtual void initialize(std::size_t parameters) = 0;
    virtual void step(std::span<float> p, std::span<const float> g, double lr,
                      std::span<const optim::Segment> segments) = 0;
    virtual std::uint64_t steps_taken() const = 0;
    virtual void for_each_state(const StateVisitor& visit) = 0;
    virtual std::string_view name() const = 0;
    virtual std::string describe() const = 0;
};

template <optim::Optimizer O>
class OptimizerModel final : public AnyOptimizer {
public:
    explicit OptimizerModel(O optimizer) : optimizer_(std::move(optimizer)) {}
    std::unique_ptr<AnyOptimizer> clone() const override { return std::make_unique<OptimizerModel>(*this); }
    double learning_rate() const override { return optimizer_.learning_rate(); }
    void initialize(std::size_t parameters) override { optimizer_.initialize(parameters); }
    void step(std::span<float> p, std::span<const float> g, double lr,
              std::span<const optim::Segment> segments) override {
        optimizer_.step(p, g, lr, segments);
    }
    std::uint64_t steps_taken() const override { return optimizer_.steps_taken(); }
    void for_each_state(const StateVisitor& visit) override { optimizer_.for_each_state(visit); }
    std::string_view name() const override { return O::name; }
    std::string describe() const override { return optimizer_.describe(); }

private:
    O optimizer_;
};

struct PhaseOptions {
    std::size_t epochs = 1;
    std::size_t batch = 32;
    std::string name{};  // shown in progress and logs; "phase 1", "phase 2", … when empty
};

class Phase {
public:
    // groups: per-parameter settings by name prefix (optim::GroupRule): frozen layers, a
    // smaller learning rate for pretrained ones. Empty: every parameter, lr as scheduled.
    template <optim::Optimizer O>
    Phase(O optimizer, PhaseOptions options, optim::Schedule schedule = optim::Schedule::constant(),
          std::vector<optim::GroupRule> groups = {})
        : optimizer_(std::make_unique<OptimizerModel<O>>(std::move(optimizer))),
          options_(std::move(options)),
          schedule_(std::move(schedule)),
          groups_(std::move(groups)) {
        require(options_.epochs > 0, "train::Phase: epochs must be positive");
        require(options_.batch > 0, "train::Phase: the batch size must be positive");
    }
    Phase(const Phase& other)
        : optimizer_(other.optimizer_->clone()),
          options_(other.options_),
          schedule_(other.schedule_),
          groups_(other.groups_) {}
    Phase& operator=(const Phase& other) {
        if (this != &other) *this = Phase(other);
        return *this;
    }
    Phase(Phase&&) noexcept = default;
    Phase& operator=(Phase&&) noexcept = default;

    AnyOptimizer& optimizer() { return *optimizer_; }
    const AnyOptimizer& optimizer() const { return *optimizer_; }
    optim::Schedule& schedule() { return schedule_; }
    const optim::Schedule& schedule() const { return schedule_; }
    const PhaseOptions& options() const { return options_; }
    const std::vector<optim::GroupRule>& groups() const { return groups_; }

private:
    std::unique_ptr<AnyOptimizer> optimizer_;
    PhaseOptions options_;
    optim::Schedule schedule_;
    std::vector<optim::GroupRule> groups_;
};

}  // namespace latentlab::train
