#pragma once
// Random per-sample transforms applied by DataLoader after a dataset fills a batch. A
// transform is called once per sample with views of one image (batch 1) of the input and
// the target and a random stream owned by that (epoch, sample):
//     transform(TensorView<float, X> x, TensorView<float, Y> y, Rng& rng)
// on OpenMP threads, so it must not throw: a transform with options to validate has a
// check() that the loader calls once, when it is constructed.
// A target with the input's height and width (a segmentation mask, an autoencoder's
// target) is moved with the image, so pixels and labels stay aligned; any other target
// (class scores) is left alone.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/core/shape.hpp"
#include "latentlab/core/tensor.hpp"

namespace latentlab::data {

template <class F, class X, class Y>
concept SampleTransform =
    requires(const F& f, TensorView<float, X> x, TensorView<float, Y> y, Rng& rng) { f(x, y, rng); };

namespace detail {

template <ShapeType X, ShapeType Y>
inline constexpr bool spatial_target = X::height == Y::height && X::width == Y::width;

// Mirrors one image along its columns (horizontal) or rows (vertical), pixels kept whole.
template <ShapeType S>
void mirror(float* image, bool horizontal) {
    constexpr int h = S::height, w = S::width, c = S::channels;
    const auto pixel = [&](int row, int col) { return image + (static_cast<std::size_t>(row) * w + col) * c; };
    if (horizontal) {
        for (int row = 0; row < h; ++row)
            for (int col = 0; col < w / 2; ++col) std::swap_ranges(pixel(row, col), pixel(row, col) + c, pixel(row, w - 1 - col));
    } else {
        for (int row = 0; row < h / 2; ++row) std::swap_ranges(pixel(row, 0), pixel(row, 0) + w * c, pixel(h - 1 - row, 0));
    }
}

// Shifts one image by (dy, dx) pixels: out(r, q) = in(r − dy, q − dx), zero where that
// falls outside. `scratch` holds one image.
template <ShapeType S>
void shift(float* image, int dy, int dx, std::vector<float>& scratch) {
    constexpr int h = S::height, w = S::width, c = S::channels;
    scratch.assign(image, image + S::size);
    std::fill_n(image, S::size, 0.0f);
    const int col_begin = std::max(0, dx), col_end = std::min(w, w + dx);
    if (col_begin >= col_end) return;
    for (int row = std::max(0, dy); row < std::min(h, h + dy); ++row)
        std::copy_n(scratch.data() + (static_cast<std::size_t>(row - dy) * w + (col_begin - dx)) * c,
                    (col_end - col_begin) * c, image + (static_cast<std::size_t>(row) * w + col_begin) * c);
}

}  // namespace detail

// Mirrors the sample with probability `probability`, left–right and/or up–down (each
// decided separately).
struct RandomFlip {
    bool horizontal = true;
    bool vertical = false;
    double probability = 0.5;

    void check() const {
        require(probability >= 0 && probability <= 1, "RandomFlip: probability must lie in [0, 1], got ", probability);
    }

    template <ShapeType X, ShapeType Y>
    void operator()(TensorView<float, X> x, TensorView<float, Y> y, Rng& rng) const {
        for (const bool along_columns : {true, false}) {
            if (!(along_columns ? horizontal : vertical)) continue;
            if (rng.uniform() >= probability) continue;
            detail::mirror<X>(x.data, along_columns);
            if constexpr (detail::spatial_target<X, Y>) detail::mirror<Y>(y.data, along_columns);
        }
    }
};

// torchvision's RandomCrop(size = the image's, padding): the image is zero-padded by
// `padding` on each side and a window of the original size is cut at a uniform random
// offset, i.e. shifted by up to ±padding pixels in each direction with zeros brought in.
struct RandomCrop {
    int padding = 4;

    void check() const { require(padding >= 0, "RandomCrop: padding must be non-negative, got ", padding); }

    template <ShapeType X, ShapeType Y>
    void operator()(TensorView<float, X> x, TensorView<float, Y> y, Rng& rng) const {
        const int dy = static_cast<int>(rng.uniform_int(-padding, padding));
        const int dx = static_cast<int>(rng.uniform_int(-padding, padding));
        if (dy == 0 && dx == 0) return;
        thread_local std::vector<float> scratch;
        detail::shift<X>(x.data, dy, dx, scratch);
        if constexpr (detail::spatial_target<X, Y>) detail::shift<Y>(y.data, dy, dx, scratch);
    }
};

}  // namespace latentlab::data
