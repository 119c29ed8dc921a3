#pragma once
// train::fit: trains a network through a list of phases (train/phase.hpp) —
//
//   auto result = train::fit(net, losses::WeightedCrossEntropy<4>{{4, 4, 4, 1}}, train_set,
//       {train::Phase(optim::Nadam{}, {.epochs = 25, .batch = 2048}),
//        train::Phase(optim::Sgd({.lr = 0.02}), {.epochs = 50, .batch = 2048},
//                     optim::Schedule::time_decay(0.02 / 50))},
//       {.validation = &test_set, .run_dir = "runs/nn2-wce", .seed = 1});
//
// Each epoch it shuffles the training set (from the seed and the epoch number: the run is
// deterministic on the CPU), takes a step per batch (split into micro-batches with the
// gradients accumulated, when asked), then evaluates the validation set in eval mode.
// One-hot targets also get accuracy and mean IoU (train: over the training batches as
// they were trained on; validation: over the whole set). It writes a run directory
// (train/run_directory.hpp), calls the callbacks, stops early when asked, reduces the
// learning rate on plateaus. A NaN/Inf loss or gradient stops the run with an Error that
// names the step and the first bad tensor; the last epoch's checkpoint stays. Ctrl-C
// saves interrupted.ckpt, from which resume_from continues mid-epoch: a resumed run ends
// with the same weights as an uninterrupted one.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cxxabi.h>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "latentlab/core/error.hpp"
#include "latentlab/core/finite.hpp"
#include "latentlab/core/json.hpp"
#include "latentlab/data/dataset.hpp"
#include "latentlab/data/loader.hpp"
#include "latentlab/metrics/confusion.hpp"
#include "latentlab/metrics/scores.hpp"
#include "latentlab/train/checkpoint.hpp"
#include "latentlab/train/data_ref.hpp"
#include "latentlab/train/evaluate.hpp"
#include "latentlab/train/history.hpp"
#include "latentlab/train/phase.hpp"
#include "latentlab/train/progress.hpp"
#include "latentlab/train/run_directory.hpp"

