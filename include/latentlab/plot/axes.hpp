#pragma once
// Axes: one plot area of a figure with its data (lines, histograms, scatters, heatmaps,
// images), axis scales and labels, ticks, grid, legend and colour bar. Every setter
// returns the axes, so calls chain:
//
//   fig.axes().line(steps, loss, {.label = "train"}).set_log_y().set_xlabel("step");
//
// Data are copied when added; errors in them (empty, lengths that differ, NaN, values a
// log axis cannot show) throw latentlab::Error naming the series.
#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdint>
#include <memory>
#include <numbers>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xarray.hpp>

#include "latentlab/plot/artist.hpp"
#include "latentlab/plot/heatmap.hpp"
#include "latentlab/plot/histogram.hpp"
#include "latentlab/plot/image.hpp"
#include "latentlab/plot/layout.hpp"
#include "latentlab/plot/line.hpp"
#include "latentlab/plot/scatter.hpp"
#include "latentlab/plot/ticks.hpp"

namespace latentlab::plot {

enum class LegendLocation {
    best,  // the corner or edge where the legend covers the least data, as matplotlib's "best"
    upper_right,
    upper_left,
    lower_left,
    lower_right,
    center_right,
    center_left,
    lower_center,
    upper_center,
    center,
};

struct LegendOptions {
    bool visible = true;  // shown when some series has a label
    LegendLocation location = LegendLocation::best;
};

namespace axes_detail {

struct Limits {
    double low = 0, high = 1;
};

// The view of an axis: the data extent with 5 % margins on its non-sticky ends (in log10
// space on a log axis), as matplotlib's default autoscaling.
inline Limits view_limits(Extent extent, bool log) {
    const auto forward = [log](double v) { return log ? std::log10(v) : v; };
    const auto back = [log](double v) { return log ? std::pow(10.0, v) : v; };
    double low = forward(extent.low), high = forward(extent.high);
    if (high - low <= 1e-12 * std::max(std::abs(low), std::abs(high))) {
        // One value: widen as matplotlib's nonsingular does.
        const double delta = low == 0 ? 0.05 : 0.05 * std::abs(low);
        low -= delta;
        high += delta;
        extent.sticky_low = extent.sticky_high = false;
    }
    const double margin = 0.05 * (high - low);
    if (!extent.sticky_low) low -= margin;
    if (!extent.sticky_high) high += margin;
    return {back(low), back(high)};
}

// The first candidate that `fits`, else the sparsest.
template <class Fits>
TickSet choose_ticks(std::vector<TickSet> candidates, Fits&& fits) {
    for (TickSet& candidate : candidates) {
        if (fits(candidate)) return std::move(candidate);
    }
    return std::move(candidates.back());
}

inline std::vector<TickSet> tick_candidates(const Scale& scale, const std::optional<std::vector<Tick>>& custom) {
    if (!custom) return scale.log ? log_tick_candidates(scale.low, scale.high) : linear_tick_candidates(scale.low, scale.high);
    TickSet ticks;
    const double low = std::min(scale.low, scale.high), high = std::max(scale.low, scale.high);
    for (const Tick& tick : *custom) {
        if (tick.value >= low && tick.value <= high) ticks.major.push_back(tick);
    }
    // Every label, then every second, third, ... until they fit.
    std::vector<TickSet> candidates;
    for (std::size_t stride = 1; stride <= std::max<std::size_t>(ticks.major.size(), 1); ++stride) {
        TickSet thinned;
        for (std::size_t i = 0; i < ticks.major.size(); i += stride) thinned.major.push_back(ticks.major[i]);
        candidates.push_back(std::move(thinned));
    }
    return candidates;
}

// The smallest distance in pixels between neighbouring ticks.
inline double min_spacing(const TickSet& ticks, const Scale& scale) {
    std::vector<double> positions;
    for (const Tick& tick : ticks.major) positions.push_back(scale(tick.value));
    std::sort(positions.begin(), positions.end());
    double spacing = std::numeric_limits<double>::infinity();
    for (std::size_t i = 1; i < positions.size(); ++i) spacing = std::min(spacing, positions[i] - positions[i - 1]);
    return spacing;
}

inline double crisp(double v, double width) {
    // A line of odd pixel width is sharp centred on a pixel's middle, an even one on an edge.
    return static_cast<long>(std::round(width)) % 2 == 1 ? std::floor(v) + 0.5 : std::round(v);
}

inline void stroke_line(cairo_t* cr, Point a, Point b) {
    cairo_move_to(cr, a.x, a.y);
    cairo_line_to(cr, b.x, b.y);
    cairo_stroke(cr);
}

inline void rounded_rectangle(cairo_t* cr, const Rect& r, double radius) {
    using std::numbers::pi;
    cairo_new_sub_path(cr);
    cairo_arc(cr, r.right() - radius, r.y + radius, radius, -pi / 2, 0);
    cairo_arc(cr, r.right() - radius, r.bottom() - radius, radius, 0, pi / 2);
    cairo_arc(cr, r.x + radius, r.bottom() - radius, radius, pi / 2, pi);
    cairo_arc(cr, r.x + radius, r.y + radius, radius, pi, 3 * pi / 2);
    cairo_close_path(cr);
}

}  // namespace axes_detail

class Axes {
public:
    // ---- Labels, scales, appearance ----
    // `size` in points; 0: 1.2 × the figure's font size.
    Axes& set_title(std::string title, double size = 0) {
        require(std::isfinite(size) && size >= 0, "set_title: size must be ≥ 0 points, got ", size);
        title_ = std::move(title);
        title_size_ = size;
        return *this;
    }
    Axes& set_xlabel(std::string label) {
        x_label_ = std::move(label);
        return *this;
    }
    Axes& set_ylabel(std::string label) {
        y_label_ = std::move(label);
        return *this;
    }
    Axes& set_log_x(bool log = true) {
        log_x_ = log;
        return *this;
    }
    Axes& set_log_y(bool log = true) {
        log_y_ = log;
        return *this;
    }
    Axes& set_xlim(double low, double high) {
        x_limits_ = checked_limits(low, high, "set_xlim");
        return *this;
    }
    Axes& set_ylim(double low, double high) {
        y_limits_ = checked_limits(low, high, "set_ylim");
        return *this;
    }
    Axes& set_grid(bool grid) {
        grid_ = grid;
        return *this;
    }
    Axes& set_legend(LegendOptions options) {
        legend_ = options;
        return *this;
    }
    // Ticks at `positions` (data units) labelled `labels` (default: the positions' values).
    Axes& set_xticks(const std::vector<double>& positions, const std::vector<std::string>& labels = {}) {
        x_ticks_ = custom_ticks(positions, labels, "set_xticks");
        return *this;
    }
    Axes& set_yticks(const std::vector<double>& positions, const std::vector<std::string>& labels = {}) {
        y_ticks_ = custom_ticks(positions, labels, "set_yticks");
        return *this;
    }

