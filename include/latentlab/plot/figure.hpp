#pragma once
// Figure: a page of rows × columns axes with an optional title, saved as SVG, PNG or PDF
// (by the file's extension) through the same drawing code.
//
//   plot::Figure fig({.width = 800, .height = 600, .title = "Loss"});
//   fig.axes().line(steps, train, {.label = "train"}).line(steps, test, {.label = "test"});
//   fig.axes().set_log_y().set_xlabel("step");
//   fig.save("loss.svg");
//
// Margins come from the texts' measured sizes, and axes in one row (column) share their
// top and bottom (left and right) margins so that their plot areas line up.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/plot/axes.hpp"
#include "latentlab/plot/canvas.hpp"
#include "latentlab/plot/layout.hpp"

namespace latentlab::plot {

struct FigureOptions {
    int width = 800;  // pixels
    int height = 600;
    std::string title{};
    std::size_t rows = 1;  // a grid of rows × columns axes
    std::size_t columns = 1;
    // Pixels per inch: sets how large a point is (fonts, line widths) and the PDF's page size.
    double dpi = 100;
    double font_size = 10;  // points: tick labels, axis labels, legend; titles are 1.2×
};

struct FigureLayout {
    Style style;
    std::vector<AxesLayout> axes;  // row by row
    std::vector<TextItem> texts;   // the figure's title
};

class Figure {
public:
    explicit Figure(FigureOptions options = {}) : options_(std::move(options)) {
        const auto& o = options_;
        require(o.width >= 1 && o.width <= max_page_pixels && o.height >= 1 && o.height <= max_page_pixels,
                "FigureOptions: width and height must be in 1..", max_page_pixels, " pixels, got ", o.width, "×",
                o.height);
        require(o.rows >= 1 && o.columns >= 1 && o.rows * o.columns <= 10000,
                "FigureOptions: rows and columns must be ≥ 1 (and at most 10000 axes), got ", o.rows, "×", o.columns);
        require(std::isfinite(o.dpi) && o.dpi > 0, "FigureOptions: dpi must be positive, got ", o.dpi);
        require(std::isfinite(o.font_size) && o.font_size > 0, "FigureOptions: font_size must be positive, got ",
                o.font_size);
        axes_.resize(o.rows * o.columns);
    }

    // The axes of a figure with one.
    Axes& axes() {
        require(axes_.size() == 1, "Figure::axes(): the figure has ", options_.rows, "×", options_.columns,
                " axes; use axes(row, column)");
        return axes_[0];
    }

    Axes& axes(std::size_t row, std::size_t column) {
        require(row < options_.rows && column < options_.columns, "Figure::axes(", row, ", ", column,
                "): the figure has ", options_.rows, "×", options_.columns, " axes");
        return axes_[row * options_.columns + column];
    }

    const FigureOptions& options() const { return options_; }

    FigureLayout layout() const { return layout(Canvas::for_measuring()); }

    // Writes the figure as SVG, PNG or PDF, by the extension of `path`.
    void save(const std::filesystem::path& path) const {
        format_of(path);  // an unknown extension fails before the file is touched
        const FigureLayout computed = layout();
        write_page(path, options_.width, options_.height, options_.dpi,
                   [&](const Canvas& canvas) { draw(canvas, computed); });
    }

    // The figure's pixels, H×W×4 RGBA, as the PNG would hold them.
    xt::xtensor<std::uint8_t, 3> render() const {
        const FigureLayout computed = layout();
        return render_page(options_.width, options_.height, [&](const Canvas& canvas) { draw(canvas, computed); });
    }

private:
    struct Margins {
        double left = 0, right = 0, top = 0, bottom = 0;
    };

