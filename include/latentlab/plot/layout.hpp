#pragma once
// The computed layout of a figure: where every plot area, tick, legend, colour bar and
// text goes, in page pixels. A figure computes it once per save and draws from it, so the
// layout is also what tests and users inspect (e.g. which texts a figure shows, and that
// tick labels do not overlap). Sizes follow matplotlib's defaults at the figure's dpi.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "latentlab/plot/artist.hpp"
#include "latentlab/plot/canvas.hpp"
#include "latentlab/plot/ticks.hpp"

namespace latentlab::plot {

// Sizes in pixels for a figure at `dpi` with text of `font_points` points.
struct Style {
    double pt = 100.0 / 72;  // one point
    double font_size = 10 * pt;
    double title_size = 12 * pt;
    double pad = 6 * pt;  // free space at the figure's edges
    double tick_length = 3.5 * pt, minor_tick_length = 2 * pt, tick_pad = 3.5 * pt;
    double label_pad = 4 * pt, title_pad = 6 * pt;
    double line_width = 0.8 * pt;  // spines, ticks, grid, legend frame
    Color text{0, 0, 0};
    Color spine{0, 0, 0};
    Color grid{225, 225, 225};
    Color legend_edge{204, 204, 204};

    static Style at(double dpi, double font_points) {
        Style style;
        const double pt = dpi / 72.0;
        style.pt = pt;
        style.font_size = font_points * pt;
        style.title_size = 1.2 * font_points * pt;
        style.pad = 0.6 * font_points * pt;
        style.tick_length = 3.5 * pt;
        style.minor_tick_length = 2 * pt;
        style.tick_pad = 3.5 * pt;
        style.label_pad = 4 * pt;
        style.title_pad = 6 * pt;
        style.line_width = 0.8 * pt;
        return style;
    }
};

enum class TextRole {
    figure_title,
    title,
    x_label,
    y_label,
    x_tick,
    y_tick,
    x_multiplier,
    y_multiplier,
    legend,
    colorbar_tick,
    colorbar_multiplier,
    colorbar_label,
    annotation,
};

// One text on the page: `text` followed by a raised, smaller `superscript` (10⁻³).
struct TextItem {
    TextRole role = TextRole::title;
    std::string text;
    std::string superscript;
    Font font;
    Color color;
    Point origin;      // start of the baseline
    double angle = 0;  // radians, clockwise
    Rect box;          // bounding box on the page (ascent to descent, advance width)
};

enum class HAlign { left, center, right };
enum class VAlign { top, center, baseline, bottom };

namespace layout_detail {

inline constexpr double superscript_scale = 0.7;
inline constexpr double superscript_raise = 0.45;  // of the font size

inline Font superscript_font(const Font& font) { return {font.size * superscript_scale, font.weight}; }

inline Point rotate(double u, double v, double angle) {
    return {u * std::cos(angle) - v * std::sin(angle), u * std::sin(angle) + v * std::cos(angle)};
}

}  // namespace layout_detail

// A text whose point (halign, valign) — in the text's own frame, before turning — lies at
// `anchor`.
inline TextItem place_text(const Canvas& measure, TextRole role, const TickLabel& content, const Font& font,
                           Color color, Point anchor, HAlign halign, VAlign valign, double angle = 0) {
    using namespace layout_detail;
    const FontMetrics metrics = measure.metrics(font);
    double width = measure.text_width(content.text, font);
    double top = -metrics.ascent;
    if (!content.superscript.empty()) {
        const Font small = superscript_font(font);
        width += measure.text_width(content.superscript, small);
        top = std::min(top, -(superscript_raise * font.size + measure.metrics(small).ascent));
    }
    const double bottom = metrics.descent;
    const double u = halign == HAlign::left ? 0 : halign == HAlign::center ? width / 2 : width;
    const double v = valign == VAlign::top      ? top
                     : valign == VAlign::center ? (top + bottom) / 2
                     : valign == VAlign::bottom ? bottom
                                                : 0.0;
    const Point shift = rotate(u, v, angle);
    TextItem item{role, content.text, content.superscript, font, color, {anchor.x - shift.x, anchor.y - shift.y},
                  angle, {}};
    constexpr double infinity = std::numeric_limits<double>::infinity();
    double left = infinity, right = -infinity, upper = infinity, lower = -infinity;
    for (double cu : {0.0, width}) {
        for (double cv : {top, bottom}) {
            const Point corner = rotate(cu, cv, angle);
            left = std::min(left, item.origin.x + corner.x);
            right = std::max(right, item.origin.x + corner.x);
            upper = std::min(upper, item.origin.y + corner.y);
            lower = std::max(lower, item.origin.y + corner.y);
        }
    }
    item.box = {left, upper, right - left, lower - upper};
    return item;
}

inline void draw_text(const Canvas& canvas, const TextItem& item) {
    using namespace layout_detail;
    canvas.set_color(item.color);
    canvas.show_text(item.text, item.origin, item.font, item.angle);
    if (item.superscript.empty()) return;
    const Point shift = rotate(canvas.text_width(item.text, item.font), -superscript_raise * item.font.size, item.angle);
    canvas.show_text(item.superscript, {item.origin.x + shift.x, item.origin.y + shift.y}, superscript_font(item.font),
                     item.angle);
}

struct LegendRow {
    LegendEntry entry;
    Rect handle;  // where the line, marker or patch sample goes
};

struct LegendLayout {
    Rect box;
    std::vector<LegendRow> rows;
};

struct ColorbarLayout {
    Rect bar;
    Colormap colormap = Colormap::viridis;
    Scale scale;  // value → pixel along the bar (low at the bottom)
    TickSet ticks;
};

struct AxesLayout {
    bool visible = false;  // axes without data are left blank
    Rect cell;             // the part of the figure given to these axes
    Rect plot;             // the data area
    Transform transform;   // data → page pixels
    TickSet x_ticks, y_ticks;
    bool frame = true;  // spines and ticks
    bool grid = true;
    std::optional<LegendLayout> legend;
    std::optional<ColorbarLayout> colorbar;
    std::vector<TextItem> texts;
};

}  // namespace latentlab::plot