    // ---- Data ----
    // y against x.
    template <Values X, Values Y>
    Axes& line(const X& x, const Y& y, LineOptions options = {}) {
        const std::string name = series_name("line", options.label);
        auto xs = artist_detail::to_doubles(x, name + ": x");
        auto ys = artist_detail::to_doubles(y, name + ": y");
        const Color color = options.color.value_or(next_color());
        add(std::make_unique<Line>(std::move(xs), std::move(ys), std::move(options), color, name));
        return *this;
    }

    // y against 0, 1, 2, ...
    template <Values Y>
    Axes& line(const Y& y, LineOptions options = {}) {
        const std::string name = series_name("line", options.label);
        auto ys = artist_detail::to_doubles(y, name + ": y");
        std::vector<double> xs(ys.size());
        for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<double>(i);
        const Color color = options.color.value_or(next_color());
        add(std::make_unique<Line>(std::move(xs), std::move(ys), std::move(options), color, name));
        return *this;
    }

    template <Values V>
    Axes& histogram(const V& values, HistogramOptions options = {}) {
        const std::string name = series_name("histogram", options.label);
        const auto vs = artist_detail::to_doubles(values, name);
        const Color color = options.color.value_or(next_color());
        add(std::make_unique<Histogram>(vs, std::move(options), color, name));
        return *this;
    }

    // One series in one colour.
    template <Values X, Values Y>
    Axes& scatter(const X& x, const Y& y, ScatterOptions options = {}) {
        const std::string name = series_name("scatter", options.label);
        auto xs = artist_detail::to_doubles(x, name + ": x");
        auto ys = artist_detail::to_doubles(y, name + ": y");
        const Color color = options.color.value_or(next_color());
        std::vector<std::uint32_t> classes(xs.size(), 0);
        add(std::make_unique<Scatter>(std::move(xs), std::move(ys), std::move(classes), std::vector<Color>{color},
                                      std::vector<std::string>{options.label}, options.size, options.alpha,
                                      options.marker, name));
        return *this;
    }

