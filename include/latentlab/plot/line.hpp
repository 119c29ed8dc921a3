#pragma once
// Line plots: a series of (x, y) points joined by straight segments, optionally with a
// marker at each point (Axes::line).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "latentlab/plot/artist.hpp"

namespace latentlab::plot {

struct LineOptions {
    std::string label{};           // legend text; empty: not in the legend
    std::optional<Color> color{};  // default: the axes' next colour of the tab10 palette
    double width = 1.5;          // points
    LineStyle style = LineStyle::solid;
    Marker marker = Marker::none;
    double marker_size = 5.0;  // points, the marker's diameter
    double alpha = 1.0;
};

namespace line_detail {

inline void check_style(double width, double marker_size, double alpha, const std::string& name) {
    require(std::isfinite(width) && width > 0, name, ": line width must be positive, got ", width);
    require(std::isfinite(marker_size) && marker_size > 0, name, ": marker size must be positive, got ", marker_size);
    require(alpha >= 0 && alpha <= 1, name, ": alpha must be in [0, 1], got ", alpha);
}

}  // namespace line_detail

class Line final : public Artist {
public:
    // `name` says which series this is in error messages, e.g. "line 'train'".
    Line(std::vector<double> x, std::vector<double> y, LineOptions options, Color color, std::string name)
        : x_(std::move(x)), y_(std::move(y)), options_(std::move(options)), color_(color), name_(std::move(name)) {
        require(!y_.empty(), name_, ": no points");
        require(x_.size() == y_.size(), name_, ": x has ", x_.size(), " values but y has ", y_.size());
        artist_detail::require_finite(x_, name_ + ": x");
        artist_detail::require_finite(y_, name_ + ": y");
        line_detail::check_style(options_.width, options_.marker_size, options_.alpha, name_);
        require(options_.style != LineStyle::none || options_.marker != Marker::none, name_,
                ": style none and no marker would draw nothing");
    }

    Extent x_extent(bool log) const override { return artist_detail::extent_of(x_, log, name_ + ": x", 'x'); }
    Extent y_extent(bool log) const override { return artist_detail::extent_of(y_, log, name_ + ": y", 'y'); }

    void draw(const Canvas& canvas, const Transform& transform, double pt) const override {
        cairo_t* cr = canvas.cr();
        canvas.set_color(color_, options_.alpha);
        if (options_.style != LineStyle::none) {
            const double width = options_.width * pt;
            cairo_set_line_width(cr, width);
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
            cairo_set_line_cap(cr, options_.style == LineStyle::dotted ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
            artist_detail::set_dash(cr, options_.style, width);
            for (std::size_t i = 0; i < x_.size(); ++i) {
                const Point p = transform(x_[i], y_[i]);
                if (i == 0) cairo_move_to(cr, p.x, p.y);
                else cairo_line_to(cr, p.x, p.y);
            }
            cairo_stroke(cr);
            artist_detail::set_dash(cr, LineStyle::solid, 0);
        }
        if (options_.marker != Marker::none) {
            for (std::size_t i = 0; i < x_.size(); ++i) {
                artist_detail::add_marker(cr, options_.marker, transform(x_[i], y_[i]), options_.marker_size * pt);
            }
            cairo_fill(cr);
        }
    }

    std::vector<LegendEntry> legend_entries(double pt) const override {
        if (options_.label.empty()) return {};
        return {{options_.label, color_, LegendEntry::Handle::line, options_.alpha, options_.style, options_.marker,
                 options_.width * pt, options_.marker_size * pt}};
    }

    double covered_by(const Rect& box, const Transform& transform) const override {
        double covered = 0;
        Point previous{};
        for (std::size_t i = 0; i < x_.size(); ++i) {
            const Point p = transform(x_[i], y_[i]);
            if (box.contains(p)) ++covered;
            else if (i > 0 && artist_detail::segment_meets(previous, p, box)) ++covered;
            previous = p;
        }
        return covered;
    }

private:
    std::vector<double> x_, y_;
    LineOptions options_;
    Color color_;
    std::string name_;
};

}  // namespace latentlab::plot