namespace latentlab::train {

struct EarlyStopping {
    std::size_t patience = 5;  // epochs without improvement of the monitored value
    double min_delta = 0;      // an improvement smaller than this does not count
};

// What an epoch-end callback sees; set `stop` to end the run after this epoch.
struct EpochEnd {
    const History& history;
    std::size_t epoch;           // 1-based, counted over all phases
    std::size_t phase;           // 0-based
    std::size_t epoch_in_phase;  // 1-based
    bool stop = false;
};
// What a batch-end callback sees; set `stop` to end the run after this batch, as Ctrl-C does.
struct BatchEnd {
    std::size_t epoch;  // 1-based
    std::size_t batch;  // 1-based within the epoch
    std::uint64_t step; // optimizer steps over the whole run
    double loss;
    bool stop = false;
};

enum class InterruptAction {
    save_and_exit,    // Ctrl-C: save interrupted.ckpt, print how to resume, exit with status 130
    save_and_return,  // … then return from fit with StopReason::interrupted
};
enum class StopReason { finished, early_stopping, callback, interrupted };

struct FitOptions {
    DataRef validation{};                  // evaluated after every epoch (eval mode)
    std::filesystem::path run_dir{};       // empty: no files
    std::uint64_t seed = 0;                // the shuffling of every epoch
    ProgressMode progress = ProgressMode::automatic;
    Cpu cpu{};
    // The value that picks best.ckpt and drives early stopping and reduce-on-plateau: a
    // history column. Empty: "val_loss" with a validation set, else "loss". Columns ending
    // in "loss" are minimized, others maximized (a reduce_on_plateau schedule's mode must
    // agree).
    std::string monitor{};
    std::optional<EarlyStopping> early_stopping{};
    std::vector<std::function<void(EpochEnd&)>> on_epoch_end{};
    std::vector<std::function<void(BatchEnd&)>> on_batch_end{};
    std::filesystem::path resume_from{};   // a last/interrupted/final checkpoint of the same run
    InterruptAction on_interrupt = InterruptAction::save_and_exit;
    std::size_t micro_batch = 0;           // > 0: forward/backward at most this many images at a time
    std::size_t eval_batch = 0;            // 0: the largest phase batch (the workspace is planned for it)
    std::string name{};                    // recorded in config.json
};

struct FitResult {
    History history;
    StopReason reason = StopReason::finished;
    std::size_t best_epoch = 0;  // 1-based; 0 when nothing was monitored yet
    double best_value = 0;
    double seconds = 0;
};

namespace fit_detail {

inline std::atomic<bool> interrupted{false};
extern "C" inline void on_sigint(int) { interrupted.store(true); }

// Catches Ctrl-C while fit runs, and gives the previous handler back afterwards.
class InterruptGuard {
public:
    InterruptGuard() {
        interrupted.store(false);
        previous_ = std::signal(SIGINT, on_sigint);
    }
    ~InterruptGuard() { std::signal(SIGINT, previous_ == SIG_ERR ? SIG_DFL : previous_); }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
    void (*previous_)(int) = SIG_DFL;
};

template <class T>
std::string type_name() {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(typeid(T).name(), nullptr, nullptr, &status),
                                                std::free);
    return status == 0 && name ? name.get() : typeid(T).name();
}

inline bool minimized(const std::string& column) {
    return column.size() >= 4 && column.compare(column.size() - 4, 4, "loss") == 0;
}

// The scores a confusion matrix gives, as history columns.
inline void add_scores(History::Row& row, const std::string& prefix, const metrics::ConfusionMatrix& confusion,
                       bool per_class) {
    row.emplace_back(prefix + "accuracy", metrics::accuracy(confusion));
    row.emplace_back(prefix + "mean_iou", metrics::mean_iou(confusion));
    if (!per_class) return;
    const auto iou = metrics::iou(confusion);
    for (std::size_t c = 0; c < iou.size(); ++c) row.emplace_back(prefix + "iou_" + std::to_string(c), iou[c]);
}

// Where the run is: the next batch to train.
struct Position {
    std::size_t phase = 0, epoch_in_phase = 0, batch = 0;
    std::size_t epochs_done = 0;        // over all phases
    std::uint64_t iteration_in_phase = 0;
    std::uint64_t steps = 0;            // over the run
};

template <class Net, class Loss, class D>
class Trainer {
    using In = typename Net::input_shape;
    using Out = typename Net::output_shape;

public:
    Trainer(Net& net, const Loss& loss, const D& data, std::vector<Phase> phases, const FitOptions& options)
        : net_(net),
          loss_(loss),
          data_(data),
          phases_(std::move(phases)),
          options_(options),
          progress_(options.progress),
          run_(options.run_dir) {
        require(!phases_.empty(), "train::fit: no phases");
        require(data_.size() > 0, "train::fit: the training set is empty");
        if (options_.validation) validation_.emplace(options_.validation.template typed<In, Out>("the validation set"));
        monitor_ = !options_.monitor.empty() ? options_.monitor : validation_ ? "val_loss" : "loss";
        for (const auto& phase : phases_)
            require(!phase.schedule().reacts_to_metric() ||
                        (phase.schedule().plateau_mode() == optim::PlateauMode::min) == fit_detail::minimized(monitor_),
                    "train::fit: reduce_on_plateau's mode is ",
                    phase.schedule().plateau_mode() == optim::PlateauMode::min ? "min" : "max", " but the monitor ",
                    monitor_, " is ", fit_detail::minimized(monitor_) ? "minimized" : "maximized",
                    " (set PlateauOptions::mode to match)");
        std::size_t largest = 0;
        for (const auto& phase : phases_) {
            const std::size_t step_batch = options_.micro_batch ? std::min(options_.micro_batch, phase.options().batch)
                                                                 : phase.options().batch;
            largest = std::max(largest, std::min(step_batch, data_.size()));
        }
        eval_batch_ = options_.eval_batch ? options_.eval_batch : largest;
        net_.plan(std::max(largest, eval_batch_));
        gradient_ = HostTensor<float, Out>(largest);
    }