    // Points coloured by class: point i belongs to class classes[i] (0, 1, 2, ...).
    template <Values X, Values Y, Values C>
    Axes& scatter(const X& x, const Y& y, const C& classes, ClassScatterOptions options = {}) {
        using Class = std::remove_cvref_t<decltype(*std::begin(classes))>;
        static_assert(std::is_integral_v<Class>, "scatter: class labels must be integers");
        const std::string name = series_name("scatter", "");
        auto xs = artist_detail::to_doubles(x, name + ": x");
        auto ys = artist_detail::to_doubles(y, name + ": y");
        require(static_cast<std::size_t>(classes.size()) == xs.size(), name, ": ", xs.size(), " points but ",
                classes.size(), " class labels");
        constexpr std::uint32_t max_classes = 1u << 16;
        std::vector<std::uint32_t> ids;
        ids.reserve(xs.size());
        std::uint32_t count = 0;
        for (const Class c : classes) {
            if constexpr (std::is_signed_v<Class>) {
                require(c >= 0, name, ": class label ", ids.size(), " is negative (", static_cast<long long>(c), ")");
            }
            require(static_cast<unsigned long long>(c) < max_classes, name, ": class label ", ids.size(), " is ",
                    static_cast<unsigned long long>(c), ", more than ", max_classes, " classes");
            ids.push_back(static_cast<std::uint32_t>(c));
            count = std::max(count, ids.back() + 1);
        }
        require(options.colors.empty() || options.colors.size() >= count, name, ": ", options.colors.size(),
                " colours given for ", count, " classes");
        require(options.class_names.empty() || options.class_names.size() >= count, name, ": ",
                options.class_names.size(), " class names given for ", count, " classes");
        std::vector<Color> colors = options.colors;
        for (std::size_t k = colors.size(); k < count; ++k) colors.push_back(qualitative_color(k));
        std::vector<std::string> names = options.class_names;
        for (std::size_t k = names.size(); k < count; ++k) names.push_back("class " + std::to_string(k));
        add(std::make_unique<Scatter>(std::move(xs), std::move(ys), std::move(ids), std::move(colors),
                                      std::move(names), options.size, options.alpha, options.marker, name));
        return *this;
    }

    // A matrix (2-d xtensor expression) as coloured cells, row 0 at the top.
    template <class E>
    Axes& heatmap(const xt::xexpression<E>& matrix, HeatmapOptions options = {}) {
        const std::string name = series_name("heatmap", "");
        const xt::xarray<double> values = matrix.derived_cast();
        require(values.dimension() == 2, name, ": expected a 2-d matrix, got ", values.dimension(), " dimensions");
        const std::size_t rows = values.shape()[0], columns = values.shape()[1];
        const auto labels = [&](std::vector<std::string> given, std::size_t count, const char* what) {
            require(given.empty() || given.size() == count, name, ": ", given.size(), " ", what, " labels for ",
                    count, " ", what, "s");
            for (std::size_t i = given.size(); i < count; ++i) given.push_back(std::to_string(i));
            return given;
        };
        const auto row_labels = labels(options.row_labels, rows, "row");
        const auto column_labels = labels(options.column_labels, columns, "column");
        auto heatmap = std::make_unique<Heatmap>(std::vector<double>(values.begin(), values.end()), rows, columns,
                                                 options, name);
        if (options.colorbar) {
            colorbar_ = ColorbarSpec{heatmap->colormap(), heatmap->low(), heatmap->high(), options.colorbar_label};
        }
        add(std::move(heatmap));
        std::vector<double> column_positions(columns), row_positions(rows);
        for (std::size_t j = 0; j < columns; ++j) column_positions[j] = static_cast<double>(j);
        for (std::size_t i = 0; i < rows; ++i) row_positions[i] = static_cast<double>(i);
        set_xticks(column_positions, column_labels);
        set_yticks(row_positions, row_labels);
        invert_y_ = equal_aspect_ = true;
        grid_ = false;
        return *this;
    }

    // A confusion matrix: counts[true class][predicted class], as scikit-learn lays it out.
    template <class E>
    Axes& confusion_matrix(const xt::xexpression<E>& counts, ConfusionMatrixOptions options = {}) {
        xt::xarray<double> matrix = counts.derived_cast();
        require(matrix.dimension() == 2 && matrix.shape()[0] == matrix.shape()[1] && matrix.shape()[0] > 0,
                "confusion_matrix: expected a square matrix classes × classes, got a ", matrix.dimension(),
                "-d array of shape ", npy_detail::shape_text(std::vector<std::size_t>(matrix.shape().begin(), matrix.shape().end())));
        const std::size_t n = matrix.shape()[0];
        for (std::size_t i = 0; i < matrix.size(); ++i) {
            require(matrix.data()[i] >= 0, "confusion_matrix: count [", i / n, "][", i % n, "] is ", matrix.data()[i],
                    " (counts are ≥ 0)");
        }
        require(options.class_names.empty() || options.class_names.size() == n, "confusion_matrix: ",
                options.class_names.size(), " class names for ", n, " classes");
        if (options.normalize) {
            for (std::size_t i = 0; i < n; ++i) {
                double total = 0;
                for (std::size_t j = 0; j < n; ++j) total += matrix(i, j);
                for (std::size_t j = 0; j < n && total > 0; ++j) matrix(i, j) /= total;
            }
        }
        HeatmapOptions heatmap_options;
        heatmap_options.row_labels = heatmap_options.column_labels = options.class_names;
        heatmap_options.colormap = options.colormap;
        heatmap_options.min = 0.0;
        if (options.normalize) heatmap_options.max = 1.0;
        heatmap_options.decimals = options.normalize ? 2 : -1;
        heatmap_options.colorbar = options.colorbar;
        heatmap_options.colorbar_label = options.normalize ? "fraction of the true class" : "count";
        heatmap(matrix, heatmap_options);
        set_xlabel("Predicted class");
        set_ylabel("True class");
        return *this;
    }

