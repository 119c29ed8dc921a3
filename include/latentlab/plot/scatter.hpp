#pragma once
// Scatter plots (Axes::scatter): one series in one colour, or points coloured by class
// (a 2-d PCA or UMAP embedding of latents). Tens of thousands of points stay readable with
// small translucent markers: size and opacity default to values that shrink with the number
// of points. Points are drawn in the given order, each filled on its own so that overlaps
// darken as they do in matplotlib; shuffle the points to keep one class from hiding another.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "latentlab/plot/artist.hpp"

namespace latentlab::plot {

struct ScatterOptions {
    std::string label{};           // legend text; empty: not in the legend
    std::optional<Color> color{};  // default: the axes' next colour of the tab10 palette
    double size = 0;             // marker diameter in points; 0: scatter_marker_size(n)
    double alpha = 0;            // marker opacity; 0: scatter_alpha(n)
    Marker marker = Marker::circle;
};

struct ClassScatterOptions {
    std::vector<std::string> class_names{};  // legend text of class k; default "class k"
    std::vector<Color> colors{};             // colour of class k; default qualitative_color(k)
    double size = 0;                       // as in ScatterOptions
    double alpha = 0;
    Marker marker = Marker::circle;
};

// Default marker diameter in points for n points: matplotlib's 6 pt up to 200 points,
// then shrinking as 1/√n (area per point constant) down to 1.5 pt.
inline double scatter_marker_size(std::size_t n) {
    return std::clamp(6.0 * std::sqrt(200.0 / static_cast<double>(std::max<std::size_t>(n, 1))), 1.5, 6.0);
}

// Default opacity for n points: opaque enough to see single points, translucent enough
// to show density where thousands overlap.
inline double scatter_alpha(std::size_t n) {
    return std::clamp(0.9 * std::sqrt(1000.0 / static_cast<double>(std::max<std::size_t>(n, 1))), 0.3, 0.9);
}

class Scatter final : public Artist {
public:
    // Point i has class classes[i], drawn in colors[classes[i]]; names[k] is the legend text
    // of class k (empty: not in the legend).
    Scatter(std::vector<double> x, std::vector<double> y, std::vector<std::uint32_t> classes, std::vector<Color> colors,
            std::vector<std::string> names, double size, double alpha, Marker marker, std::string name)
        : x_(std::move(x)),
          y_(std::move(y)),
          classes_(std::move(classes)),
          colors_(std::move(colors)),
          names_(std::move(names)),
          marker_(marker),
          name_(std::move(name)) {
        require(!x_.empty(), name_, ": no points");
        require(x_.size() == y_.size(), name_, ": x has ", x_.size(), " values but y has ", y_.size());
        artist_detail::require_finite(x_, name_ + ": x");
        artist_detail::require_finite(y_, name_ + ": y");
        require(size >= 0 && std::isfinite(size), name_, ": marker size must be positive (or 0: automatic), got ", size);
        require(alpha >= 0 && alpha <= 1, name_, ": alpha must be in [0, 1] (0: automatic), got ", alpha);
        require(marker_ != Marker::none, name_, ": a scatter plot needs a marker");
        size_ = size > 0 ? size : scatter_marker_size(x_.size());
        alpha_ = alpha > 0 ? alpha : scatter_alpha(x_.size());
    }

    Extent x_extent(bool log) const override { return artist_detail::extent_of(x_, log, name_ + ": x", 'x'); }
    Extent y_extent(bool log) const override { return artist_detail::extent_of(y_, log, name_ + ": y", 'y'); }

    void draw(const Canvas& canvas, const Transform& transform, double pt) const override {
        cairo_t* cr = canvas.cr();
        double diameter = size_ * pt;
        Marker marker = marker_;
        if (diameter < 3.0) {
            // A circle this small renders as a blurred square: draw the square of equal area.
            diameter *= std::sqrt(std::numbers::pi) / 2;
            marker = Marker::square;
        }
        std::uint32_t current = classes_[0];
        canvas.set_color(colors_[current], alpha_);
        for (std::size_t i = 0; i < x_.size(); ++i) {
            if (classes_[i] != current) {
                current = classes_[i];
                canvas.set_color(colors_[current], alpha_);
            }
            artist_detail::add_marker(cr, marker, transform(x_[i], y_[i]), diameter);
            cairo_fill(cr);
        }
    }

    std::vector<LegendEntry> legend_entries(double pt) const override {
        std::vector<bool> present(colors_.size(), false);
        for (std::uint32_t c : classes_) present[c] = true;
        std::vector<LegendEntry> entries;
        for (std::size_t k = 0; k < colors_.size(); ++k) {
            if (!present[k] || k >= names_.size() || names_[k].empty()) continue;
            // Opaque and at least 6 pt: the legend must show the colour of points that are
            // drawn tiny and faint.
            entries.push_back({names_[k], colors_[k], LegendEntry::Handle::marker, 1.0, LineStyle::none, marker_, 0.0,
                               std::max(size_, 6.0) * pt});
        }
        return entries;
    }

    double covered_by(const Rect& box, const Transform& transform) const override {
        double covered = 0;
        for (std::size_t i = 0; i < x_.size(); ++i) covered += box.contains(transform(x_[i], y_[i])) ? 1 : 0;
        return covered;
    }

private:
    std::vector<double> x_, y_;
    std::vector<std::uint32_t> classes_;
    std::vector<Color> colors_;
    std::vector<std::string> names_;
    Marker marker_;
    double size_ = 0, alpha_ = 0;
    std::string name_;
};

}  // namespace latentlab::plot
