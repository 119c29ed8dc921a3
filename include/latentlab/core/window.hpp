#pragma once
// Sliding-window geometry shared by convolutions and pooling: kernel, stride, dilation and
// padding, with TensorFlow's 'same' rule (pad_total = max((out−1)·s + (k−1)·d + 1 − in, 0),
// the odd pixel going bottom/right), which is what the Keras originals of E1 use.
#include <algorithm>
#include <string>

#include "latentlab/core/shape.hpp"

namespace latentlab {

struct Padding {
    enum class Kind { same, valid, explicit_ };
    Kind kind = Kind::same;
    int top = 0, bottom = 0, left = 0, right = 0;

    static constexpr Padding same() { return {}; }
    static constexpr Padding valid() { return {Kind::valid}; }
    static constexpr Padding explicit_(int top, int bottom, int left, int right) {
        return {Kind::explicit_, top, bottom, left, right};
    }
    static constexpr Padding symmetric(int pad) { return explicit_(pad, pad, pad, pad); }

    std::string name() const {
        switch (kind) {
            case Kind::same: return "same";
            case Kind::valid: return "valid";
            case Kind::explicit_:
                return "pad(" + std::to_string(top) + "," + std::to_string(bottom) + "," + std::to_string(left) +
                       "," + std::to_string(right) + ")";
        }
        return "?";
    }
    friend constexpr bool operator==(const Padding&, const Padding&) = default;
};

// One axis of a window: how `in` positions map to `out` positions.
struct WindowAxis {
    int in = 0, out = 0, kernel = 1, stride = 1, dilation = 1, pad_before = 0, pad_after = 0;

    constexpr int span() const { return (kernel - 1) * dilation + 1; }
};

constexpr WindowAxis window_axis(int in, int kernel, int stride, int dilation, int pad_before, int pad_after) {
    WindowAxis axis{in, 0, kernel, stride, dilation, pad_before, pad_after};
    const int room = in + pad_before + pad_after - axis.span();
    // A non-positive stride is reported by the layer's options check, not as a division by 0.
    axis.out = (room < 0 || stride <= 0) ? 0 : room / stride + 1;
    return axis;
}

constexpr WindowAxis same_axis(int in, int kernel, int stride, int dilation) {
    if (stride <= 0) return window_axis(in, kernel, stride, dilation, 0, 0);
    const int out = (in + stride - 1) / stride;
    const int total = std::max((out - 1) * stride + (kernel - 1) * dilation + 1 - in, 0);
    return window_axis(in, kernel, stride, dilation, total / 2, total - total / 2);
}

// The full geometry of a 2-D window over an NHWC image.
struct Window2d {
    WindowAxis rows, cols;
    int in_channels = 0, out_channels = 0;

    constexpr Dims in() const { return {rows.in, cols.in, in_channels}; }
    constexpr Dims out() const { return {rows.out, cols.out, out_channels}; }
    constexpr int kernel_area() const { return rows.kernel * cols.kernel; }
    constexpr bool is_pointwise() const {
        return rows.kernel == 1 && cols.kernel == 1 && rows.stride == 1 && cols.stride == 1 && rows.pad_before == 0 &&
               cols.pad_before == 0 && rows.out == rows.in && cols.out == cols.in;
    }
};

constexpr Window2d make_window(Dims in, int out_channels, int kernel, int stride, int dilation, Padding padding) {
    Window2d w;
    w.in_channels = in.channels;
    w.out_channels = out_channels;
    switch (padding.kind) {
        case Padding::Kind::same:
            w.rows = same_axis(in.height, kernel, stride, dilation);
            w.cols = same_axis(in.width, kernel, stride, dilation);
            break;
        case Padding::Kind::valid:
            w.rows = window_axis(in.height, kernel, stride, dilation, 0, 0);
            w.cols = window_axis(in.width, kernel, stride, dilation, 0, 0);
            break;
        case Padding::Kind::explicit_:
            w.rows = window_axis(in.height, kernel, stride, dilation, padding.top, padding.bottom);
            w.cols = window_axis(in.width, kernel, stride, dilation, padding.left, padding.right);
            break;
    }
    return w;
}

}  // namespace latentlab
