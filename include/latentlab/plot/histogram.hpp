#pragma once
// Histograms (Axes::histogram): counts of values in bins, drawn as semi-transparent bars
// with an opaque outline so that several overlaid series stay readable. The binning follows
// numpy.histogram: bins are half-open [e_i, e_i+1) except the last, which includes its right
// edge; values outside explicit edges are not counted.
#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "latentlab/plot/artist.hpp"

namespace latentlab::plot {

struct HistogramOptions {
    std::string label{};           // legend text; empty: not in the legend
    std::optional<Color> color{};  // default: the axes' next colour of the tab10 palette
    // Number of equal bins over the data's range; 0 chooses it by numpy's "auto" rule.
    std::size_t bins = 0;
    std::vector<double> edges{};  // explicit increasing bin edges; when given, `bins` is ignored
    bool density = false;       // scale so that the bars' areas sum to 1
    double alpha = 0.45;        // opacity of the bars' fill
    bool outline = true;        // an opaque outline along the bars' tops
};

// At most this many automatic bins: numpy's rule asks for millions when a few outliers
// sit far from a narrow bulk.
inline constexpr std::size_t max_auto_bins = 1000;

namespace histogram_detail {

// numpy.percentile with linear interpolation, on sorted values.
inline double percentile(const std::vector<double>& sorted, double p) {
    const double position = p / 100.0 * static_cast<double>(sorted.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    const double fraction = position - static_cast<double>(below);
    return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

}  // namespace histogram_detail

// Equal-width bin edges over [min, max] of `values` (±0.5 around a single value), as
// numpy.histogram_bin_edges: `bins` bins, or for bins = 0 numpy's "auto" width — the
// smaller of Sturges' and Freedman–Diaconis' (Sturges' when the interquartile range is 0) —
// capped at max_auto_bins bins.
inline std::vector<double> histogram_edges(std::span<const double> values, std::size_t bins = 0) {
    require(!values.empty(), "histogram_edges: no values");
    std::vector<double> sorted(values.begin(), values.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        require(std::isfinite(sorted[i]), "histogram_edges: value ", i, " is ", sorted[i]);
    }
    std::sort(sorted.begin(), sorted.end());
    double first = sorted.front(), last = sorted.back();
    if (first == last) {
        first -= 0.5;
        last += 0.5;
    }
    if (bins == 0) {
        const double n = static_cast<double>(sorted.size());
        const double sturges = (sorted.back() - sorted.front()) / (std::log2(n) + 1.0);
        const double iqr = histogram_detail::percentile(sorted, 75) - histogram_detail::percentile(sorted, 25);
        const double freedman_diaconis = 2.0 * iqr * std::pow(n, -1.0 / 3.0);
        const double width = freedman_diaconis > 0 ? std::min(freedman_diaconis, sturges) : sturges;
        const double count = width > 0 ? std::ceil((last - first) / width) : 1.0;
        bins = static_cast<std::size_t>(std::clamp(count, 1.0, static_cast<double>(max_auto_bins)));
    }
    std::vector<double> edges(bins + 1);
    for (std::size_t i = 0; i <= bins; ++i) {
        edges[i] = first + (last - first) * static_cast<double>(i) / static_cast<double>(bins);
    }
    edges.back() = last;
    return edges;
}

// Counts of `values` per bin of `edges` (numpy.histogram's rule, see above).
inline std::vector<double> histogram_counts(std::span<const double> values, std::span<const double> edges) {
    require(edges.size() >= 2, "histogram_counts: need at least 2 bin edges, got ", edges.size());
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
        require(std::isfinite(edges[i]) && edges[i] < edges[i + 1], "histogram_counts: edges must be finite and ",
                "increasing, but edge ", i, " = ", edges[i], " and edge ", i + 1, " = ", edges[i + 1]);
    }
    std::vector<double> counts(edges.size() - 1, 0.0);
    for (double v : values) {
        if (!(v >= edges.front() && v <= edges.back())) continue;
        const auto bin = static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), v) - edges.begin()) - 1;
        ++counts[std::min(bin, counts.size() - 1)];
    }
    return counts;
}

