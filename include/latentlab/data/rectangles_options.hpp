#pragma once
// What a synthetic rectangles data set holds (EXPERIMENTS.md, E1): the constants of the
// original, the options of a data set, their validation, and the nine factor variants of
// the labelled latent sets.
//
// Reading of the variants (the original's exact definitions are not recorded):
//   Only<F>        the classes differ by their colour, fixed at the class's centre colour,
//                  and only factor F varies inside a class; OnlyColor: nothing varies inside
//                  a class (colour at the centre, geometry fixed).
//   FreeColor<…>   the colour is free (uniform in the class's range) and so are the named
//                  factors: H = height h, X = centre x, HL = h and width l, XY = x and y.
//   FreeAll        every factor is free.
// Fixed factors take the values in RectanglesOptions::fixed (the original's centre (32, 32)
// and size (10, 10) by default).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latentlab/core/error.hpp"
#include "latentlab/core/shape.hpp"

namespace latentlab::data {

namespace rectangles {

inline constexpr int image_side = 64;
inline constexpr int channels = 3;
inline constexpr int class_count = 3;
inline constexpr int mask_classes = class_count + 1;
// The loss weights (4, 4, 4, 1) of the original rely on the background being the last class.
inline constexpr int background_class = class_count;
inline constexpr int max_delta = 42;  // 42 − δ ≥ 0 and 212 + δ − 1 ≤ 255
inline constexpr int max_rectangles = class_count;

using ImageShape = Shape<image_side, image_side, channels>;
using MaskShape = Shape<image_side, image_side, mask_classes>;  // one-hot

// Centre colour (r, g, b) of classes I, II, III.
inline constexpr std::array<std::array<int, 3>, class_count> centre_colours = {{
    {42, 127, 212},
    {127, 212, 42},
    {212, 42, 127},
}};

// Inclusive range of one colour channel of a class. The original draws numpy's
// randint(c − δ, c + δ), whose upper bound is excluded: [c − δ, c + δ − 1]. With δ = 0
// randint would fail (an empty range); here the colour is then exactly c.
struct ColourRange {
    int low = 0;
    int high = 0;
};

constexpr ColourRange colour_range(int class_index, int channel, int delta) {
    const int centre = centre_colours[static_cast<std::size_t>(class_index)][static_cast<std::size_t>(channel)];
    if (delta == 0) return {centre, centre};
    return {centre - delta, centre + delta - 1};
}

}  // namespace rectangles

// Which factors vary inside a class (true) or stay at their fixed value (false).
struct FreeFactors {
    bool colour = true;
    bool l = true;  // width (columns)
    bool h = true;  // height (rows)
    bool x = true;  // centre column
    bool y = true;  // centre row
    friend constexpr bool operator==(const FreeFactors&, const FreeFactors&) = default;
};

// Values of the factors that are fixed; a fixed colour is the class's centre colour.
struct FixedFactors {
    int l = 10;
    int h = 10;
    int x = 32;
    int y = 32;
};

enum class DrawOrder {
    random,  // a random permutation of the classes per image
    fixed,   // classes I, II, III: III is always on top
};

// Defaults: the original's training data (200,000 images, δ = 15, one rectangle of each
// class in a random order, every factor free, no selection).
struct RectanglesOptions {
    std::size_t count = 200'000;
    int delta = 15;
    std::uint64_t seed = 1;
    int rectangles_per_image = 3;  // 3: one of each class; 1: the labelled latent sets
    // With one rectangle per image: its class; none = balanced, class = index mod 3.
    std::optional<int> single_class{};
    DrawOrder order = DrawOrder::random;
    // Full inclusion: the geometry is resampled until the rectangle lies inside the image.
    bool selection = false;
    FreeFactors free{};
    FixedFactors fixed{};
};

// Throws latentlab::Error naming the option, what is allowed and what was found.
inline void validate(const RectanglesOptions& options) {
    namespace r = rectangles;
    require(options.count > 0, "RectanglesOptions.count: expected at least 1 image, found 0");
    require(options.delta >= 0 && options.delta <= r::max_delta,
            "RectanglesOptions.delta: expected an integer in [0, ", r::max_delta,
            "] (colours must stay in [0, 255]), found ", options.delta);
    require(options.rectangles_per_image == 1 || options.rectangles_per_image == r::max_rectangles,
            "RectanglesOptions.rectangles_per_image: expected 1 or ", r::max_rectangles, ", found ",
            options.rectangles_per_image);
    if (options.single_class) {
        require(options.rectangles_per_image == 1,
                "RectanglesOptions.single_class: applies to single-rectangle images only, but "
                "rectangles_per_image is ",
                options.rectangles_per_image);
        require(*options.single_class >= 0 && *options.single_class < r::class_count,
                "RectanglesOptions.single_class: expected a class in [0, ", r::class_count - 1,
                "] or none (balanced), found ", *options.single_class);
    }
    const auto check_size = [](int value, const char* name) {
        require(value >= 0 && value < r::image_side, "RectanglesOptions.fixed.", name,
                ": expected a size in [0, ", r::image_side - 1, "], found ", value);
    };
    const auto check_centre = [](int value, const char* name) {
        require(value >= 0 && value < r::image_side, "RectanglesOptions.fixed.", name,
                ": expected a centre in [0, ", r::image_side - 1, "], found ", value);
    };
    check_size(options.fixed.l, "l");
    check_size(options.fixed.h, "h");
    check_centre(options.fixed.x, "x");
    check_centre(options.fixed.y, "y");
    if (!options.selection) return;
    // A free size can always be 0 and a free centre can always be 31, so only a fixed size
    // with a fixed centre can make full inclusion impossible.
    const auto check_inside = [](bool size_free, bool centre_free, int size, int centre, const char* size_name,
                                 const char* centre_name, const char* axis) {
        if (size_free || centre_free) return;
        const int first = centre - size / 2, last = centre + size / 2;
        require(first >= 0 && last < r::image_side, "RectanglesOptions.selection: can never succeed: fixed ",
                centre_name, " = ", centre, " and ", size_name, " = ", size, " put ", axis, " ", first, "..", last,
                " outside 0..", r::image_side - 1);
    };
    check_inside(options.free.l, options.free.x, options.fixed.l, options.fixed.x, "l", "x", "columns");
    check_inside(options.free.h, options.free.y, options.fixed.h, options.fixed.y, "h", "y", "rows");
}

enum class Variant {
    only_color,
    only_h,
    only_x,
    free_color,
    free_color_and_h,
    free_color_and_x,
    free_color_and_hl,
    free_color_and_xy,
    free_all,
};

inline constexpr std::array<Variant, 9> all_variants = {
    Variant::only_color,       Variant::only_h,           Variant::only_x,
    Variant::free_color,       Variant::free_color_and_h, Variant::free_color_and_x,
    Variant::free_color_and_hl, Variant::free_color_and_xy, Variant::free_all,
};

// The names of EXPERIMENTS.md.
constexpr std::string_view variant_name(Variant variant) {
    switch (variant) {
        case Variant::only_color: return "OnlyColor";
        case Variant::only_h: return "OnlyH";
        case Variant::only_x: return "OnlyX";
        case Variant::free_color: return "FreeColor";
        case Variant::free_color_and_h: return "FreeColorAndH";
        case Variant::free_color_and_x: return "FreeColorAndX";
        case Variant::free_color_and_hl: return "FreeColorAndHL";
        case Variant::free_color_and_xy: return "FreeColorAndXY";
        case Variant::free_all: return "FreeAll";
    }
    return "?";
}

inline Variant parse_variant(std::string_view name) {
    std::string valid;
    for (const Variant variant : all_variants) {
        if (variant_name(variant) == name) return variant;
        if (!valid.empty()) valid += ", ";
        valid += variant_name(variant);
    }
    fail("unknown rectangles variant '", name, "': expected one of ", valid);
}

constexpr FreeFactors free_factors(Variant variant) {
    switch (variant) {
        case Variant::only_color: return {.colour = false, .l = false, .h = false, .x = false, .y = false};
        case Variant::only_h: return {.colour = false, .l = false, .h = true, .x = false, .y = false};
        case Variant::only_x: return {.colour = false, .l = false, .h = false, .x = true, .y = false};
        case Variant::free_color: return {.colour = true, .l = false, .h = false, .x = false, .y = false};
        case Variant::free_color_and_h: return {.colour = true, .l = false, .h = true, .x = false, .y = false};
        case Variant::free_color_and_x: return {.colour = true, .l = false, .h = false, .x = true, .y = false};
        case Variant::free_color_and_hl: return {.colour = true, .l = true, .h = true, .x = false, .y = false};
        case Variant::free_color_and_xy: return {.colour = true, .l = false, .h = false, .x = true, .y = true};
        case Variant::free_all: return {};
    }
    return {};
}

// `base` with the factors of the variant; everything else (count, δ, seed, rectangles per
// image, selection, fixed values) is kept. The labelled latent set of the original:
// options_for(v, {.count = 45'000, .rectangles_per_image = 1}).
constexpr RectanglesOptions options_for(Variant variant, RectanglesOptions base = {}) {
    base.free = free_factors(variant);
    return base;
}

}  // namespace latentlab::data
