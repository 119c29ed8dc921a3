#pragma once
// Shapes are compile-time values. A layer maps an input Shape<H, W, C> to an output shape;
// the batch is the only run-time dimension. Layout is NHWC everywhere: one image is H rows of
// W pixels of C channels, contiguous.
#include <concepts>
#include <cstddef>
#include <ostream>

namespace latentlab {

// The three spatial/channel extents as a plain value, so shape arithmetic is ordinary
// constexpr code (no template recursion) and can be stored in arrays.
struct Dims {
    int height = 0;
    int width = 0;
    int channels = 0;

    constexpr std::size_t size() const {
        return static_cast<std::size_t>(height) * static_cast<std::size_t>(width) *
               static_cast<std::size_t>(channels);
    }
    constexpr bool valid() const { return height > 0 && width > 0 && channels > 0; }
    friend constexpr bool operator==(const Dims&, const Dims&) = default;
    friend std::ostream& operator<<(std::ostream& out, const Dims& d) {
        return out << d.height << "x" << d.width << "x" << d.channels;
    }
};

// Shape<H, W, C>: the type-level form of Dims. Deliberately has no static_assert on the
// extents: an invalid shape must reach the layer check that names the culprit layer.
template <int H, int W, int C>
struct Shape {
    static constexpr int height = H;
    static constexpr int width = W;
    static constexpr int channels = C;
    static constexpr Dims dims{H, W, C};
    static constexpr std::size_t size = dims.size();
};

template <class S>
concept ShapeType = requires {
    { S::dims } -> std::convertible_to<Dims>;
    { S::size } -> std::convertible_to<std::size_t>;
};

}  // namespace latentlab