    FitResult run() {
        const auto start = std::chrono::steady_clock::now();
        InterruptGuard guard;
        Position at;
        if (!options_.resume_from.empty()) at = resume(options_.resume_from);
        run_.write_config(config_json());
        FitResult result;
        result.reason = StopReason::finished;
        while (at.phase < phases_.size()) {
            Phase& phase = phases_[at.phase];
            const auto segments = optim::make_segments(net_.parameter_infos(), phase.groups());
            if (!resumed_into_phase_) {
                phase.optimizer().initialize(net_.parameters().size());
                at.iteration_in_phase = 0;
            }
            resumed_into_phase_ = false;
            data::DataLoader loader(data_, {.batch = std::min(phase.options().batch, data_.size()),
                                            .seed = options_.seed,
                                            .cpu = options_.cpu});
            progress_.message("phase " + std::to_string(at.phase + 1) + "/" + std::to_string(phases_.size()) +
                              ": " + phase_label(at.phase) + ", " + std::to_string(phase.options().epochs) +
                              " epochs, batch " + std::to_string(phase.options().batch));
            while (at.epoch_in_phase < phase.options().epochs && result.reason == StopReason::finished) {
                result.reason = train_epoch(phase, segments, loader, at);
                if (result.reason == StopReason::interrupted) break;
                at.batch = 0;
                ++at.epochs_done;
                result.reason = end_epoch(phase, at);
                ++at.epoch_in_phase;
            }
            // A stopped run's position stays in its phase: resuming goes on from there.
            if (result.reason != StopReason::finished) break;
            at.epoch_in_phase = 0;
            ++at.phase;
        }
        if (result.reason != StopReason::interrupted && run_.enabled()) {
            save_state(run_.file("final.ckpt"), at);
            std::filesystem::remove(run_.file("last.ckpt"));
        }
        result.history = history_;
        result.best_epoch = best_epoch_;
        result.best_value = best_value_;
        result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return result;
    }

private:
    std::string phase_label(std::size_t p) const {
        const Phase& phase = phases_[p];
        return (phase.options().name.empty() ? "" : phase.options().name + ": ") + phase.optimizer().describe() +
               ", " + phase.schedule().describe();
    }

    StopReason train_epoch(Phase& phase, std::span<const optim::Segment> segments,
                           data::DataLoader<D>& loader, Position& at) {
        const std::size_t total_epochs = total_epoch_count();
        const std::size_t epoch = at.epochs_done + 1;
        const std::size_t batches = loader.batches_per_epoch();
        progress_.begin_epoch("epoch " + std::to_string(epoch) + "/" + std::to_string(total_epochs), batches);
        if (at.batch == 0) {
            epoch_loss_ = 0;
            epoch_images_ = 0;
            if (train_confusion_) train_confusion_->reset();  // (not the optional's reset)
            epoch_seconds_ = 0;
        }
        // The epoch's shuffle is numbered over the whole run, so phases see different orders.
        loader.start_epoch(at.epochs_done, at.batch);
        const auto epoch_start = std::chrono::steady_clock::now();
        std::size_t images_this_session = 0;
        while (const auto* batch = loader.next()) {
            const double lr = phase.optimizer().learning_rate() *
                              phase.schedule().factor({at.iteration_in_phase, at.epoch_in_phase});
            const double value = step(phase, segments, *batch, lr, at);
            last_lr_ = lr;
            ++at.iteration_in_phase;
            ++at.steps;
            ++at.batch;
            epoch_loss_ += value * static_cast<double>(batch->x.batch);
            epoch_images_ += batch->x.batch;
            images_this_session += batch->x.batch;
            const double elapsed =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
            const double rate = static_cast<double>(images_this_session) / std::max(elapsed, 1e-9);
            // Only the bar shows it: the scores allocate, and this is the training loop.
            const bool counted = progress_.mode() == ProgressMode::bar && train_confusion_ &&
                                 train_confusion_->total() > 0;
            progress_.batch(at.batch, epoch_loss_ / static_cast<double>(epoch_images_),
                            counted ? metrics::accuracy(*train_confusion_) : -1.0, rate,
                            static_cast<double>(batches - at.batch) * elapsed /
                                static_cast<double>(std::max<std::size_t>(at.batch, 1)));
            BatchEnd event{epoch, at.batch, at.steps, value};
            for (auto& callback : options_.on_batch_end) callback(event);
            if ((event.stop || fit_detail::interrupted.load()) && at.batch < batches) {
                epoch_seconds_ += elapsed;
                return interrupt(at);
            }
        }
        epoch_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
        return StopReason::finished;
    }

