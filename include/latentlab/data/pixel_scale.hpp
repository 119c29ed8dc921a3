#pragma once
// 8-bit pixels to network inputs: x/255 in [0, 1], or x/127.5 − 1 in [−1, 1] (the range
// of a tanh output; E4's STL-10 preprocessing). Both ends are exact: 0 → 0 or −1,
// 255 → 1.
#include <cstddef>
#include <cstdint>
#include <span>

#include <xtensor/xtensor.hpp>

#include "latentlab/core/error.hpp"

namespace latentlab::data {

enum class PixelRange {
    unit,       // [0, 1]
    symmetric,  // [−1, 1]
};

// Writes the scaled values of `pixels` into `out`, which must have the same length (an
// NHWC float buffer of the same images, e.g. a batch of a network's input).
inline void scale_pixels(std::span<const std::uint8_t> pixels, std::span<float> out, PixelRange range) {
    require(out.size() == pixels.size(), "scale_pixels: the output holds ", out.size(), " values, expected ",
            pixels.size(), " (one per input pixel value)");
    if (range == PixelRange::unit) {
        for (std::size_t i = 0; i < pixels.size(); ++i) out[i] = static_cast<float>(pixels[i]) / 255.0f;
    } else {
        for (std::size_t i = 0; i < pixels.size(); ++i) out[i] = static_cast<float>(pixels[i]) / 127.5f - 1.0f;
    }
}

template <std::size_t Rank>
xt::xtensor<float, Rank> scale_pixels(const xt::xtensor<std::uint8_t, Rank>& pixels, PixelRange range) {
    auto out = xt::xtensor<float, Rank>::from_shape(pixels.shape());
    scale_pixels(std::span<const std::uint8_t>(pixels.data(), pixels.size()), std::span<float>(out.data(), out.size()),
                 range);
    return out;
}

}  // namespace latentlab::data
