#pragma once
// Images as xtensor arrays (H×W or H×W×C, C = 1, 3 or 4, row 0 at the top) turned into
// 8-bit pictures: value ranges, class masks, grids of images and heatmap overlays. The
// results are what data/png.hpp writes and what plot::Axes::image draws.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include "latentlab/core/color.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/data/npy.hpp"  // npy_detail::shape_text for messages

namespace latentlab::data {

// The values that map to black (low) and white (high); values outside are clamped.
struct ValueRange {
    double low = 0.0;
    double high = 1.0;
};

// The colour of class `index` in a mask. Classes 0, 1, 2 are the rectangle colours of
// experiment E1 (the centres of their colour ranges), class 3 (E1's background) is black,
// and classes from 4 on take matplotlib's "tab10" colours in order (4 → tab10[0], ...,
// 13 → tab10[9], 14 → tab10[0] again).
inline Color class_color(std::size_t index) {
    constexpr std::array<Color, 4> rectangles_and_background = {
        {{42, 127, 212}, {127, 212, 42}, {212, 42, 127}, {0, 0, 0}}};
    if (index < rectangles_and_background.size()) return rectangles_and_background[index];
    return qualitative_color(index - rectangles_and_background.size());
}

namespace image_detail {

template <class E>
using value_of = std::decay_t<typename E::value_type>;

// An expression evaluated into a row-major array (a copy; images are small).
template <class E>
xt::xarray<value_of<E>> evaluate(const xt::xexpression<E>& expression) {
    return expression.derived_cast();
}

inline std::string describe(const std::vector<std::size_t>& shape) {
    return std::to_string(shape.size()) + "-d array of shape " + npy_detail::shape_text(shape);
}

template <class T>
std::vector<std::size_t> shape_of(const xt::xarray<T>& a) {
    return {a.shape().begin(), a.shape().end()};
}

struct ImageShape {
    std::size_t height = 0, width = 0, channels = 0;
};

// H×W (one channel) or H×W×C with C ∈ {1, 3, 4}, not empty.
template <class T>
ImageShape image_shape(const xt::xarray<T>& a, const char* what) {
    const auto shape = shape_of(a);
    const bool rank_ok = shape.size() == 2 || shape.size() == 3;
    require(rank_ok, what, ": expected an image H×W or H×W×C, got a ", describe(shape));
    const ImageShape image{shape[0], shape[1], shape.size() == 3 ? shape[2] : 1};
    require(image.channels == 1 || image.channels == 3 || image.channels == 4, what,
            ": expected 1, 3 or 4 channels (gray, RGB, RGBA), got ", image.channels,
            " (a ", describe(shape), ")");
    require(image.height > 0 && image.width > 0, what, ": the image is empty (a ", describe(shape), ")");
    return image;
}

inline void check_range(const ValueRange& range, const char* what) {
    require(std::isfinite(range.low) && std::isfinite(range.high) && range.low < range.high, what,
            ": the value range must be finite with low < high, got [", range.low, ", ", range.high, "]");
}

// (v − low)/(high − low) clamped to [0, 1]; NaN is an error, not black.
template <class T>
double unit_value(T value, const ValueRange& range, std::size_t index, const char* what) {
    const double v = static_cast<double>(value);
    require(!std::isnan(v), what, ": value ", index, " (in row-major order) is NaN");
    return std::clamp((v - range.low) / (range.high - range.low), 0.0, 1.0);
}

inline std::uint8_t to_byte(double unit) { return static_cast<std::uint8_t>(std::lround(unit * 255.0)); }

}  // namespace image_detail

// An image of any arithmetic type as 8 bits: each value v becomes
// round(255 · (clamp(v, low, high) − low) / (high − low)). H×W input gives H×W×1.
template <class E>
xt::xtensor<std::uint8_t, 3> to_uint8(const xt::xexpression<E>& image, ValueRange range = {}) {
    using namespace image_detail;
    static_assert(std::is_arithmetic_v<value_of<E>>, "to_uint8: the image must hold numbers");
    const auto values = evaluate(image);
    const ImageShape shape = image_shape(values, "to_uint8");
    check_range(range, "to_uint8");
    auto out = xt::xtensor<std::uint8_t, 3>::from_shape({shape.height, shape.width, shape.channels});
    for (std::size_t i = 0; i < values.size(); ++i) {
        out.data()[i] = to_byte(unit_value(values.data()[i], range, i, "to_uint8"));
    }
    return out;
}

// A class-index mask H×W as an RGB image H×W×3 in the colours of class_color.
template <class E>
xt::xtensor<std::uint8_t, 3> colorize_mask(const xt::xexpression<E>& mask) {
    using namespace image_detail;
    using T = value_of<E>;
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>,
                  "colorize_mask: a mask holds integer class indices");
    const auto classes = evaluate(mask);
    const auto shape = shape_of(classes);
    require(shape.size() == 2 && shape[0] > 0 && shape[1] > 0,
            "colorize_mask: expected a non-empty class mask H×W, got a ", describe(shape));
    auto out = xt::xtensor<std::uint8_t, 3>::from_shape({shape[0], shape[1], 3});
    for (std::size_t i = 0; i < classes.size(); ++i) {
        const T index = classes.data()[i];
        if constexpr (std::is_signed_v<T>) {
            require(index >= 0, "colorize_mask: class index ", static_cast<long long>(index),
                    " at row ", i / shape[1], ", column ", i % shape[1], " is negative");
        }
        const Color c = class_color(static_cast<std::size_t>(index));
        out.data()[3 * i] = c.r;
        out.data()[3 * i + 1] = c.g;
        out.data()[3 * i + 2] = c.b;
    }
    return out;
}