    // An image H×W or H×W×C (C = 1, 3, 4), as matplotlib's imshow; see ImageOptions.
    template <class E>
    Axes& image(const xt::xexpression<E>& image, ImageOptions options = {}) {
        const std::string name = series_name("image", "");
        xt::xtensor<std::uint8_t, 3> pixels;
        try {
            pixels = image_pixels(image, options);
        } catch (const Error& error) {
            fail(name, ": ", error.what());
        }
        add(std::make_unique<Image>(pixels, options.colormap, name));
        invert_y_ = equal_aspect_ = true;
        grid_ = false;
        show_axes_ = options.show_axes;
        return *this;
    }

    bool empty() const { return artists_.empty(); }

    // ---- Layout and drawing (called by Figure) ----

    // The layout of these axes in `cell`, with the data area within `available` (smaller
    // when the data need an equal aspect ratio). Texts and colour bar may extend beyond
    // `available`; the figure grows the margins until they fit in the cell.
    AxesLayout arrange(const Canvas& measure, const Style& style, Rect cell, Rect available) const {
        using namespace axes_detail;
        AxesLayout layout;
        layout.cell = cell;
        layout.visible = !artists_.empty();
        if (!layout.visible) return layout;
        require(available.width >= 1 && available.height >= 1, "the figure is too small for axes '", title_,
                "': no room is left for the data area (", available.width, "×", available.height, " pixels)");
        const Limits x = limits(false), y = limits(true);
        Rect plot = available;
        if (equal_aspect_ && !log_x_ && !log_y_) {
            const double aspect = (x.high - x.low) / (y.high - y.low);
            if (plot.width > plot.height * aspect) {
                plot.x += (plot.width - plot.height * aspect) / 2;
                plot.width = plot.height * aspect;
            } else {
                plot.y += (plot.height - plot.width / aspect) / 2;
                plot.height = plot.width / aspect;
            }
        }
        layout.plot = plot;
        layout.frame = show_axes_;
        layout.grid = grid_ && show_axes_;
        layout.transform.x = {x.low, x.high, log_x_, plot.x, plot.right()};
        layout.transform.y = invert_y_ ? Scale{y.low, y.high, log_y_, plot.y, plot.bottom()}
                                       : Scale{y.low, y.high, log_y_, plot.bottom(), plot.y};
        const Font font{style.font_size};
        const FontMetrics metrics = measure.metrics(font);
        const double line_height = metrics.ascent + metrics.descent;
        std::vector<TextItem>& texts = layout.texts;
        double below = plot.bottom(), left = plot.x, above = plot.y;

        if (show_axes_) {
            // x ticks: labels side by side need their widths plus a gap; at most one per
            // three font sizes (matplotlib's density).
            const Scale& sx = layout.transform.x;
            const double label_top = plot.bottom() + style.tick_length + style.tick_pad;
            const auto width_of = [&](const Tick& t) {
                return place_text(measure, TextRole::x_tick, t.label, font, style.text, {}, HAlign::left, VAlign::top).box.width;
            };
            const std::size_t max_x = std::clamp<std::size_t>(static_cast<std::size_t>(plot.width / (3 * style.font_size)), 2, 9) + 1;
            bool rotate = false;
            const auto x_fits = [&](const TickSet& ticks, bool turned) {
                if (!x_ticks_ && ticks.major.size() > max_x) return false;
                std::vector<std::pair<double, double>> spans;  // pixel position, label width
                for (const Tick& t : ticks.major) spans.emplace_back(sx(t.value), width_of(t));
                std::sort(spans.begin(), spans.end());
                for (std::size_t i = 1; i < spans.size(); ++i) {
                    const double spacing = spans[i].first - spans[i - 1].first;
                    const double needed = turned ? (line_height + 0.3 * style.font_size) * std::numbers::sqrt2
                                                 : (spans[i].second + spans[i - 1].second) / 2 + 0.6 * style.font_size;
                    if (spacing < needed) return false;
                }
                return true;
            };
            layout.x_ticks = choose_ticks(tick_candidates(sx, x_ticks_), [&](const TickSet& ticks) {
                if (x_fits(ticks, false)) return true;
                // Category labels too wide to stand side by side are turned by 45°.
                rotate = x_ticks_ && x_fits(ticks, true);
                return rotate;
            });
            for (const Tick& t : layout.x_ticks.major) {
                const Point anchor{sx(t.value), label_top};
                texts.push_back(rotate ? place_text(measure, TextRole::x_tick, t.label, font, style.text,
                                                    {anchor.x + 0.3 * style.font_size, anchor.y}, HAlign::right,
                                                    VAlign::top, -std::numbers::pi / 4)
                                       : place_text(measure, TextRole::x_tick, t.label, font, style.text, anchor,
                                                    HAlign::center, VAlign::top));
                below = std::max(below, texts.back().box.bottom());
            }
            if (!layout.x_ticks.multiplier.empty()) {
                texts.push_back(place_text(measure, TextRole::x_multiplier, layout.x_ticks.multiplier, font, style.text,
                                           {plot.right(), below + 0.2 * style.font_size}, HAlign::right, VAlign::top));
                below = texts.back().box.bottom();
            }
            below = std::max(below, label_top);

            // y ticks: one line of text each, at most one per two font sizes.
            const Scale& sy = layout.transform.y;
            const std::size_t max_y = std::clamp<std::size_t>(static_cast<std::size_t>(plot.height / (2 * style.font_size)), 2, 9) + 1;
            layout.y_ticks = choose_ticks(tick_candidates(sy, y_ticks_), [&](const TickSet& ticks) {
                return (y_ticks_ || ticks.major.size() <= max_y) &&
                       min_spacing(ticks, sy) >= line_height + 0.25 * style.font_size;
            });
            const double label_right = plot.x - style.tick_length - style.tick_pad;
            left = std::min(left, label_right);
            for (const Tick& t : layout.y_ticks.major) {
                texts.push_back(place_text(measure, TextRole::y_tick, t.label, font, style.text, {label_right, sy(t.value)},
                                           HAlign::right, VAlign::center));
                left = std::min(left, texts.back().box.x);
            }
            if (!layout.y_ticks.multiplier.empty()) {
                texts.push_back(place_text(measure, TextRole::y_multiplier, layout.y_ticks.multiplier, font, style.text,
                                           {plot.x, plot.y - 0.3 * style.font_size}, HAlign::left, VAlign::bottom));
                above = std::min(above, texts.back().box.y);
            }
        }
        if (!x_label_.empty()) {
            texts.push_back(place_text(measure, TextRole::x_label, {x_label_, ""}, font, style.text,
                                       {plot.center().x, below + style.label_pad}, HAlign::center, VAlign::top));
        }
        if (!y_label_.empty()) {
            texts.push_back(place_text(measure, TextRole::y_label, {y_label_, ""}, font, style.text,
                                       {left - style.label_pad, plot.center().y}, HAlign::center, VAlign::bottom,
                                       -std::numbers::pi / 2));
        }
        if (!title_.empty()) {
            Font title_font{title_size_ > 0 ? title_size_ * style.pt : style.title_size};
            // A title wider than its cell shrinks (to half its size at most) rather than
            // running into the neighbours.
            const double width = measure.text_width(title_, title_font);
            const double room = cell.width - 2 * style.pad;
            if (width > room && room > 0) title_font.size *= std::max(0.5, room / width);
            texts.push_back(place_text(measure, TextRole::title, {title_, ""}, title_font, style.text,
                                       {plot.center().x, above - style.title_pad}, HAlign::center, VAlign::bottom));
        }
        if (colorbar_) layout.colorbar = arrange_colorbar(measure, style, plot, texts);
        layout.legend = arrange_legend(measure, style, layout.transform, plot, texts);
        for (const auto& artist : artists_) {
            for (const Annotation& a : artist->annotations()) place_annotation(measure, style, layout.transform, a, texts);
        }
        return layout;
    }