    // One optimizer step on one batch; returns the batch's mean loss.
    double step(Phase& phase, std::span<const optim::Segment> segments, const typename data::DataLoader<D>::Batch& b,
                double lr, const Position& at) {
        const std::size_t n = b.x.batch;
        const std::size_t chunk = options_.micro_batch ? std::min(options_.micro_batch, n) : n;
        net_.zero_grad();
        double value = 0;
        for (std::size_t first = 0; first < n; first += chunk) {
            const std::size_t m = std::min(chunk, n - first);
            const ConstView<float, In> x{b.x.data + first * In::size, m};
            const ConstView<float, Out> y{b.y.data + first * Out::size, m};
            const auto p = net_.forward(x, Mode::train);
            TensorView<float, Out> dp{gradient_.data(), m};
            const double part = loss_.value_and_gradient(options_.cpu, p, y, dp);
            if (!std::isfinite(part)) not_finite("the loss became " + std::to_string(part), at);
            // Each micro-batch's loss is a mean over its images: weight it by its share.
            if (m != n) {
                const float share = static_cast<float>(m) / static_cast<float>(n);
                for (std::size_t i = 0; i < dp.size(); ++i) dp.data[i] *= share;
            }
            value += part * static_cast<double>(m) / static_cast<double>(n);
            if (confusion_enabled(y)) train_confusion_->add(p, y, options_.cpu);
            net_.backward(dp);
        }
        const auto gradients = net_.gradients();
        if (!all_finite(std::span<const float>(gradients))) not_finite("a gradient is not finite", at);
        phase.optimizer().step(net_.parameters(), std::span<const float>(gradients), lr, segments);
        return value;
    }

    // Confusion metrics when the first training targets are one-hot (decided once).
    bool confusion_enabled(ConstView<float, Out> y) {
        if (!confusion_decided_) {
            confusion_decided_ = true;
            if (one_hot_targets(y)) train_confusion_.emplace(static_cast<std::size_t>(Out::channels));
        }
        return train_confusion_.has_value();
    }

    [[noreturn]] void not_finite(const std::string& what, const Position& at) {
        std::ostringstream message;
        message << "train::fit: " << what << " at step " << at.steps + 1 << " (phase "
                << at.phase + 1 << ", epoch " << at.epochs_done + 1 << ", batch " << at.batch + 1 << ")";
        const auto params = net_.parameters();
        const auto grads = net_.gradients();
        for (const auto& info : net_.parameter_infos()) {
            if (!info.trainable) continue;
            std::size_t count = 1;
            for (auto extent : info.shape) count *= extent;
            const auto bad = [&](std::span<const float> v) {
                return !all_finite(v.subspan(info.offset, count));
            };
            if (bad(params)) {
                message << "; parameter " << info.name << " is not finite";
                break;
            }
            if (bad(grads)) {
                message << "; the gradient of " << info.name << " is the first that is not finite";
                break;
            }
        }
        if (run_.enabled() && at.epochs_done > 0)
            message << "; the last good state is in " << run_.file("last.ckpt").string();
        message << " (try a smaller learning rate)";
        throw Error(message.str());
    }

    StopReason interrupt(const Position& at) {
        const auto where = run_.enabled() ? run_.file("interrupted.ckpt") : std::filesystem::path("interrupted.ckpt");
        save_state(where, at);
        progress_.message("interrupted at step " + std::to_string(at.steps) + ": state saved to " + where.string() +
                          "; resume with FitOptions::resume_from");
        if (options_.on_interrupt == InterruptAction::save_and_exit && fit_detail::interrupted.load())
            std::exit(128 + SIGINT);
        return StopReason::interrupted;
    }

    StopReason end_epoch(Phase& phase, const Position& at) {
        History::Row row;
        row.emplace_back("epoch", static_cast<double>(at.epochs_done));
        row.emplace_back("phase", static_cast<double>(at.phase + 1));
        row.emplace_back("lr", last_lr_);
        row.emplace_back("loss", epoch_loss_ / static_cast<double>(epoch_images_));
        if (train_confusion_) fit_detail::add_scores(row, "", *train_confusion_, false);
        const auto validation_start = std::chrono::steady_clock::now();
        if (validation_) {
            const auto result = evaluate(net_, loss_, *validation_, {.batch = eval_batch_, .cpu = options_.cpu});
            row.emplace_back("val_loss", result.loss);
            if (result.confusion) fit_detail::add_scores(row, "val_", *result.confusion, true);
        }
        const double validation_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - validation_start).count();
        row.emplace_back("seconds", epoch_seconds_);
        row.emplace_back("images_per_second", static_cast<double>(epoch_images_) / std::max(epoch_seconds_, 1e-9));
        row.emplace_back("validation_seconds", validation_seconds);
        history_.add(row);

