#pragma once
// Images in axes (Axes::image), as matplotlib's imshow: pixel (row r, column c) covers the
// data square [c − ½, c + ½] × [r − ½, r + ½], row 0 at the top, each pixel drawn as a
// sharp square (no smoothing: a 28×28 digit shows its pixels).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/data/image.hpp"
#include "latentlab/plot/artist.hpp"

namespace latentlab::plot {

struct ImageOptions {
    // Values shown black .. white (or the colormap's ends). Default: 0..255 for 8-bit images;
    // for others 0..1 with 3 or 4 channels and the image's minimum..maximum with one channel.
    std::optional<data::ValueRange> range{};
    Colormap colormap = Colormap::gray;  // for one-channel images
    bool show_axes = false;              // pixel-coordinate ticks and a frame
};

class Image final : public Artist {
public:
    // `pixels` is H×W×C 8-bit (C = 1, 3, 4); one channel is coloured with `colormap`.
    Image(const xt::xtensor<std::uint8_t, 3>& pixels, Colormap colormap, std::string name)
        : height_(pixels.shape()[0]), width_(pixels.shape()[1]), name_(std::move(name)) {
        const std::size_t channels = pixels.shape()[2];
        argb_.resize(height_ * width_);
        for (std::size_t i = 0; i < argb_.size(); ++i) {
            const std::uint8_t* p = pixels.data() + i * channels;
            const Color c = channels == 1 ? colormap_color(colormap, p[0] / 255.0) : Color{p[0], p[1], p[2]};
            const std::uint32_t a = channels == 4 ? p[3] : 255;
            // Cairo's ARGB32: premultiplied alpha, one native-endian word per pixel.
            const auto premultiply = [a](std::uint8_t v) { return (v * a + 127) / 255; };
            argb_[i] = (a << 24) | (premultiply(c.r) << 16) | (premultiply(c.g) << 8) | premultiply(c.b);
        }
    }

    Extent x_extent(bool log) const override { return pixels(width_, log, 'x'); }
    Extent y_extent(bool log) const override { return pixels(height_, log, 'y'); }

    void draw(const Canvas& canvas, const Transform& transform, double /*pt*/) const override {
        const Point corner = transform(-0.5, -0.5);
        const Point opposite = transform(width_ - 0.5, height_ - 0.5);
        // Cairo 1.16 writes images into SVG without asking viewers for nearest-neighbour
        // scaling, so they would blur a 28×28 digit: embed it already enlarged by a whole
        // factor (square pixels stay square), up to about 4 million pixels.
        const double shown = std::min(std::abs(opposite.x - corner.x) / width_, std::abs(opposite.y - corner.y) / height_);
        const double most = std::sqrt(4e6 / static_cast<double>(width_ * height_));
        const auto factor = static_cast<std::size_t>(std::max(1.0, std::floor(std::min(shown, most))));
        const std::size_t w = width_ * factor, h = height_ * factor;
        std::vector<std::uint32_t> enlarged(w * h);
        for (std::size_t y = 0; y < h; ++y) {
            for (std::size_t x = 0; x < w; ++x) enlarged[y * w + x] = argb_[(y / factor) * width_ + x / factor];
        }
        const int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, static_cast<int>(w));
        require(stride == static_cast<int>(w * 4), name_, ": unexpected Cairo stride");
        const canvas_detail::Surface surface(cairo_image_surface_create_for_data(
            reinterpret_cast<unsigned char*>(enlarged.data()), CAIRO_FORMAT_ARGB32, static_cast<int>(w),
            static_cast<int>(h), stride));
        canvas_detail::check_surface(surface.get(), name_);
        cairo_t* cr = canvas.cr();
        cairo_save(cr);
        cairo_translate(cr, corner.x, corner.y);
        cairo_scale(cr, (opposite.x - corner.x) / static_cast<double>(w), (opposite.y - corner.y) / static_cast<double>(h));
        cairo_set_source_surface(cr, surface.get(), 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
        cairo_rectangle(cr, 0, 0, static_cast<double>(w), static_cast<double>(h));
        cairo_fill(cr);
        cairo_restore(cr);
    }

    double covered_by(const Rect& box, const Transform& transform) const override {
        const Point a = transform(-0.5, -0.5), b = transform(width_ - 0.5, height_ - 0.5);
        const Rect area{std::min(a.x, b.x), std::min(a.y, b.y), std::abs(b.x - a.x), std::abs(b.y - a.y)};
        return area.intersects(box) ? 1.0 : 0.0;
    }

private:
    Extent pixels(std::size_t count, bool log, char axis) const {
        require(!log, name_, ": an image cannot be drawn on a log ", axis, "-axis");
        return {-0.5, static_cast<double>(count) - 0.5, true, true};
    }

    std::size_t height_, width_;
    std::vector<std::uint32_t> argb_;
    std::string name_;
};

// An image of any arithmetic type as 8 bits, with ImageOptions' default ranges.
template <class E>
xt::xtensor<std::uint8_t, 3> image_pixels(const xt::xexpression<E>& image, const ImageOptions& options) {
    using T = data::image_detail::value_of<E>;
    if (options.range) return data::to_uint8(image, *options.range);
    if constexpr (std::is_same_v<T, std::uint8_t>) {
        return data::to_uint8(image, {0.0, 255.0});
    } else {
        const auto values = data::image_detail::evaluate(image);
        const auto shape = data::image_detail::image_shape(values, "image");
        if (shape.channels > 1) return data::to_uint8(values, {0.0, 1.0});
        double low = std::numeric_limits<double>::infinity(), high = -low;
        for (const T v : values) {
            const double d = static_cast<double>(v);
            require(!std::isnan(d), "image: the image holds NaN");
            low = std::min(low, d);
            high = std::max(high, d);
        }
        require(std::isfinite(low) && std::isfinite(high), "image: the image holds infinite values");
        if (low == high) high = low + 1;  // a constant image shows as the colormap's first colour
        return data::to_uint8(values, {low, high});
    }
}

}  // namespace latentlab::plot