    void draw(const Canvas& canvas, const Style& style, const AxesLayout& layout) const {
        using namespace axes_detail;
        if (!layout.visible) return;
        cairo_t* cr = canvas.cr();
        const Rect& plot = layout.plot;
        const Transform& t = layout.transform;
        cairo_set_line_width(cr, style.line_width);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        if (layout.grid) {
            canvas.set_color(style.grid);
            for (const Tick& tick : layout.x_ticks.major) {
                const double px = crisp(t.x(tick.value), style.line_width);
                stroke_line(cr, {px, plot.y}, {px, plot.bottom()});
            }
            for (const Tick& tick : layout.y_ticks.major) {
                const double py = crisp(t.y(tick.value), style.line_width);
                stroke_line(cr, {plot.x, py}, {plot.right(), py});
            }
        }
        cairo_save(cr);
        cairo_rectangle(cr, plot.x, plot.y, plot.width, plot.height);
        cairo_clip(cr);
        for (const auto& artist : artists_) artist->draw(canvas, t, style.pt);
        cairo_restore(cr);
        cairo_set_line_width(cr, style.line_width);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        if (layout.frame) {
            canvas.set_color(style.spine);
            const double x0 = crisp(plot.x, style.line_width), x1 = crisp(plot.right(), style.line_width);
            const double y0 = crisp(plot.y, style.line_width), y1 = crisp(plot.bottom(), style.line_width);
            cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
            cairo_stroke(cr);
            const auto x_tick = [&](double v, double length) {
                const double px = crisp(t.x(v), style.line_width);
                stroke_line(cr, {px, y1}, {px, y1 + length});
            };
            const auto y_tick = [&](double v, double length) {
                const double py = crisp(t.y(v), style.line_width);
                stroke_line(cr, {x0, py}, {x0 - length, py});
            };
            for (const Tick& tick : layout.x_ticks.major) x_tick(tick.value, style.tick_length);
            for (double v : layout.x_ticks.minor) x_tick(v, style.minor_tick_length);
            for (const Tick& tick : layout.y_ticks.major) y_tick(tick.value, style.tick_length);
            for (double v : layout.y_ticks.minor) y_tick(v, style.minor_tick_length);
        }
        if (layout.colorbar) draw_colorbar(canvas, style, *layout.colorbar);
        if (layout.legend) draw_legend(canvas, style, *layout.legend);
        for (const TextItem& text : layout.texts) draw_text(canvas, text);
    }

private:
    struct ColorbarSpec {
        Colormap colormap;
        double low, high;
        std::string label;
    };