// Layout of make_grid, as torchvision's: `columns` images per row (fewer if there are
// fewer images), `padding` pixels around and between the images, filled with pad_value.
struct GridOptions {
    std::size_t columns = 8;
    std::size_t padding = 2;
    double pad_value = 0.0;
};

// N images N×H×W or N×H×W×C (same size) in one image of
// (rows·(H + padding) + padding) × (columns·(W + padding) + padding) × C, where
// columns = min(options.columns, N) and rows = ⌈N / columns⌉. Keeps the value type.
template <class E>
xt::xtensor<image_detail::value_of<E>, 3> make_grid(const xt::xexpression<E>& images, GridOptions options = {}) {
    using namespace image_detail;
    using T = value_of<E>;
    static_assert(std::is_arithmetic_v<T>, "make_grid: the images must hold numbers");
    const auto stack = evaluate(images);
    const auto shape = shape_of(stack);
    require(shape.size() == 3 || shape.size() == 4,
            "make_grid: expected images N×H×W or N×H×W×C, got a ", describe(shape));
    const std::size_t n = shape[0], h = shape[1], w = shape[2], c = shape.size() == 4 ? shape[3] : 1;
    require(n > 0 && h > 0 && w > 0 && c > 0, "make_grid: no pixels in a ", describe(shape));
    require(options.columns > 0, "make_grid: columns must be at least 1");
    if constexpr (std::is_integral_v<T>) {
        require(options.pad_value >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
                    options.pad_value <= static_cast<double>(std::numeric_limits<T>::max()) &&
                    options.pad_value == std::floor(options.pad_value),
                "make_grid: pad_value ", options.pad_value, " is not a value of the images' type");
    }
    const std::size_t columns = std::min(options.columns, n);
    const std::size_t rows = (n + columns - 1) / columns;
    const std::size_t p = options.padding;
    const std::size_t grid_h = rows * (h + p) + p, grid_w = columns * (w + p) + p;
    xt::xtensor<T, 3> grid = xt::xtensor<T, 3>::from_shape({grid_h, grid_w, c});
    std::fill(grid.begin(), grid.end(), static_cast<T>(options.pad_value));
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t top = (k / columns) * (h + p) + p, left = (k % columns) * (w + p) + p;
        for (std::size_t y = 0; y < h; ++y) {
            const T* source = stack.data() + ((k * h + y) * w) * c;
            std::copy(source, source + w * c, grid.data() + ((top + y) * grid_w + left) * c);
        }
    }
    return grid;
}

// How overlay_heatmap colours the map: value range (default: the map's minimum and
// maximum; a constant map gets the colormap's first colour) and the opacity of the colour.
struct OverlayOptions {
    Colormap colormap = Colormap::viridis;
    double alpha = 0.5;
    std::optional<ValueRange> range{};
};

// An 8-bit image (H×W or H×W×C; an alpha channel is ignored) with a map H×W (saliency,
// occlusion sensitivity, ...) blended over it: out = (1 − α)·image + α·colormap(map).
// The result is RGB, H×W×3.
template <class I, class M>
xt::xtensor<std::uint8_t, 3> overlay_heatmap(const xt::xexpression<I>& image, const xt::xexpression<M>& map,
                                             OverlayOptions options = {}) {
    using namespace image_detail;
    static_assert(std::is_same_v<value_of<I>, std::uint8_t>,
                  "overlay_heatmap: the image must be 8-bit (convert it with to_uint8 first)");
    static_assert(std::is_arithmetic_v<value_of<M>>, "overlay_heatmap: the map must hold numbers");
    const auto pixels = evaluate(image);
    const auto values = evaluate(map);
    const ImageShape shape = image_shape(pixels, "overlay_heatmap");
    const auto map_shape = shape_of(values);
    require(map_shape.size() == 2 && map_shape[0] == shape.height && map_shape[1] == shape.width,
            "overlay_heatmap: the map must be H×W = ", shape.height, "×", shape.width,
            " like the image, got a ", describe(map_shape));
    require(options.alpha >= 0.0 && options.alpha <= 1.0,
            "overlay_heatmap: alpha must be in [0, 1], got ", options.alpha);
    for (std::size_t i = 0; i < values.size(); ++i) {
        require(!std::isnan(static_cast<double>(values.data()[i])), "overlay_heatmap: map value at row ",
                i / shape.width, ", column ", i % shape.width, " is NaN");
    }
    ValueRange range{0.0, 1.0};
    bool constant = false;
    if (options.range) {
        range = *options.range;
        check_range(range, "overlay_heatmap");
    } else {
        const auto [low, high] = std::minmax_element(values.begin(), values.end());
        range = {static_cast<double>(*low), static_cast<double>(*high)};
        constant = !(range.low < range.high);
    }
    auto out = xt::xtensor<std::uint8_t, 3>::from_shape({shape.height, shape.width, 3});
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double t = constant ? 0.0 : unit_value(values.data()[i], range, i, "overlay_heatmap");
        const Color c = colormap_color(options.colormap, t);
        const std::uint8_t* pixel = pixels.data() + i * shape.channels;
        const std::array<std::uint8_t, 3> base =
            shape.channels == 1 ? std::array{pixel[0], pixel[0], pixel[0]} : std::array{pixel[0], pixel[1], pixel[2]};
        const std::array<std::uint8_t, 3> tint = {c.r, c.g, c.b};
        for (std::size_t k = 0; k < 3; ++k) {
            out.data()[3 * i + k] =
                to_byte(((1.0 - options.alpha) * base[k] + options.alpha * tint[k]) / 255.0);
        }
    }
    return out;
}

}  // namespace latentlab::data
