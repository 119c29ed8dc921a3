#pragma once
// RunDirectory: the folder a training run leaves behind —
//   config.json                 the network, loss, phases and options of the run
//   metrics.csv, metrics.json   one row per epoch (History)
//   loss.svg/.png               training and validation loss per epoch
//   metrics.svg/.png            accuracy / mean IoU per epoch, when measured
//   last.ckpt → final.ckpt      the whole training state after each epoch, then at the end
//   best.ckpt                   the network at its best monitored epoch
//   interrupted.ckpt            the state when Ctrl-C stopped the run
// Files are rewritten after every epoch, so a run killed at any moment leaves a directory
// that describes it up to its last finished epoch.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "latentlab/core/error.hpp"
#include "latentlab/data/binary_file.hpp"
#include "latentlab/plot/figure.hpp"
#include "latentlab/train/history.hpp"

namespace latentlab::train {

class RunDirectory {
public:
    RunDirectory() = default;
    explicit RunDirectory(std::filesystem::path path) : path_(std::move(path)) {
        if (path_.empty()) return;
        std::error_code error;
        std::filesystem::create_directories(path_, error);
        require(!error && std::filesystem::is_directory(path_), "run directory ", path_.string(),
                ": cannot create it (", error.message(), ")");
    }
    bool enabled() const { return !path_.empty(); }
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path file(std::string_view name) const { return path_ / name; }

    void write_config(const std::string& json) const {
        if (enabled()) data::write_file_atomically(file("config.json"), json);
    }

    void write_history(const History& history) const {
        if (!enabled() || history.empty()) return;
        data::write_file_atomically(file("metrics.csv"), history.to_csv());
        data::write_file_atomically(file("metrics.json"), history.to_json());
        draw_curves(history, {"loss", "val_loss"}, "Loss", "loss", true);
        std::vector<std::string> scores;
        for (const char* name : {"accuracy", "val_accuracy", "mean_iou", "val_mean_iou"})
            if (history.has(name)) scores.emplace_back(name);
        if (!scores.empty()) draw_curves(history, scores, "Accuracy and mean IoU", "metrics", false);
    }

private:
    void draw_curves(const History& history, const std::vector<std::string>& columns, const std::string& title,
                     const std::string& stem, bool log_y) const {
        const std::vector<double> epochs = history.column("epoch");
        plot::Figure figure({.width = 720, .height = 480, .title = title});
        auto& axes = figure.axes();
        bool any = false;
        for (const auto& name : columns) {
            if (!history.has(name)) continue;
            const auto values = history.column(name);
            bool positive = true;
            for (double v : values) positive = positive && v > 0;
            log_y = log_y && positive;
            axes.line(epochs, values, {.label = name});
            any = true;
        }
        if (!any) return;
        axes.set_xlabel("epoch").set_log_y(log_y);
        figure.save(file(stem + ".svg"));
        figure.save(file(stem + ".png"));
    }

    std::filesystem::path path_;
};

}  // namespace latentlab::train