    static std::pair<double, double> checked_limits(double low, double high, const char* what) {
        require(std::isfinite(low) && std::isfinite(high) && low < high, what,
                ": limits must be finite with low < high, got [", low, ", ", high, "]");
        return {low, high};
    }

    static std::vector<Tick> custom_ticks(const std::vector<double>& positions, const std::vector<std::string>& labels,
                                          const char* what) {
        require(labels.empty() || labels.size() == positions.size(), what, ": ", labels.size(), " labels for ",
                positions.size(), " positions");
        std::vector<Tick> ticks;
        for (std::size_t i = 0; i < positions.size(); ++i) {
            require(std::isfinite(positions[i]), what, ": position ", i, " is ", positions[i]);
            ticks.push_back({positions[i], {labels.empty() ? ticks_detail::fixed(positions[i], 6) : labels[i], ""}});
            if (labels.empty()) {
                // Plain numbers without trailing zeros: 0.5, 2, 1e-06 would be odd here.
                std::string& text = ticks.back().label.text;
                while (text.find('.') != std::string::npos && (text.back() == '0' || text.back() == '.')) {
                    const bool dot = text.back() == '.';
                    text.pop_back();
                    if (dot) break;
                }
            }
        }
        return ticks;
    }

    std::string series_name(const char* kind, const std::string& label) const {
        if (!label.empty()) return std::string(kind) + " '" + label + "'";
        return std::string(kind) + " " + std::to_string(artists_.size() + 1) + " of the axes";
    }

    Color next_color() { return qualitative_color(colors_used_++); }

    void add(std::unique_ptr<Artist> artist) { artists_.push_back(std::move(artist)); }

    axes_detail::Limits limits(bool vertical) const {
        const bool log = vertical ? log_y_ : log_x_;
        const auto& user = vertical ? y_limits_ : x_limits_;
        const char axis = vertical ? 'y' : 'x';
        Extent extent;
        for (const auto& artist : artists_) extent.include(vertical ? artist->y_extent(log) : artist->x_extent(log));
        if (user) {
            require(!log || user->first > 0, "set_", axis, "lim: a log ", axis, "-axis needs positive limits, got [",
                    user->first, ", ", user->second, "]");
            return {user->first, user->second};
        }
        return axes_detail::view_limits(extent, log);
    }

    ColorbarLayout arrange_colorbar(const Canvas& measure, const Style& style, const Rect& plot,
                                    std::vector<TextItem>& texts) const {
        const Font font{style.font_size};
        const FontMetrics metrics = measure.metrics(font);
        ColorbarLayout bar;
        bar.colormap = colorbar_->colormap;
        bar.bar = {plot.right() + style.font_size, plot.y, 1.2 * style.font_size, plot.height};
        double low = colorbar_->low, high = colorbar_->high;
        if (!(low < high)) {
            low -= 0.5;
            high += 0.5;
        }
        bar.scale = {low, high, false, bar.bar.bottom(), bar.bar.y};
        bar.ticks = axes_detail::choose_ticks(linear_tick_candidates(low, high), [&](const TickSet& ticks) {
            return axes_detail::min_spacing(ticks, bar.scale) >= metrics.ascent + metrics.descent + 0.25 * style.font_size;
        });
        const double label_left = bar.bar.right() + style.tick_length + style.tick_pad;
        double right = label_left;
        for (const Tick& t : bar.ticks.major) {
            texts.push_back(place_text(measure, TextRole::colorbar_tick, t.label, font, style.text,
                                       {label_left, bar.scale(t.value)}, HAlign::left, VAlign::center));
            right = std::max(right, texts.back().box.right());
        }
        if (!bar.ticks.multiplier.empty()) {
            texts.push_back(place_text(measure, TextRole::colorbar_multiplier, bar.ticks.multiplier, font, style.text,
                                       {bar.bar.x, bar.bar.y - 0.3 * style.font_size}, HAlign::left, VAlign::bottom));
        }
        if (!colorbar_->label.empty()) {
            texts.push_back(place_text(measure, TextRole::colorbar_label, {colorbar_->label, ""}, font, style.text,
                                       {right + style.label_pad, bar.bar.center().y}, HAlign::center, VAlign::top,
                                       -std::numbers::pi / 2));
        }
        return bar;
    }

