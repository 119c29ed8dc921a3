#pragma once
// Heatmaps (Axes::heatmap, Axes::confusion_matrix): a matrix as coloured cells, row 0 at
// the top, with the value written in each cell, row and column labels and a colour bar.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "latentlab/plot/artist.hpp"
#include "latentlab/plot/ticks.hpp"

namespace latentlab::plot {

struct HeatmapOptions {
    std::vector<std::string> row_labels{};     // one per row; default 0, 1, ...
    std::vector<std::string> column_labels{};  // one per column; default 0, 1, ...
    Colormap colormap = Colormap::viridis;
    std::optional<double> min{}, max{};  // the colour scale; default the matrix's minimum and maximum
    // Write each cell's value (left out where cells are too small for half the font size:
    // the colour carries the value there).
    bool annotate = true;
    int decimals = -1;  // decimals of the written values; -1: none if all are integers, else 2
    bool colorbar = true;
    std::string colorbar_label{};
};

struct ConfusionMatrixOptions {
    std::vector<std::string> class_names{};  // rows (true class) and columns (predicted class)
    bool normalize = false;                // each row as fractions of its true class
    Colormap colormap = Colormap::viridis;
    bool colorbar = true;
};

class Heatmap final : public Artist {
public:
    // `values` holds rows × columns values in row-major order.
    Heatmap(std::vector<double> values, std::size_t rows, std::size_t columns, const HeatmapOptions& options,
            std::string name)
        : values_(std::move(values)),
          rows_(rows),
          columns_(columns),
          colormap_(options.colormap),
          name_(std::move(name)) {
        require(rows_ > 0 && columns_ > 0, name_, ": the matrix is empty (", rows_, "×", columns_, ")");
        artist_detail::require_finite(values_, name_ + ": value");
        const auto [low, high] = std::minmax_element(values_.begin(), values_.end());
        low_ = options.min.value_or(*low);
        high_ = options.max.value_or(*high);
        require(std::isfinite(low_) && std::isfinite(high_) && low_ <= high_, name_,
                ": the colour scale must be finite with min ≤ max, got [", low_, ", ", high_, "]");
        require(options.decimals >= -1 && options.decimals <= 12, name_, ": decimals must be in -1..12, got ",
                options.decimals);
        if (options.annotate) {
            int decimals = options.decimals;
            if (decimals < 0) {
                decimals = 0;
                for (double v : values_) {
                    if (v != std::round(v)) decimals = 2;
                }
            }
            for (double v : values_) labels_.push_back(ticks_detail::fixed(v, decimals));
        }
    }

    double low() const { return low_; }
    double high() const { return high_; }
    Colormap colormap() const { return colormap_; }

    Color cell_color(std::size_t row, std::size_t column) const {
        const double v = values_[row * columns_ + column];
        return colormap_color(colormap_, high_ > low_ ? (v - low_) / (high_ - low_) : 0.0);
    }

    Extent x_extent(bool log) const override { return cells(static_cast<double>(columns_), log, 'x'); }
    Extent y_extent(bool log) const override { return cells(static_cast<double>(rows_), log, 'y'); }

    void draw(const Canvas& canvas, const Transform& transform, double /*pt*/) const override {
        cairo_t* cr = canvas.cr();
        // Cell edges on whole pixels: antialiased edges of neighbouring cells would let the
        // background show through as hairlines.
        const auto edge = [](double v) { return std::round(v); };
        for (std::size_t i = 0; i < rows_; ++i) {
            const double top = edge(transform.y(static_cast<double>(i) - 0.5));
            const double bottom = edge(transform.y(static_cast<double>(i) + 0.5));
            for (std::size_t j = 0; j < columns_; ++j) {
                const double left = edge(transform.x(static_cast<double>(j) - 0.5));
                const double right = edge(transform.x(static_cast<double>(j) + 0.5));
                canvas.set_color(cell_color(i, j));
                cairo_rectangle(cr, left, std::min(top, bottom), right - left, std::abs(bottom - top));
                cairo_fill(cr);
            }
        }
    }

    std::vector<Annotation> annotations() const override {
        std::vector<Annotation> out;
        for (std::size_t i = 0; i < rows_ && !labels_.empty(); ++i) {
            for (std::size_t j = 0; j < columns_; ++j) {
                const Color text = luminance(cell_color(i, j)) < 0.5 ? Color{255, 255, 255} : Color{0, 0, 0};
                out.push_back({static_cast<double>(j), static_cast<double>(i), 1.0, 1.0, labels_[i * columns_ + j], text});
            }
        }
        return out;
    }

    double covered_by(const Rect& box, const Transform& transform) const override {
        const Rect area{transform.x(-0.5), std::min(transform.y(-0.5), transform.y(rows_ - 0.5)),
                        transform.x(columns_ - 0.5) - transform.x(-0.5),
                        std::abs(transform.y(rows_ - 0.5) - transform.y(-0.5))};
        return area.intersects(box) ? 1.0 : 0.0;
    }

private:
    Extent cells(double count, bool log, char axis) const {
        require(!log, name_, ": a heatmap cannot be drawn on a log ", axis, "-axis");
        return {-0.5, count - 0.5, true, true};
    }

    std::vector<double> values_;
    std::size_t rows_, columns_;
    Colormap colormap_;
    double low_ = 0, high_ = 1;
    std::vector<std::string> labels_;
    std::string name_;
};

}  // namespace latentlab::plot
