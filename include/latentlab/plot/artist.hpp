#pragma once
// What an Axes holds: artists (a line, a histogram, a scatter, a heatmap, an image). Each
// artist keeps a copy of its data, states its data extent, draws itself through a data →
// pixel transform and tells the legend what it looks like and where it lies.
#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>
#include <numbers>
#include <string>
#include <type_traits>
#include <vector>

#include "latentlab/core/color.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/plot/canvas.hpp"

namespace latentlab::plot {

enum class Marker { none, circle, square };
enum class LineStyle { solid, dashed, dotted, none /* markers only */ };

// Data → page pixels along one axis: `low` lands on pixel `from`, `high` on pixel `to`.
struct Scale {
    double low = 0, high = 1;
    bool log = false;
    double from = 0, to = 1;

    double operator()(double v) const {
        const double f = log ? (std::log10(v) - std::log10(low)) / (std::log10(high) - std::log10(low))
                             : (v - low) / (high - low);
        return from + f * (to - from);
    }
};

struct Transform {
    Scale x, y;
    Point operator()(double vx, double vy) const { return {x(vx), y(vy)}; }
};

// The data's extent along one axis. A sticky end gets no margin: histogram bars stand on
// zero, an image ends at its border.
struct Extent {
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    bool sticky_low = false, sticky_high = false;

    bool empty() const { return !(low <= high); }
    void include(const Extent& other) {
        if (other.empty()) return;
        if (other.low < low) {
            low = other.low;
            sticky_low = other.sticky_low;
        } else if (other.low == low) {
            sticky_low = sticky_low || other.sticky_low;
        }
        if (other.high > high) {
            high = other.high;
            sticky_high = other.sticky_high;
        } else if (other.high == high) {
            sticky_high = sticky_high || other.sticky_high;
        }
    }
};

// How an artist appears in the legend.
struct LegendEntry {
    enum class Handle { line, marker, patch };
    std::string label;
    Color color;
    Handle handle = Handle::line;
    double alpha = 1.0;
    LineStyle style = LineStyle::solid;
    Marker marker = Marker::none;
    double line_width = 1.5;   // pixels
    double marker_size = 6.0;  // pixels, the marker's diameter
};

// A text the artist wants written, centred at a data position, inside a box of
// width × height data units around it (the counts in a confusion matrix's cells).
struct Annotation {
    double x = 0, y = 0;
    double width = 1, height = 1;
    std::string text;
    Color color;
};

class Artist {
public:
    virtual ~Artist() = default;
    // Data extents; values a log axis cannot show are an error there.
    virtual Extent x_extent(bool log) const = 0;
    virtual Extent y_extent(bool log) const = 0;
    // Draws in page pixels; `pt` is the size of a point in pixels.
    virtual void draw(const Canvas& canvas, const Transform& transform, double pt) const = 0;
    virtual std::vector<LegendEntry> legend_entries(double /*pt*/) const { return {}; }
    virtual std::vector<Annotation> annotations() const { return {}; }
    // How much of the artist a legend at `box` would cover (points, segments or bars under
    // it): the legend goes where this is least.
    virtual double covered_by(const Rect& box, const Transform& transform) const = 0;
};

// Numbers given as any sized range of arithmetic values: std::vector, std::span,
// std::array, a 1-d xtensor, ...
template <class R>
concept Values = requires(const R& r) {
    std::begin(r);
    std::end(r);
    r.size();
} && std::is_arithmetic_v<std::remove_cvref_t<decltype(*std::begin(std::declval<const R&>()))>>;

namespace artist_detail {

// A copy of `values` as doubles; `what` names them in messages. A multi-dimensional
// xtensor is an error, not flattened.
template <Values R>
std::vector<double> to_doubles(const R& values, const std::string& what) {
    if constexpr (requires { values.dimension(); }) {
        require(values.dimension() == 1, what, ": expected a 1-d array, got ", values.dimension(), " dimensions");
    }
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(values.size()));
    for (const auto& v : values) out.push_back(static_cast<double>(v));
    return out;
}

inline void require_finite(const std::vector<double>& values, const std::string& what) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        require(std::isfinite(values[i]), what, "[", i, "] is ", values[i], " (plots need finite numbers)");
    }
}

// The extent of `values`; on a log axis all of them must be positive.
inline Extent extent_of(const std::vector<double>& values, bool log, const std::string& what, char axis) {
    Extent extent;
    for (std::size_t i = 0; i < values.size(); ++i) {
        require(!log || values[i] > 0, what, "[", i, "] = ", values[i], " cannot be shown on a log ", axis, "-axis");
        extent.low = std::min(extent.low, values[i]);
        extent.high = std::max(extent.high, values[i]);
    }
    return extent;
}

// Whether the segment a–b meets the rectangle (Liang–Barsky clipping).
inline bool segment_meets(Point a, Point b, const Rect& r) {
    double t0 = 0, t1 = 1;
    const double dx = b.x - a.x, dy = b.y - a.y;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {a.x - r.x, r.right() - a.x, a.y - r.y, r.bottom() - a.y};
    for (int i = 0; i < 4; ++i) {
        if (p[i] == 0) {
            if (q[i] < 0) return false;
        } else {
            const double t = q[i] / p[i];
            if (p[i] < 0) t0 = std::max(t0, t);
            else t1 = std::min(t1, t);
            if (t0 > t1) return false;
        }
    }
    return true;
}

// Filled marker of diameter `size` pixels at p, added to the current path.
inline void add_marker(cairo_t* cr, Marker marker, Point p, double size) {
    if (marker == Marker::square) {
        cairo_rectangle(cr, p.x - size / 2, p.y - size / 2, size, size);
    } else {
        cairo_new_sub_path(cr);
        cairo_arc(cr, p.x, p.y, size / 2, 0, 2 * std::numbers::pi);
    }
}

inline void set_dash(cairo_t* cr, LineStyle style, double width) {
    // Matplotlib's dash patterns, in multiples of the line width.
    if (style == LineStyle::dashed) {
        const double dashes[2] = {3.7 * width, 1.6 * width};
        cairo_set_dash(cr, dashes, 2, 0);
    } else if (style == LineStyle::dotted) {
        const double dashes[2] = {1.0 * width, 1.65 * width};
        cairo_set_dash(cr, dashes, 2, 0);
    } else {
        cairo_set_dash(cr, nullptr, 0, 0);
    }
}

}  // namespace artist_detail

}  // namespace latentlab::plot