    std::optional<LegendLayout> arrange_legend(const Canvas& measure, const Style& style, const Transform& transform,
                                               const Rect& plot, std::vector<TextItem>& texts) const {
        std::vector<LegendEntry> entries;
        for (const auto& artist : artists_) {
            for (LegendEntry& entry : artist->legend_entries(style.pt)) entries.push_back(std::move(entry));
        }
        if (!legend_.visible || entries.empty()) return std::nullopt;
        // Matplotlib's legend spacing, in font sizes.
        const double em = style.font_size;
        const double border = 0.4 * em, handle_length = 2.0 * em, handle_pad = 0.8 * em, spacing = 0.5 * em,
                     inset = 0.5 * em, column_spacing = 2.0 * em;
        const Font font{style.font_size};
        const FontMetrics metrics = measure.metrics(font);
        const double line_height = metrics.ascent + metrics.descent;
        const std::size_t n = entries.size();
        // Columns only when one column would not fit the plot's height.
        const double room = plot.height - 2 * inset - 2 * border + spacing;
        const auto per_column = static_cast<std::size_t>(std::max(1.0, std::floor(room / (line_height + spacing))));
        const std::size_t columns = (n + per_column - 1) / per_column;
        const std::size_t rows = (n + columns - 1) / columns;
        std::vector<double> column_widths(columns, 0.0);
        for (std::size_t k = 0; k < n; ++k) {
            column_widths[k / rows] = std::max(column_widths[k / rows],
                                               handle_length + handle_pad + measure.text_width(entries[k].label, font));
        }
        double width = 2 * border + column_spacing * static_cast<double>(columns - 1);
        for (double w : column_widths) width += w;
        const double height = 2 * border + static_cast<double>(rows) * line_height + static_cast<double>(rows - 1) * spacing;

        const auto box_at = [&](LegendLocation location) {
            const double left = plot.x + inset, right = plot.right() - inset - width, middle = plot.center().x - width / 2;
            const double top = plot.y + inset, bottom = plot.bottom() - inset - height, centre = plot.center().y - height / 2;
            switch (location) {
                case LegendLocation::upper_left: return Rect{left, top, width, height};
                case LegendLocation::lower_left: return Rect{left, bottom, width, height};
                case LegendLocation::lower_right: return Rect{right, bottom, width, height};
                case LegendLocation::center_right: return Rect{right, centre, width, height};
                case LegendLocation::center_left: return Rect{left, centre, width, height};
                case LegendLocation::lower_center: return Rect{middle, bottom, width, height};
                case LegendLocation::upper_center: return Rect{middle, top, width, height};
                case LegendLocation::center: return Rect{middle, centre, width, height};
                default: return Rect{right, top, width, height};
            }
        };
        LegendLayout legend;
        legend.box = box_at(legend_.location);
        if (legend_.location == LegendLocation::best) {
            double least = std::numeric_limits<double>::infinity();
            for (LegendLocation location :
                 {LegendLocation::upper_right, LegendLocation::upper_left, LegendLocation::lower_left,
                  LegendLocation::lower_right, LegendLocation::center_right, LegendLocation::center_left,
                  LegendLocation::lower_center, LegendLocation::upper_center, LegendLocation::center}) {
                const Rect box = box_at(location);
                double covered = 0;
                for (const auto& artist : artists_) covered += artist->covered_by(box, transform);
                if (covered < least) {
                    least = covered;
                    legend.box = box;
                }
            }
        }
        double x = legend.box.x + border;
        for (std::size_t c = 0; c < columns; ++c) {
            for (std::size_t r = 0; r < rows && c * rows + r < n; ++r) {
                const LegendEntry& entry = entries[c * rows + r];
                const double y = legend.box.y + border + static_cast<double>(r) * (line_height + spacing);
                legend.rows.push_back({entry, {x, y, handle_length, line_height}});
                texts.push_back(place_text(measure, TextRole::legend, {entry.label, ""}, font, style.text,
                                           {x + handle_length + handle_pad, y + line_height / 2}, HAlign::left,
                                           VAlign::center));
            }
            x += column_widths[c] + column_spacing;
        }
        return legend;
    }

