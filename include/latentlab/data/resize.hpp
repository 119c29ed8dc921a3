#pragma once
// Resizing NHWC images (8-bit or float).
//
// area:     each output pixel is the mean of the input area it covers, partly covered
//           pixels weighted by the covered fraction (a box filter). For an integer
//           downscaling factor k this is the plain mean of k×k blocks, which is what
//           OpenCV's INTER_AREA computes; it is the right way to shrink STL-10's 96×96 to
//           32×32 without aliasing. Upscaling by area repeats pixels, blending at the seams.
// bilinear: PyTorch's interpolate(mode='bilinear', align_corners=False, antialias=False):
//           half-pixel centres, source coordinate (x + 0.5)·in/out − 0.5 clamped to the
//           image. Like PyTorch it does not low-pass when shrinking, so it aliases.
//
// Both are separable: a table of (input index, weight) taps per output row and per
// output column, applied along the width, then along the height. Arithmetic is in float;
// 8-bit results are rounded to the nearest integer.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/core/error.hpp"

namespace latentlab::data {

enum class ResizeMethod { area, bilinear };

inline const char* resize_method_name(ResizeMethod method) {
    return method == ResizeMethod::area ? "area" : "bilinear";
}

// The taps of one axis: output o reads inputs index[begin[o] .. begin[o + 1]) with the
// matching weights.
struct ResizeTaps {
    std::vector<std::size_t> begin;
    std::vector<std::size_t> index;
    std::vector<float> weight;

    static ResizeTaps make(std::size_t in, std::size_t out, ResizeMethod method) {
        ResizeTaps taps;
        taps.begin.push_back(0);
        for (std::size_t o = 0; o < out; ++o) {
            if (method == ResizeMethod::area) {
                // In units of 1/out of an input pixel (1/in of an output pixel), input i
                // spans [i·out, (i + 1)·out) and output o spans [o·in, (o + 1)·in): the
                // overlaps are exact integers.
                const std::size_t low = o * in, high = (o + 1) * in;
                for (std::size_t i = low / out; i * out < high; ++i) {
                    const std::size_t overlap = std::min(high, (i + 1) * out) - std::max(low, i * out);
                    taps.add(i, static_cast<float>(static_cast<double>(overlap) / static_cast<double>(in)));
                }
            } else {
                const double scale = static_cast<double>(in) / static_cast<double>(out);
                const double source = std::max((static_cast<double>(o) + 0.5) * scale - 0.5, 0.0);
                const std::size_t i0 = std::min(static_cast<std::size_t>(source), in - 1);
                const double lambda = std::clamp(source - static_cast<double>(i0), 0.0, 1.0);
                taps.add(i0, static_cast<float>(1.0 - lambda));
                taps.add(std::min(i0 + 1, in - 1), static_cast<float>(lambda));
            }
            taps.begin.push_back(taps.index.size());
        }
        return taps;
    }

private:
    void add(std::size_t i, float w) {
        index.push_back(i);
        weight.push_back(w);
    }
};

// Resizes single in_height×in_width×channels images to out_height×out_width×channels;
// the tap tables are computed once, so reuse one Resampler over a dataset.
class Resampler {
public:
    Resampler(std::size_t in_height, std::size_t in_width, std::size_t out_height, std::size_t out_width,
              ResizeMethod method)
        : in_height_(in_height), in_width_(in_width), out_height_(out_height), out_width_(out_width) {
        require(in_height > 0 && in_width > 0 && out_height > 0 && out_width > 0, "resize (",
                resize_method_name(method), "): sizes must be at least 1×1, found ", in_height, "×", in_width, " → ",
                out_height, "×", out_width);
        rows_ = ResizeTaps::make(in_height, out_height, method);
        columns_ = ResizeTaps::make(in_width, out_width, method);
    }

    std::size_t out_height() const { return out_height_; }
    std::size_t out_width() const { return out_width_; }

    // One image, HWC at `in` → HWC at `out`.
    template <class T>
    void apply(const T* in, std::size_t channels, T* out) const {
        static_assert(std::is_same_v<T, std::uint8_t> || std::is_same_v<T, float>,
                      "resize works on std::uint8_t or float images");
        // Along the width: in_height × out_width × channels.
        std::vector<float> across(in_height_ * out_width_ * channels, 0.0f);
        for (std::size_t y = 0; y < in_height_; ++y) {
            const T* row = in + y * in_width_ * channels;
            float* target = across.data() + y * out_width_ * channels;
            for (std::size_t x = 0; x < out_width_; ++x)
                for (std::size_t t = columns_.begin[x]; t < columns_.begin[x + 1]; ++t) {
                    const T* pixel = row + columns_.index[t] * channels;
                    for (std::size_t c = 0; c < channels; ++c)
                        target[x * channels + c] += columns_.weight[t] * static_cast<float>(pixel[c]);
                }
        }
        // Along the height, into the output.
        const std::size_t line = out_width_ * channels;
        std::vector<float> sum(line);
        for (std::size_t y = 0; y < out_height_; ++y) {
            std::fill(sum.begin(), sum.end(), 0.0f);
            for (std::size_t t = rows_.begin[y]; t < rows_.begin[y + 1]; ++t) {
                const float* source = across.data() + rows_.index[t] * line;
                for (std::size_t i = 0; i < line; ++i) sum[i] += rows_.weight[t] * source[i];
            }
            T* target = out + y * line;
            for (std::size_t i = 0; i < line; ++i) {
                if constexpr (std::is_same_v<T, std::uint8_t>) {
                    target[i] = static_cast<std::uint8_t>(std::clamp(sum[i], 0.0f, 255.0f) + 0.5f);
                } else {
                    target[i] = sum[i];
                }
            }
        }
    }

private:
    std::size_t in_height_, in_width_, out_height_, out_width_;
    ResizeTaps rows_, columns_;
};

// Resizes every image of an N×H×W×C batch to height×width.
template <class T>
xt::xtensor<T, 4> resize(const xt::xtensor<T, 4>& images, std::size_t height, std::size_t width,
                         ResizeMethod method = ResizeMethod::area) {
    const auto& shape = images.shape();
    const Resampler resampler(shape[1], shape[2], height, width, method);
    auto out = xt::xtensor<T, 4>::from_shape({shape[0], height, width, shape[3]});
    const std::size_t in_image = shape[1] * shape[2] * shape[3], out_image = height * width * shape[3];
    for (std::size_t n = 0; n < shape[0]; ++n)
        resampler.apply(images.data() + n * in_image, shape[3], out.data() + n * out_image);
    return out;
}

}  // namespace latentlab::data
