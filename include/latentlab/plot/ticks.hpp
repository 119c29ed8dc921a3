#pragma once
// Axis ticks: where they go and what they say. Linear axes use the 1-2-5 rule (steps of
// 1, 2 or 5 times a power of ten); log axes put ticks at powers of ten, labelled 10ⁿ, or at
// 1, 2 and 5 times them when the axis spans less than two decades. Each function returns
// candidates from the densest to the sparsest; the layout takes the densest whose labels fit.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "latentlab/core/error.hpp"

namespace latentlab::plot {

// A label such as "0.5", or "10" with the superscript "−3" for 10⁻³.
struct TickLabel {
    std::string text;
    std::string superscript;
    bool empty() const { return text.empty() && superscript.empty(); }
};

struct Tick {
    double value = 0;
    TickLabel label;
};

struct TickSet {
    std::vector<Tick> major;
    std::vector<double> minor;  // unlabelled (log axes)
    // A common factor taken out of the labels ("×10" with superscript "6"), shown at the
    // end of the axis; empty when none.
    TickLabel multiplier;
};

namespace ticks_detail {

// U+2212 MINUS SIGN: a dash as wide as the plus sign, as typeset numbers use.
inline const std::string minus = "\u2212";

inline std::string with_minus(std::string text) {
    if (!text.empty() && text[0] == '-') text = minus + text.substr(1);
    return text;
}

inline std::string fixed(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    std::string text = buffer;
    // "-0.0" → "0.0": a tick at zero has no sign.
    if (text[0] == '-' && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
    return with_minus(text);
}

// Decimals that show every multiple of `step` exactly (step is 1, 2 or 5 × 10^k).
inline int decimals_for(double step) {
    return std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
}

inline std::string power_of_ten(int exponent) { return with_minus(std::to_string(exponent)); }

inline double nice_step_at_least(double raw) {
    const double decade = std::pow(10.0, std::floor(std::log10(raw)));
    for (double factor : {1.0, 2.0, 5.0, 10.0}) {
        if (factor * decade >= raw * (1 - 1e-9)) return factor * decade;
    }
    return 10 * decade;
}

inline double next_nice_step(double step) {
    const double decade = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    const double factor = step / decade;
    return (factor < 1.5 ? 2.0 : factor < 3.5 ? 5.0 : 10.0) * decade;
}

inline void check_limits(double low, double high, const char* what) {
    require(std::isfinite(low) && std::isfinite(high) && low < high, what,
            ": axis limits must be finite with low < high, got [", low, ", ", high, "]");
}

}  // namespace ticks_detail

// Ticks at every multiple of `step` within [low, high]. Labels have the decimals the step
// needs; when the largest tick is ≥ 10⁵ or below 10⁻³ in size, a power of ten is taken out
// of the labels into `multiplier`.
inline TickSet linear_ticks(double low, double high, double step) {
    using namespace ticks_detail;
    check_limits(low, high, "linear_ticks");
    require(std::isfinite(step) && step > 0, "linear_ticks: the step must be positive, got ", step);
    TickSet ticks;
    const double first = std::ceil(low / step - 1e-9);
    const double last = std::floor(high / step + 1e-9);
    for (double k = first; k <= last; ++k) ticks.major.push_back({k * step, {}});
    double largest = 0;
    for (const Tick& tick : ticks.major) largest = std::max(largest, std::abs(tick.value));
    int exponent = 0;
    if (largest >= 1e5 || (largest > 0 && largest < 1e-3)) {
        exponent = static_cast<int>(std::floor(std::log10(largest) + 1e-9));
        ticks.multiplier = {"\u00d710", power_of_ten(exponent)};
    }
    const double unit = std::pow(10.0, exponent);
    const int decimals = decimals_for(step / unit);
    for (Tick& tick : ticks.major) tick.label.text = fixed(tick.value / unit, decimals);
    return ticks;
}

// 1-2-5 steps from one that gives about 15 ticks over [low, high] to one that gives at
// most 2.
inline std::vector<TickSet> linear_tick_candidates(double low, double high) {
    ticks_detail::check_limits(low, high, "linear_tick_candidates");
    std::vector<TickSet> candidates;
    for (double step = ticks_detail::nice_step_at_least((high - low) / 15);; step = ticks_detail::next_nice_step(step)) {
        candidates.push_back(linear_ticks(low, high, step));
        if (candidates.back().major.size() <= 2) break;
    }
    return candidates;
}

// Ticks of a log axis over [low, high] (both > 0). Over two decades or more: a tick at every
// `stride`-th power of ten, labelled 10ⁿ, with unlabelled minor ticks at the other
// multiples (2·10ⁿ … 9·10ⁿ when stride is 1, the skipped powers otherwise). Over less: ticks
// at 1, 2 and 5 times powers of ten with plain labels, minor ticks at the other multiples.
inline std::vector<TickSet> log_tick_candidates(double low, double high) {
    using namespace ticks_detail;
    check_limits(low, high, "log_tick_candidates");
    require(low > 0, "log_tick_candidates: a log axis needs positive limits, got [", low, ", ", high, "]");
    const double tolerance = 1e-9;
    const int first = static_cast<int>(std::ceil(std::log10(low) - tolerance));
    const int last = static_cast<int>(std::floor(std::log10(high) + tolerance));
    const auto inside = [&](double v) { return v >= low * (1 - tolerance) && v <= high * (1 + tolerance); };
    std::vector<TickSet> candidates;
    if (last - first + 1 >= 2) {
        for (int stride : {1, 2, 3, 5, 10, 20, 50, 100}) {
            TickSet ticks;
            for (int e = first - 1; e <= last; ++e) {
                const double decade = std::pow(10.0, e);
                const bool labelled = e >= first && (e - first) % stride == 0;
                if (labelled) ticks.major.push_back({decade, {"10", power_of_ten(e)}});
                else if (inside(decade)) ticks.minor.push_back(decade);
                if (stride == 1) {
                    for (int m = 2; m <= 9; ++m) {
                        if (inside(m * decade)) ticks.minor.push_back(m * decade);
                    }
                }
            }
            candidates.push_back(std::move(ticks));
            if (candidates.back().major.size() <= 2) break;
        }
        return candidates;
    }
    TickSet ticks;
    for (int e = first - 1; e <= last; ++e) {
        const double decade = std::pow(10.0, e);
        for (int m = 1; m <= 9; ++m) {
            const double v = m * decade;
            if (!inside(v)) continue;
            if (m == 1 || m == 2 || m == 5) ticks.major.push_back({v, {fixed(v, std::max(0, -e)), ""}});
            else ticks.minor.push_back(v);
        }
    }
    if (ticks.major.size() >= 2) candidates.push_back(std::move(ticks));
    // Narrower than from one 1-2-5 value to the next: linear ticks read best.
    for (TickSet& linear : linear_tick_candidates(low, high)) candidates.push_back(std::move(linear));
    return candidates;
}

}  // namespace latentlab::plot