    static void place_annotation(const Canvas& measure, const Style& style, const Transform& transform,
                                 const Annotation& a, std::vector<TextItem>& texts) {
        const double width = std::abs(transform.x(a.x + a.width / 2) - transform.x(a.x - a.width / 2));
        const double height = std::abs(transform.y(a.y + a.height / 2) - transform.y(a.y - a.height / 2));
        Font font{style.font_size};
        const FontMetrics metrics = measure.metrics(font);
        const double text_width = measure.text_width(a.text, font);
        const double scale = std::min({1.0, 0.9 * width / std::max(text_width, 1e-9),
                                       0.9 * height / (metrics.ascent + metrics.descent)});
        if (scale < 0.5) return;  // unreadable; the cell's colour still shows the value
        font.size *= scale;
        texts.push_back(place_text(measure, TextRole::annotation, {a.text, ""}, font, a.color, transform(a.x, a.y),
                                   HAlign::center, VAlign::center));
    }

    static void draw_colorbar(const Canvas& canvas, const Style& style, const ColorbarLayout& bar) {
        using namespace axes_detail;
        cairo_t* cr = canvas.cr();
        cairo_pattern_t* gradient = cairo_pattern_create_linear(0, bar.bar.bottom(), 0, bar.bar.y);
        for (int i = 0; i < 256; ++i) {
            const Color c = colormap_color(bar.colormap, i / 255.0);
            cairo_pattern_add_color_stop_rgb(gradient, i / 255.0, c.r / 255.0, c.g / 255.0, c.b / 255.0);
        }
        cairo_set_source(cr, gradient);
        cairo_rectangle(cr, bar.bar.x, bar.bar.y, bar.bar.width, bar.bar.height);
        cairo_fill(cr);
        cairo_pattern_destroy(gradient);
        canvas.set_color(style.spine);
        cairo_set_line_width(cr, style.line_width);
        const double x0 = crisp(bar.bar.x, style.line_width), x1 = crisp(bar.bar.right(), style.line_width);
        const double y0 = crisp(bar.bar.y, style.line_width), y1 = crisp(bar.bar.bottom(), style.line_width);
        cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
        cairo_stroke(cr);
        for (const Tick& tick : bar.ticks.major) {
            const double py = crisp(bar.scale(tick.value), style.line_width);
            stroke_line(cr, {x1, py}, {x1 + style.tick_length, py});
        }
    }

    static void draw_legend(const Canvas& canvas, const Style& style, const LegendLayout& legend) {
        cairo_t* cr = canvas.cr();
        axes_detail::rounded_rectangle(cr, legend.box, 0.2 * style.font_size);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
        cairo_fill_preserve(cr);
        canvas.set_color(style.legend_edge);
        cairo_set_line_width(cr, style.line_width);
        cairo_stroke(cr);
        for (const LegendRow& row : legend.rows) {
            const LegendEntry& e = row.entry;
            const Point middle = row.handle.center();
            switch (e.handle) {
                case LegendEntry::Handle::line:
                    if (e.style != LineStyle::none) {
                        canvas.set_color(e.color, e.alpha);
                        cairo_set_line_width(cr, e.line_width);
                        artist_detail::set_dash(cr, e.style, e.line_width);
                        axes_detail::stroke_line(cr, {row.handle.x, middle.y}, {row.handle.right(), middle.y});
                        artist_detail::set_dash(cr, LineStyle::solid, 0);
                    }
                    if (e.marker != Marker::none) {
                        canvas.set_color(e.color, e.alpha);
                        artist_detail::add_marker(cr, e.marker, middle, e.marker_size);
                        cairo_fill(cr);
                    }
                    break;
                case LegendEntry::Handle::marker:
                    canvas.set_color(e.color, e.alpha);
                    artist_detail::add_marker(cr, e.marker, middle, e.marker_size);
                    cairo_fill(cr);
                    break;
                case LegendEntry::Handle::patch: {
                    const double h = 0.7 * row.handle.height;
                    cairo_rectangle(cr, row.handle.x, middle.y - h / 2, row.handle.width, h);
                    canvas.set_color(e.color, e.alpha);
                    cairo_fill_preserve(cr);
                    if (e.line_width > 0) {
                        canvas.set_color(e.color);
                        cairo_set_line_width(cr, e.line_width);
                        cairo_stroke(cr);
                    }
                    cairo_new_path(cr);
                    break;
                }
            }
        }
    }

    std::vector<std::unique_ptr<Artist>> artists_;
    std::string title_, x_label_, y_label_;
    double title_size_ = 0;
    bool log_x_ = false, log_y_ = false;
    std::optional<std::pair<double, double>> x_limits_, y_limits_;
    bool grid_ = true;
    LegendOptions legend_;
    std::optional<std::vector<Tick>> x_ticks_, y_ticks_;
    bool invert_y_ = false, equal_aspect_ = false, show_axes_ = true;
    std::optional<ColorbarSpec> colorbar_;
    std::size_t colors_used_ = 0;
};

}  // namespace latentlab::plot