class Histogram final : public Artist {
public:
    Histogram(const std::vector<double>& values, HistogramOptions options, Color color, std::string name)
        : options_(std::move(options)), color_(color), name_(std::move(name)) {
        require(!values.empty(), name_, ": no values");
        artist_detail::require_finite(values, name_ + ": value");
        require(options_.alpha >= 0 && options_.alpha <= 1, name_, ": alpha must be in [0, 1], got ", options_.alpha);
        try {
            edges_ = options_.edges.empty() ? histogram_edges(values, options_.bins) : options_.edges;
            heights_ = histogram_counts(values, edges_);
        } catch (const Error& error) {
            fail(name_, ": ", error.what());
        }
        if (options_.density) {
            double total = 0;
            for (double c : heights_) total += c;
            require(total > 0, name_, ": density of a histogram with no values inside its edges");
            for (std::size_t i = 0; i < heights_.size(); ++i) heights_[i] /= total * (edges_[i + 1] - edges_[i]);
        }
    }

    const std::vector<double>& edges() const { return edges_; }
    const std::vector<double>& heights() const { return heights_; }

    Extent x_extent(bool log) const override {
        return artist_detail::extent_of({edges_.front(), edges_.back()}, log, name_ + ": bin edge", 'x');
    }

    Extent y_extent(bool log) const override {
        Extent extent;
        for (double h : heights_) {
            if (log && h <= 0) continue;  // an empty bin is no bar on a log axis
            extent.low = std::min(extent.low, h);
            extent.high = std::max(extent.high, h);
        }
        require(!extent.empty(), name_, ": all bins are empty, nothing to show on a log y-axis");
        if (!log) {
            extent.low = std::min(extent.low, 0.0);
            extent.sticky_low = extent.low == 0.0;
        }
        return extent;
    }

    void draw(const Canvas& canvas, const Transform& transform, double pt) const override {
        cairo_t* cr = canvas.cr();
        const double base = transform.y.log ? transform.y.from : transform.y(0.0);
        const auto top = [&](std::size_t i) { return heights_[i] > 0 ? transform.y(heights_[i]) : base; };
        for (std::size_t i = 0; i < heights_.size(); ++i) {
            if (heights_[i] <= 0) continue;
            const double left = transform.x(edges_[i]), right = transform.x(edges_[i + 1]);
            cairo_rectangle(cr, left, top(i), right - left, base - top(i));
        }
        canvas.set_color(color_, options_.alpha);
        cairo_fill(cr);
        if (!options_.outline) return;
        cairo_move_to(cr, transform.x(edges_.front()), base);
        for (std::size_t i = 0; i < heights_.size(); ++i) {
            cairo_line_to(cr, transform.x(edges_[i]), top(i));
            cairo_line_to(cr, transform.x(edges_[i + 1]), top(i));
        }
        cairo_line_to(cr, transform.x(edges_.back()), base);
        canvas.set_color(color_);
        cairo_set_line_width(cr, 1.0 * pt);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
        cairo_stroke(cr);
    }

    std::vector<LegendEntry> legend_entries(double pt) const override {
        if (options_.label.empty()) return {};
        return {{options_.label, color_, LegendEntry::Handle::patch, options_.alpha, LineStyle::solid, Marker::none,
                 options_.outline ? 1.0 * pt : 0.0, 0.0}};
    }

    double covered_by(const Rect& box, const Transform& transform) const override {
        const double base = transform.y.log ? transform.y.from : transform.y(0.0);
        double covered = 0;
        for (std::size_t i = 0; i < heights_.size(); ++i) {
            if (heights_[i] <= 0) continue;
            const double left = transform.x(edges_[i]), right = transform.x(edges_[i + 1]);
            const double top = transform.y(heights_[i]);
            const Rect bar{std::min(left, right), std::min(top, base), std::abs(right - left), std::abs(base - top)};
            if (bar.intersects(box)) ++covered;
        }
        return covered;
    }

private:
    std::vector<double> edges_, heights_;
    HistogramOptions options_;
    Color color_;
    std::string name_;
};

}  // namespace latentlab::plot