    FigureLayout layout(const Canvas& measure) const {
        FigureLayout result;
        result.style = Style::at(options_.dpi, options_.font_size);
        const Style& style = result.style;
        const auto width = static_cast<double>(options_.width), height = static_cast<double>(options_.height);
        double top = 0;
        if (!options_.title.empty()) {
            result.texts.push_back(place_text(measure, TextRole::figure_title, {options_.title, ""}, Font{style.title_size},
                                              style.text, {width / 2, style.pad}, HAlign::center, VAlign::top));
            top = result.texts.back().box.bottom();
        }
        const std::size_t rows = options_.rows, columns = options_.columns;
        const double cell_width = width / static_cast<double>(columns);
        const double cell_height = (height - top) / static_cast<double>(rows);
        const auto cell = [&](std::size_t i) {
            return Rect{static_cast<double>(i % columns) * cell_width, top + static_cast<double>(i / columns) * cell_height,
                        cell_width, cell_height};
        };
        // Margins per column (left, right) and per row (top, bottom), grown until every
        // text fits: tick labels depend on the plot's size, which depends on the margins.
        std::vector<Margins> column_margins(columns, {style.pad, style.pad, 0, 0});
        std::vector<Margins> row_margins(rows, {0, 0, style.pad, style.pad});
        for (int round = 0; round < 8; ++round) {
            result.axes.clear();
            std::vector<Margins> column_needs(columns, {style.pad, style.pad, 0, 0});
            std::vector<Margins> row_needs(rows, {0, 0, style.pad, style.pad});
            for (std::size_t i = 0; i < axes_.size(); ++i) {
                const std::size_t r = i / columns, c = i % columns;
                const Rect box = cell(i);
                const Rect available{box.x + column_margins[c].left, box.y + row_margins[r].top,
                                     box.width - column_margins[c].left - column_margins[c].right,
                                     box.height - row_margins[r].top - row_margins[r].bottom};
                result.axes.push_back(axes_[i].arrange(measure, style, box, available));
                const Margins need = needed_margins(result.axes.back(), available, style);
                column_needs[c].left = std::max(column_needs[c].left, need.left);
                column_needs[c].right = std::max(column_needs[c].right, need.right);
                row_needs[r].top = std::max(row_needs[r].top, need.top);
                row_needs[r].bottom = std::max(row_needs[r].bottom, need.bottom);
            }
            bool settled = true;
            const auto settle = [&](double& current, double needed) {
                if (needed > current + 0.5) {
                    current = needed;
                    settled = false;
                }
            };
            for (std::size_t c = 0; c < columns; ++c) {
                settle(column_margins[c].left, column_needs[c].left);
                settle(column_margins[c].right, column_needs[c].right);
            }
            for (std::size_t r = 0; r < rows; ++r) {
                settle(row_margins[r].top, row_needs[r].top);
                settle(row_margins[r].bottom, row_needs[r].bottom);
            }
            if (settled) break;
        }
        return result;
    }

    // The margins (cell edge to data area) that hold everything drawn outside the data
    // area, plus the figure's padding.
    static Margins needed_margins(const AxesLayout& axes, const Rect& available, const Style& style) {
        Margins need{style.pad, style.pad, style.pad, style.pad};
        if (!axes.visible) return need;
        Rect extent = available;
        for (const TextItem& text : axes.texts) {
            if (text.role != TextRole::legend && text.role != TextRole::annotation) extent = extent.united(text.box);
        }
        if (axes.colorbar) extent = extent.united(axes.colorbar->bar);
        if (axes.frame) {  // tick marks
            extent = extent.united({axes.plot.x - style.tick_length, axes.plot.y,
                                    axes.plot.width + style.tick_length, axes.plot.height + style.tick_length});
        }
        need.left += available.x - extent.x;
        need.right += extent.right() - available.right();
        need.top += available.y - extent.y;
        need.bottom += extent.bottom() - available.bottom();
        return need;
    }

    void draw(const Canvas& canvas, const FigureLayout& computed) const {
        cairo_set_source_rgb(canvas.cr(), 1, 1, 1);
        cairo_paint(canvas.cr());
        for (std::size_t i = 0; i < axes_.size(); ++i) axes_[i].draw(canvas, computed.style, computed.axes[i]);
        for (const TextItem& text : computed.texts) draw_text(canvas, text);
    }

    FigureOptions options_;
    std::vector<Axes> axes_;
};

}  // namespace latentlab::plot
