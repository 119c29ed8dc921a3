#pragma once
// Compile-time shape checks. C++20 static_assert takes only a literal message, so each
// check is a function template whose template arguments are the layer and the shapes
// involved: when it fails, the compiler's "In instantiation of ... [with Layer = ...;
// Input = Shape<...>; ...]" line shows them, and the literal says what is wrong in words.
#include "latentlab/core/shape.hpp"

namespace latentlab::checks {

template <class Layer, class Input, class Output>
constexpr bool window_fits_input() {
    static_assert(Output::height > 0 && Output::width > 0,
                  "the layer's window (kernel size with dilation, after padding) is larger than its input, "
                  "so its output would be empty: use 'same' padding, a smaller kernel, or a larger input");
    return true;
}

template <class Layer, class Input, class Output>
constexpr bool crop_fits_output() {
    static_assert(Output::height > 0 && Output::width > 0,
                  "the transposed convolution's explicit padding crops away its whole output: use smaller "
                  "padding, 'same' or 'valid'");
    return true;
}

template <class Layer, class Input>
constexpr bool input_is_flat() {
    static_assert(Input::height == 1 && Input::width == 1,
                  "a dense layer needs a flat input of shape 1x1xN: put Flatten or GlobalAvgPool before it");
    return true;
}

template <class Layer, class Input, class InnerOutput>
constexpr bool branch_keeps_spatial_size() {
    static_assert(Input::height == InnerOutput::height && Input::width == InnerOutput::width,
                  "SkipConcat: the inner branch must return the height and width it was given, so that its "
                  "output can be concatenated with the skip connection along the channels");
    return true;
}

template <class Layer, class Input, class InnerOutput>
constexpr bool branch_keeps_shape() {
    static_assert(Input::dims == InnerOutput::dims,
                  "Residual: the inner branch must return exactly the shape it was given, so that its output "
                  "can be added to its input");
    return true;
}

template <class Layer, class Input>
constexpr bool input_divisible_by_factor() {
    static_assert(Layer::template divides<Input>,
                  "no input row or column may be left outside every window of the layer: choose a size that "
                  "its kernel and stride cover exactly, use 'same' padding, or allow drop_remainder");
    return true;
}

template <class Layer, class Input>
constexpr bool input_is_valid() {
    static_assert(Input::height > 0 && Input::width > 0 && Input::channels > 0,
                  "every extent of a layer's input shape must be positive");
    return true;
}

template <class Layer, class Input>
constexpr bool options_are_valid() {
    static_assert(Layer::options_valid,
                  "the layer's options are invalid: kernel, stride and dilation must be positive, explicit "
                  "padding non-negative, and a leaky_relu slope in (0, 1)");
    return true;
}

}  // namespace latentlab::checks