        const double monitored = history_.last(monitor_);
        const bool minimize = fit_detail::minimized(monitor_);
        const bool improved = best_epoch_ == 0 || (minimize ? monitored < best_value_ - min_delta()
                                                            : monitored > best_value_ + min_delta());
        if (improved) {
            best_value_ = monitored;
            best_epoch_ = at.epochs_done;
            epochs_without_improvement_ = 0;
            if (run_.enabled()) save_checkpoint(net_, run_.file("best.ckpt"));
        } else {
            ++epochs_without_improvement_;
        }
        if (phase.schedule().reacts_to_metric()) phase.schedule().observe_epoch(monitored);
        Position next = at;
        next.epoch_in_phase += 1;
        if (run_.enabled()) {
            save_state(run_.file("last.ckpt"), next);
            run_.write_history(history_);
        }
        progress_.end_epoch(summary(row));

        EpochEnd event{history_, at.epochs_done, at.phase, at.epoch_in_phase + 1};
        for (auto& callback : options_.on_epoch_end) callback(event);
        if (event.stop) return StopReason::callback;
        if (options_.early_stopping && epochs_without_improvement_ >= options_.early_stopping->patience) {
            progress_.message("early stopping: " + monitor_ + " did not improve for " +
                              std::to_string(epochs_without_improvement_) + " epochs (best " +
                              std::to_string(best_value_) + " at epoch " + std::to_string(best_epoch_) + ")");
            return StopReason::early_stopping;
        }
        return StopReason::finished;
    }

    double min_delta() const { return options_.early_stopping ? options_.early_stopping->min_delta : 0.0; }

    static std::string summary(const History::Row& row) {
        std::ostringstream out;
        for (const auto& [name, value] : row) {
            if (name == "epoch" || name == "phase" || name.rfind("val_iou_", 0) == 0 || name == "validation_seconds")
                continue;
            out << name << ' ';
            if (name == "lr") out << std::setprecision(3) << std::defaultfloat << value;
            else if (name == "seconds") out << std::fixed << std::setprecision(1) << value;
            else if (name == "images_per_second") out << std::fixed << std::setprecision(0) << value;
            else out << std::fixed << std::setprecision(4) << value;
            out << "  ";
        }
        return out.str();
    }

    std::size_t total_epoch_count() const {
        std::size_t total = 0;
        for (const auto& phase : phases_) total += phase.options().epochs;
        return total;
    }

    // Everything a resumed run needs, at position `at` (the next batch to train).
    void save_state(const std::filesystem::path& path, const Position& at) {
        CheckpointWriter writer;
        add_network(writer, net_);
        writer.add_scalar("trainer.phases", static_cast<std::uint64_t>(phases_.size()));
        writer.add_scalar("trainer.phase", static_cast<std::uint64_t>(at.phase));
        writer.add_scalar("trainer.epoch_in_phase", static_cast<std::uint64_t>(at.epoch_in_phase));
        writer.add_scalar("trainer.batch", static_cast<std::uint64_t>(at.batch));
        writer.add_scalar("trainer.epochs_done", static_cast<std::uint64_t>(at.epochs_done));
        writer.add_scalar("trainer.iteration_in_phase", at.iteration_in_phase);
        writer.add_scalar("trainer.steps", at.steps);
        writer.add_scalar("trainer.network_step", net_.step());
        writer.add_scalar("trainer.network_seed", net_.seed());
        writer.add_scalar("trainer.seed", options_.seed);
        writer.add_scalar("trainer.best_epoch", static_cast<std::uint64_t>(best_epoch_));
        writer.add_scalar("trainer.best_value", best_value_);
        writer.add_scalar("trainer.epochs_without_improvement", static_cast<std::uint64_t>(epochs_without_improvement_));
        writer.add_scalar("trainer.epoch_loss", epoch_loss_);
        writer.add_scalar("trainer.epoch_images", static_cast<std::uint64_t>(epoch_images_));
        writer.add_scalar("trainer.epoch_seconds", epoch_seconds_);
        writer.add_scalar("trainer.last_lr", last_lr_);
        if (train_confusion_) {
            std::vector<std::uint64_t> counts;
            const std::size_t k = train_confusion_->classes();
            for (std::size_t t = 0; t < k; ++t)
                for (std::size_t p = 0; p < k; ++p) counts.push_back((*train_confusion_)(t, p));
            writer.add("trainer.epoch_confusion", std::span<const std::uint64_t>(counts), {k, k});
        }
        const std::size_t p = std::min(at.phase, phases_.size() - 1);
        writer.add_text("optimizer.name", phases_[p].optimizer().name());
        phases_[p].optimizer().for_each_state([&](std::string_view name, std::span<double> values) {
            writer.add("optimizer." + std::string(name), std::span<const double>(values));
        });
        phases_[p].schedule().for_each_state([&](std::string_view name, std::span<double> values) {
            writer.add("schedule." + std::string(name), std::span<const double>(values));
        });
        history_.save(writer);
        writer.add_text("config", config_json());
        writer.save(path);
    }

