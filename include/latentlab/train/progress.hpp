#pragma once
// Progress: what a training run tells the person watching it. On a terminal, a live bar
// redrawn in place (epoch, step, running loss, images/s, ETA) that becomes the epoch's
// summary line; elsewhere (CI logs, files) one plain line per epoch; nothing when quiet.
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace latentlab::train {

enum class ProgressMode { automatic, bar, lines, quiet };

class Progress {
public:
    // automatic: a bar when `out` is std::cout on a terminal, lines otherwise.
    explicit Progress(ProgressMode mode = ProgressMode::automatic, std::ostream& out = std::cout) : out_(&out) {
        mode_ = mode != ProgressMode::automatic ? mode
                : (&out == &std::cout && isatty(fileno(stdout))) ? ProgressMode::bar
                                                                 : ProgressMode::lines;
    }
    ProgressMode mode() const { return mode_; }

    void message(const std::string& line) {
        if (mode_ == ProgressMode::quiet) return;
        clear_bar();
        *out_ << line << std::endl;
    }

    void begin_epoch(std::string label, std::size_t batches) {
        label_ = std::move(label);
        batches_ = batches;
        last_draw_ = {};
    }
    // After batch `done` (1-based) of the epoch; redraws the bar at most 10 times a second.
    // running_accuracy < 0: not measured.
    void batch(std::size_t done, double running_loss, double running_accuracy, double images_per_second,
               double seconds_left) {
        if (mode_ != ProgressMode::bar) return;
        const auto now = std::chrono::steady_clock::now();
        if (done < batches_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
        last_draw_ = now;
        constexpr std::size_t width = 24;
        const std::size_t filled = batches_ ? width * done / batches_ : width;
        std::ostringstream line;
        line << '\r' << label_ << " [" << std::string(filled, '=') << (filled < width ? ">" : "")
             << std::string(width - filled - (filled < width ? 1 : 0), ' ') << "] " << done << '/' << batches_
             << " loss " << std::setprecision(4) << std::fixed << running_loss;
        if (running_accuracy >= 0) line << " accuracy " << running_accuracy;
        line << ' ' << std::setprecision(0)
             << images_per_second << " img/s ETA " << clock_text(seconds_left) << "\033[K";
        *out_ << line.str() << std::flush;
        bar_shown_ = true;
    }
    void end_epoch(const std::string& summary) { message(label_ + "  " + summary); }

    static std::string clock_text(double seconds) {
        if (!(seconds >= 0)) return "--:--";
        const auto total = static_cast<long long>(seconds + 0.5);
        char text[32];
        if (total >= 3600)
            std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
        else
            std::snprintf(text, sizeof text, "%lld:%02lld", total / 60, total % 60);
        return text;
    }

private:
    void clear_bar() {
        if (!bar_shown_) return;
        *out_ << "\r\033[K";
        bar_shown_ = false;
    }

    std::ostream* out_;
    ProgressMode mode_;
    std::string label_;
    std::size_t batches_ = 0;
    std::chrono::steady_clock::time_point last_draw_{};
    bool bar_shown_ = false;
};

}  // namespace latentlab::train
