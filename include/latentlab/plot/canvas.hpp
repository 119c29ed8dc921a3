#pragma once
// The drawing surface of the plots: a Cairo context with the plots' text conventions, and
// the one function that turns drawing code into an SVG, PNG or PDF file (chosen by the
// file's extension) or into RGBA pixels. Cairo does the rasterizing and the fonts
// (DejaVu Sans through fontconfig); nothing here draws a pixel itself.
#include <algorithm>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include <xtensor/xtensor.hpp>

#include "latentlab/core/color.hpp"
#include "latentlab/core/error.hpp"

namespace latentlab::plot {

struct Point {
    double x = 0, y = 0;
};

// An axis-aligned rectangle in page pixels (y grows downwards).
struct Rect {
    double x = 0, y = 0, width = 0, height = 0;

    double right() const { return x + width; }
    double bottom() const { return y + height; }
    Point center() const { return {x + width / 2, y + height / 2}; }
    bool contains(Point p) const { return p.x >= x && p.x <= right() && p.y >= y && p.y <= bottom(); }
    bool intersects(const Rect& other) const {
        return x < other.right() && other.x < right() && y < other.bottom() && other.y < bottom();
    }
    // The smallest rectangle holding both.
    Rect united(const Rect& other) const {
        const double left = std::min(x, other.x), top = std::min(y, other.y);
        return {left, top, std::max(right(), other.right()) - left, std::max(bottom(), other.bottom()) - top};
    }
};

enum class FontWeight { normal, bold };

struct Font {
    double size = 13.9;  // pixels
    FontWeight weight = FontWeight::normal;
};

struct FontMetrics {
    double ascent = 0, descent = 0;
};

enum class Format { svg, png, pdf };

// The format named by a file's extension (case-insensitive).
inline Format format_of(const std::filesystem::path& path) {
    std::string extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (extension == ".svg") return Format::svg;
    if (extension == ".png") return Format::png;
    if (extension == ".pdf") return Format::pdf;
    fail(path.string(), ": cannot tell the plot format from the extension '", path.extension().string(),
         "' (expected .svg, .png or .pdf)");
}

namespace canvas_detail {

struct SurfaceDeleter {
    void operator()(cairo_surface_t* surface) const { cairo_surface_destroy(surface); }
};
struct ContextDeleter {
    void operator()(cairo_t* context) const { cairo_destroy(context); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using Context = std::unique_ptr<cairo_t, ContextDeleter>;

inline cairo_status_t write_to_stream(void* closure, const unsigned char* data, unsigned int length) {
    auto* out = static_cast<std::ofstream*>(closure);
    out->write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(length));
    return out->good() ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

inline void check_surface(cairo_surface_t* surface, const std::string& what) {
    const cairo_status_t status = cairo_surface_status(surface);
    require(status == CAIRO_STATUS_SUCCESS, what, ": ", cairo_status_to_string(status));
}

}  // namespace canvas_detail

// A Cairo context with unhinted font metrics, so that text measures the same on every
// surface and a figure has one layout for its SVG, PNG and PDF.
class Canvas {
public:
    // Draws on `surface`, with `scale` page units per pixel (PDF pages are in points).
    explicit Canvas(cairo_surface_t* surface, double scale = 1.0) : context_(cairo_create(surface)) {
        canvas_detail::check_surface(surface, "plot canvas");
        cairo_font_options_t* options = cairo_font_options_create();
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
        cairo_set_font_options(cr(), options);
        cairo_font_options_destroy(options);
        cairo_scale(cr(), scale, scale);
    }

    // A canvas that only measures text.
    static Canvas for_measuring() {
        const canvas_detail::Surface surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1));
        return Canvas(surface.get());
    }

    cairo_t* cr() const { return context_.get(); }