    Position resume(const std::filesystem::path& path) {
        const CheckpointReader reader(path);
        check_network(reader, net_);
        require(reader.u64("trainer.phases") == phases_.size(), "train::fit: ", path.string(), " is of a run with ",
                reader.u64("trainer.phases"), " phases, this one has ", phases_.size());
        require(reader.u64("trainer.seed") == options_.seed, "train::fit: ", path.string(), " is of a run with seed ",
                reader.u64("trainer.seed"), ", this one has ", options_.seed);
        Position at;
        at.phase = reader.u64("trainer.phase");
        at.epoch_in_phase = reader.u64("trainer.epoch_in_phase");
        at.batch = reader.u64("trainer.batch");
        at.epochs_done = reader.u64("trainer.epochs_done");
        at.iteration_in_phase = reader.u64("trainer.iteration_in_phase");
        at.steps = reader.u64("trainer.steps");
        require(at.phase < phases_.size(), "train::fit: ", path.string(), " is past the last phase: nothing to resume");
        Phase& phase = phases_[at.phase];
        const std::string optimizer = reader.text("optimizer.name");
        require(optimizer == phase.optimizer().name(), "train::fit: ", path.string(), " stopped in phase ",
                at.phase + 1, " with ", optimizer, ", this run's phase ", at.phase + 1, " uses ",
                phase.optimizer().name());
        // Everything is checked before anything is changed.
        phase.optimizer().initialize(net_.parameters().size());
        phase.optimizer().for_each_state([&](std::string_view name, std::span<double> values) {
            reader.expect<double>("optimizer." + std::string(name), values.size());
        });
        phase.schedule().for_each_state([&](std::string_view name, std::span<double> values) {
            reader.expect<double>("schedule." + std::string(name), values.size());
        });
        History history = History::restore(reader);
        const std::uint64_t network_step = reader.u64("trainer.network_step");
        const std::uint64_t network_seed = reader.u64("trainer.network_seed");
        const std::size_t best_epoch = reader.u64("trainer.best_epoch");
        const double best_value = reader.f64("trainer.best_value");
        const std::size_t without_improvement = reader.u64("trainer.epochs_without_improvement");
        const double epoch_loss = reader.f64("trainer.epoch_loss");
        const std::size_t epoch_images = reader.u64("trainer.epoch_images");
        const double epoch_seconds = reader.f64("trainer.epoch_seconds");
        const double last_lr = reader.f64("trainer.last_lr");
        const auto classes = static_cast<std::size_t>(Out::channels);
        std::vector<std::uint64_t> confusion_counts;
        if (reader.has("trainer.epoch_confusion"))
            confusion_counts = reader.values<std::uint64_t>("trainer.epoch_confusion");
        require(confusion_counts.empty() || confusion_counts.size() == classes * classes, "checkpoint ",
                path.string(), ": the confusion matrix is not ", classes, "×", classes);

        restore_network(reader, net_);
        net_.set_step(network_step);
        net_.set_seed(network_seed);
        phase.optimizer().for_each_state([&](std::string_view name, std::span<double> values) {
            reader.read<double>("optimizer." + std::string(name), values);
        });
        phase.schedule().for_each_state([&](std::string_view name, std::span<double> values) {
            reader.read<double>("schedule." + std::string(name), values);
        });
        history_ = std::move(history);
        best_epoch_ = best_epoch;
        best_value_ = best_value;
        epochs_without_improvement_ = without_improvement;
        epoch_loss_ = epoch_loss;
        epoch_images_ = epoch_images;
        epoch_seconds_ = epoch_seconds;
        last_lr_ = last_lr;
        if (!confusion_counts.empty()) {
            train_confusion_.emplace(classes);
            for (std::size_t t = 0; t < classes; ++t)
                for (std::size_t p = 0; p < classes; ++p)
                    train_confusion_->add_count(t, p, confusion_counts[t * classes + p]);
            confusion_decided_ = true;
        }
        resumed_into_phase_ = true;
        progress_.message("resumed from " + path.string() + " at step " + std::to_string(at.steps));
        return at;
    }

