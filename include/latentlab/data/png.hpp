#pragma once
// Writing PNG files: 8-bit images, float images with a value range, class masks, image
// grids and heatmap overlays (the conversions are in data/image.hpp).
//
// The encoder is stb_image_write (Debian's libstb-dev), compiled into every translation
// unit that includes this header with static linkage: the header-only library then needs
// nothing at link time and two translation units never define the same symbol. The PNG
// bytes are encoded in memory and written by us, so a failure names the file.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/core/error.hpp"
#include "latentlab/data/image.hpp"

// A translation unit that already included stb_image_write.h brings its own definitions
// (and then must link them); defining the implementation a second time would clash.
#ifndef INCLUDE_STB_IMAGE_WRITE_H
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop
#endif

namespace latentlab::data {

namespace png_detail {

inline void append_bytes(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(context);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out->insert(out->end(), bytes, bytes + size);
}

template <class Convert>
auto with_path(const std::filesystem::path& path, Convert&& convert) {
    try {
        return convert();
    } catch (const Error& error) {
        fail(path.string(), ": ", error.what());
    }
}

}  // namespace png_detail

// The PNG encoding of `height`×`width` pixels of `channels` bytes each (1 gray, 3 RGB,
// 4 RGBA), rows top to bottom, stored contiguously.
inline std::vector<std::uint8_t> encode_png(const std::uint8_t* pixels, std::size_t height, std::size_t width,
                                            std::size_t channels) {
    require(channels == 1 || channels == 3 || channels == 4,
            "encode_png: expected 1, 3 or 4 channels (gray, RGB, RGBA), got ", channels);
    require(height > 0 && width > 0, "encode_png: the image is empty (", height, "×", width, ")");
    require(pixels != nullptr, "encode_png: no pixel data");
    constexpr auto int_max = static_cast<std::size_t>(std::numeric_limits<int>::max());
    require(height <= int_max && width <= int_max / channels, "encode_png: ", height, "×", width, "×",
            channels, " is too large for PNG");
    std::vector<std::uint8_t> png;
    const int stride = static_cast<int>(width * channels);
    const int ok = stbi_write_png_to_func(png_detail::append_bytes, &png, static_cast<int>(width),
                                          static_cast<int>(height), static_cast<int>(channels), pixels, stride);
    require(ok != 0 && !png.empty(), "encode_png: stb_image_write could not encode ", height, "×", width,
            "×", channels, " pixels (out of memory?)");
    return png;
}

// Writes raw pixels as in encode_png.
inline void write_png(const std::filesystem::path& path, const std::uint8_t* pixels, std::size_t height,
                      std::size_t width, std::size_t channels) {
    const auto png = png_detail::with_path(path, [&] { return encode_png(pixels, height, width, channels); });
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    require(out.is_open(), path.string(), ": cannot open for writing");
    out.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
    out.close();
    require(!out.fail(), path.string(), ": write failed");
}

// Writes an 8-bit image H×W or H×W×C (C = 1, 3, 4). Other value types need a range:
// write_png(path, image, ValueRange{low, high}).
template <class E>
void write_png(const std::filesystem::path& path, const xt::xexpression<E>& image) {
    static_assert(std::is_same_v<image_detail::value_of<E>, std::uint8_t>,
                  "write_png: an image of this type needs a value range: write_png(path, image, "
                  "ValueRange{low, high})");
    const auto pixels = image_detail::evaluate(image);
    const auto shape = png_detail::with_path(path, [&] { return image_detail::image_shape(pixels, "write_png"); });
    write_png(path, pixels.data(), shape.height, shape.width, shape.channels);
}

// Writes an image of any arithmetic type, values in `range` scaled to 0..255 (clamped).
template <class E>
void write_png(const std::filesystem::path& path, const xt::xexpression<E>& image, ValueRange range) {
    write_png(path, png_detail::with_path(path, [&] { return to_uint8(image, range); }));
}

// Writes a class mask H×W in the colours of class_color.
template <class E>
void write_mask_png(const std::filesystem::path& path, const xt::xexpression<E>& mask) {
    write_png(path, png_detail::with_path(path, [&] { return colorize_mask(mask); }));
}

// Writes make_grid(images, options); the images must be 8-bit (see to_uint8).
template <class E>
void write_grid_png(const std::filesystem::path& path, const xt::xexpression<E>& images, GridOptions options = {}) {
    static_assert(std::is_same_v<image_detail::value_of<E>, std::uint8_t>,
                  "write_grid_png: the images must be 8-bit (convert them with to_uint8 first)");
    write_png(path, png_detail::with_path(path, [&] { return make_grid(images, options); }));
}

// Writes overlay_heatmap(image, map, options).
template <class I, class M>
void write_overlay_png(const std::filesystem::path& path, const xt::xexpression<I>& image,
                       const xt::xexpression<M>& map, OverlayOptions options = {}) {
    write_png(path, png_detail::with_path(path, [&] { return overlay_heatmap(image, map, options); }));
}

}  // namespace latentlab::data
