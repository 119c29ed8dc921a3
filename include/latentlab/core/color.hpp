#pragma once
// Colours shared by the image writers (data/) and the plots (plot/): one palette for
// categories and colormaps for values, so a class or a value has the same colour in a
// written PNG, a heatmap overlay and a figure.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "latentlab/core/error.hpp"

namespace latentlab {

struct Color {
    std::uint8_t r = 0, g = 0, b = 0;
    friend constexpr bool operator==(Color, Color) = default;
};

// Matplotlib's default qualitative palette "tab10" (Vega's category10): ten colours that
// stay distinct for the usual forms of colour blindness and in grey print.
inline constexpr std::array<Color, 10> tab10 = {{{31, 119, 180},
                                                 {255, 127, 14},
                                                 {44, 160, 44},
                                                 {214, 39, 40},
                                                 {148, 103, 189},
                                                 {140, 86, 75},
                                                 {227, 119, 194},
                                                 {127, 127, 127},
                                                 {188, 189, 34},
                                                 {23, 190, 207}}};

// The i-th category colour; the palette repeats after ten.
constexpr Color qualitative_color(std::size_t i) { return tab10[i % tab10.size()]; }

enum class Colormap {
    viridis,  // perceptually uniform, readable in grey and with colour blindness (matplotlib's default)
    gray,     // black to white
};

namespace color_detail {

// Matplotlib's 256-entry viridis table (mpl-colormaps by van der Walt and Smith, CC0),
// rounded to 8 bits, as hex RGB triples.
inline constexpr std::string_view viridis_hex =
    "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769"
    "48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a"
    "472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85"
    "4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b"
    "3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d"
    "33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e"
    "2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e"
    "26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d"
    "21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88"
    "1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81"
    "28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74"
    "3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863"
    "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d"
    "84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32"
    "addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a"
    "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725";
static_assert(viridis_hex.size() == 256 * 6);

constexpr std::uint8_t hex_byte(std::size_t offset) {
    const auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    return static_cast<std::uint8_t>(digit(viridis_hex[offset]) * 16 + digit(viridis_hex[offset + 1]));
}

}  // namespace color_detail

// The colour of t ∈ [0, 1] (clamped) as matplotlib draws it: a listed colormap of 256
// entries, entry ⌊256·t⌋, so the result equals matplotlib's to the last bit.
inline Color colormap_color(Colormap map, double t) {
    require(!std::isnan(t), "colormap_color: the value is NaN");
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    const std::size_t index = std::min<std::size_t>(static_cast<std::size_t>(t * 256), 255);
    switch (map) {
        case Colormap::viridis: {
            const std::size_t offset = index * 6;
            return {color_detail::hex_byte(offset), color_detail::hex_byte(offset + 2),
                    color_detail::hex_byte(offset + 4)};
        }
        case Colormap::gray: {
            const auto v = static_cast<std::uint8_t>(index);
            return {v, v, v};
        }
    }
    fail("colormap_color: unknown colormap ", static_cast<int>(map));
}

// Relative luminance in [0, 1] (sRGB weights, gamma ignored): enough to pick black or white
// text on a coloured cell.
constexpr double luminance(Color c) { return (0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b) / 255.0; }

}  // namespace latentlab