    std::string config_json() {
        JsonWriter json;
        json.begin_object();
        json.key("name").value(options_.name);
        json.key("network").begin_object();
        json.key("parameters").value(Net::parameter_count);
        json.key("input").value(shape_text(In::dims));
        json.key("output").value(shape_text(Out::dims));
        json.key("layers").begin_array();
        std::istringstream signature(network_signature(net_));
        for (std::string line; std::getline(signature, line);) json.value(line);
        json.end_array().end_object();
        json.key("loss").value(fit_detail::type_name<Loss>());
        json.key("training_samples").value(data_.size());
        json.key("validation_samples").value(validation_ ? validation_->size() : std::size_t{0});
        json.key("phases").begin_array();
        for (const auto& phase : phases_) {
            json.begin_object();
            json.key("name").value(phase.options().name);
            json.key("optimizer").value(phase.optimizer().describe());
            json.key("schedule").value(phase.schedule().describe());
            json.key("epochs").value(phase.options().epochs);
            json.key("batch").value(phase.options().batch);
            json.key("groups").begin_array();
            for (const auto& rule : phase.groups()) {
                json.begin_object().key("prefix").value(rule.prefix).key("lr_scale").value(rule.lr_scale);
                json.key("frozen").value(rule.frozen).key("decay_scale").value(rule.decay_scale).end_object();
            }
            json.end_array().end_object();
        }
        json.end_array();
        json.key("seed").value(options_.seed);
        json.key("threads").value(options_.cpu.threads);
        json.key("micro_batch").value(options_.micro_batch);
        json.key("monitor").value(monitor_);
        if (options_.early_stopping)
            json.key("early_stopping").begin_object().key("patience").value(options_.early_stopping->patience)
                .key("min_delta").value(options_.early_stopping->min_delta).end_object();
        json.end_object();
        return json.str() + "\n";
    }
    static std::string shape_text(const Dims& d) {
        std::ostringstream out;
        out << d;
        return out.str();
    }

    Net& net_;
    const Loss& loss_;
    const D& data_;
    std::vector<Phase> phases_;
    const FitOptions& options_;
    Progress progress_;
    RunDirectory run_;
    std::optional<DataRef::Typed<In, Out>> validation_;
    std::string monitor_;
    std::size_t eval_batch_ = 0;
    HostTensor<float, Out> gradient_;
    History history_;
    std::optional<metrics::ConfusionMatrix> train_confusion_;
    bool confusion_decided_ = false;
    bool resumed_into_phase_ = false;
    double epoch_loss_ = 0, epoch_seconds_ = 0, last_lr_ = 0, best_value_ = 0;
    std::size_t epoch_images_ = 0, best_epoch_ = 0, epochs_without_improvement_ = 0;
};

}  // namespace fit_detail

template <class Net, class Loss, data::Dataset D>
    requires LossFor<Loss, typename Net::output_shape>
FitResult fit(Net& net, const Loss& loss, const D& data, std::vector<Phase> phases, const FitOptions& options = {}) {
    static_assert(std::is_same_v<typename Net::value_type, float>,
                  "train::fit trains float networks (double networks are for gradient checks)");
    static_assert(std::is_same_v<typename D::input_shape, typename Net::input_shape>,
                  "train::fit: the training set's input shape differs from the network's input shape");
    static_assert(std::is_same_v<typename D::target_shape, typename Net::output_shape>,
                  "train::fit: the training set's target shape differs from the network's output shape");
    return fit_detail::Trainer<Net, Loss, D>(net, loss, data, std::move(phases), options).run();
}

}  // namespace latentlab::train