    void set_font(const Font& font) const {
        cairo_select_font_face(cr(), "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                               font.weight == FontWeight::bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr(), font.size);
    }

    // The advance width of `text` (where the next text would start).
    double text_width(const std::string& text, const Font& font) const {
        set_font(font);
        cairo_text_extents_t extents;
        cairo_text_extents(cr(), text.c_str(), &extents);
        return extents.x_advance;
    }

    FontMetrics metrics(const Font& font) const {
        set_font(font);
        cairo_font_extents_t extents;
        cairo_font_extents(cr(), &extents);
        return {extents.ascent, extents.descent};
    }

    void set_color(Color color, double alpha = 1.0) const {
        cairo_set_source_rgba(cr(), color.r / 255.0, color.g / 255.0, color.b / 255.0, alpha);
    }

    // `text` with its baseline starting at `origin`, turned by `angle` radians (clockwise,
    // as y grows downwards).
    void show_text(const std::string& text, Point origin, const Font& font, double angle = 0.0) const {
        set_font(font);
        cairo_save(cr());
        cairo_translate(cr(), origin.x, origin.y);
        cairo_rotate(cr(), angle);
        cairo_move_to(cr(), 0, 0);
        cairo_show_text(cr(), text.c_str());
        cairo_restore(cr());
    }

    void check(const std::string& what) const {
        const cairo_status_t status = cairo_status(cr());
        require(status == CAIRO_STATUS_SUCCESS, what, ": Cairo failed to draw: ", cairo_status_to_string(status));
    }

private:
    canvas_detail::Context context_;
};

// Page size limits: Cairo's image surfaces hold at most 32767 pixels a side.
inline constexpr int max_page_pixels = 32767;

// Draws `draw(canvas)` on a width×height pixel page and writes it to `path`: SVG in pixels,
// PNG with one pixel per unit, PDF at `dpi` (so a 800×600 figure at 100 dpi is 8×6 inches).
template <class Draw>
void write_page(const std::filesystem::path& path, int width, int height, double dpi, Draw&& draw) {
    using namespace canvas_detail;
    const std::string file = path.string();
    const Format format = format_of(path);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    require(out.is_open(), file, ": cannot open for writing");
    Surface surface;
    double scale = 1.0;
    switch (format) {
        case Format::svg:
            surface.reset(cairo_svg_surface_create_for_stream(write_to_stream, &out, width, height));
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
            cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);
#endif
            break;
        case Format::pdf:
            scale = 72.0 / dpi;
            surface.reset(cairo_pdf_surface_create_for_stream(write_to_stream, &out, width * scale, height * scale));
            break;
        case Format::png:
            surface.reset(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height));
            break;
    }
    check_surface(surface.get(), file + ": cannot create the page");
    {
        const Canvas canvas(surface.get(), scale);
        draw(canvas);
        canvas.check(file);
    }
    if (format == Format::png) {
        cairo_surface_flush(surface.get());
        const cairo_status_t status = cairo_surface_write_to_png_stream(surface.get(), write_to_stream, &out);
        require(status == CAIRO_STATUS_SUCCESS, file, ": cannot write the PNG: ", cairo_status_to_string(status));
    }
    cairo_surface_finish(surface.get());
    check_surface(surface.get(), file + ": cannot write the page");
    out.close();
    require(!out.fail(), file, ": write failed");
}

// Draws `draw(canvas)` on a width×height pixel page and returns its pixels, H×W×4 RGBA
// (not premultiplied).
template <class Draw>
xt::xtensor<std::uint8_t, 3> render_page(int width, int height, Draw&& draw) {
    using namespace canvas_detail;
    const Surface surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height));
    check_surface(surface.get(), "render_page: cannot create the page");
    {
        const Canvas canvas(surface.get());
        draw(canvas);
        canvas.check("render_page");
    }
    cairo_surface_flush(surface.get());
    const auto h = static_cast<std::size_t>(height), w = static_cast<std::size_t>(width);
    auto pixels = xt::xtensor<std::uint8_t, 3>::from_shape({h, w, 4});
    const unsigned char* data = cairo_image_surface_get_data(surface.get());
    const auto stride = static_cast<std::size_t>(cairo_image_surface_get_stride(surface.get()));
    for (std::size_t y = 0; y < h; ++y) {
        const auto* row = reinterpret_cast<const std::uint32_t*>(data + y * stride);
        for (std::size_t x = 0; x < w; ++x) {
            // ARGB32 is premultiplied, native-endian 0xAARRGGBB.
            const std::uint32_t argb = row[x];
            const std::uint32_t a = argb >> 24;
            std::uint8_t* out = pixels.data() + (y * w + x) * 4;
            for (int k = 0; k < 3; ++k) {
                const std::uint32_t c = (argb >> (16 - 8 * k)) & 0xFF;
                out[k] = static_cast<std::uint8_t>(a == 0 ? 0 : (c * 255 + a / 2) / a);
            }
            out[3] = static_cast<std::uint8_t>(a);
        }
    }
    return pixels;
}

}  // namespace latentlab::plot
