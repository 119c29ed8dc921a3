#pragma once
// SeparableConv2d<Out, K, Options>: Keras' SeparableConv2D with depth multiplier 1 — a K×K
// depthwise convolution (stride, dilation and padding apply here, no bias) followed by a
// 1×1 convolution to Out channels with bias, the activation after the pointwise step.
//   "depthwise" [K, K, Cin, 1], "pointwise" [1, 1, Cin, Out], "bias" [Out] when options.bias.
// The two steps run the DepthwiseConv2d and Conv2d kernels; the depthwise output (and its
// gradient in backward) lives in this layer's workspace.
#include <cstddef>
#include <string>

#include "latentlab/backend/cpu/conv.hpp"
#include "latentlab/backend/cpu/depthwise.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/layers/activation.hpp"
#include "latentlab/layers/conv.hpp"
#include "latentlab/layers/init.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

// The same options as Conv2d (stride, dilation, padding of the depthwise step; bias and
// activation of the pointwise step; init of both kernels, as Keras' two initializer defaults).
using SeparableOptions = ConvOptions;

template <int Out, int K, SeparableOptions Options = SeparableOptions{}>
struct SeparableConv2d {
    static constexpr bool options_valid = Out > 0 && K > 0 && Options.valid();

    static constexpr Window2d depthwise_window(Dims in) {
        return make_window(in, in.channels, K, Options.stride, Options.dilation, Options.padding);
    }
    static constexpr Window2d pointwise_window(Dims in) {
        return make_window(depthwise_window(in).out(), Out, 1, 1, 1, Padding::valid());
    }
    static constexpr Dims output(Dims in) { return pointwise_window(in).out(); }

    template <ShapeType In, class T, class Backend>
    class Layer {
    public:
        using input_shape = In;
        static constexpr Window2d depthwise_geometry = depthwise_window(In::dims);
        static constexpr Window2d pointwise_geometry = pointwise_window(In::dims);
        static constexpr Dims mid_dims = depthwise_geometry.out();
        static constexpr Dims out_dims = pointwise_geometry.out();
        using output_shape = Shape<out_dims.height, out_dims.width, out_dims.channels>;
        static_assert(checks::options_are_valid<SeparableConv2d, In>());
        static_assert(checks::window_fits_input<SeparableConv2d, In, output_shape>());

        static constexpr std::size_t depthwise_count = std::size_t(K) * K * In::channels;
        static constexpr std::size_t pointwise_count = std::size_t(In::channels) * Out;
        static constexpr std::size_t parameter_count =
            depthwise_count + pointwise_count + (Options.bias ? std::size_t(Out) : 0);
        static constexpr std::size_t state_count = 0;
        static constexpr std::size_t flops =
            2 * mid_dims.size() * K * K + 2 * output_shape::size * std::size_t(In::channels);

        static std::string name() {
            return "SeparableConv2d " + std::to_string(K) + "x" + std::to_string(K) + " " + Options.describe();
        }

        void attach(ParameterCursor<T>& cursor) {
            depthwise_ = cursor.take("depthwise", {K, K, std::size_t(In::channels), 1}, "HWCM");
            pointwise_ = cursor.take("pointwise", {1, 1, std::size_t(In::channels), std::size_t(Out)}, "HWIO");
            if constexpr (Options.bias) bias_ = cursor.take("bias", {std::size_t(Out)}, "O");
        }
        void initialize(Rng& rng) {
            // Keras' fans: [K, K, Cin, 1] → K·K·Cin in, K·K out; [1, 1, Cin, Out] → Cin in, Out out.
            initialize_weights(Options.init, rng, depthwise_.value, depthwise_count, depthwise_count,
                               std::size_t(K) * K);
            initialize_weights(Options.init, rng, pointwise_.value, pointwise_count, std::size_t(In::channels),
                               std::size_t(Out));
            if constexpr (Options.bias) std::fill_n(bias_.value, Out, T(0));
        }
        void plan(Arena& arena, std::size_t batch, const Backend& backend) {
            mid_ = arena.take<T>(batch * mid_dims.size());
            mid_gradient_ = arena.take<T>(batch * mid_dims.size());
            depthwise_scratch_ = depthwise_plan<T>(backend, arena, depthwise_geometry, batch);
            pointwise_scratch_ = conv2d_plan<T>(backend, arena, pointwise_geometry, batch);
        }
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            depthwise_forward(backend, depthwise_scratch_, depthwise_geometry, Activation::identity(), x.data,
                              depthwise_.value, static_cast<const T*>(nullptr), mid_, x.batch);
            conv2d_forward(backend, pointwise_scratch_, pointwise_geometry, Options.activation,
                           static_cast<const T*>(mid_), pointwise_.value, bias_.value, y.data, x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape> y,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            conv2d_backward(backend, pointwise_scratch_, pointwise_geometry, Options.activation,
                            static_cast<const T*>(mid_), y.data, dy.data, pointwise_.value, pointwise_.gradient,
                            bias_.gradient, mid_gradient_, x.batch);
            depthwise_backward(backend, depthwise_scratch_, depthwise_geometry, Activation::identity(), x.data,
                               static_cast<const T*>(mid_), static_cast<const T*>(mid_gradient_), depthwise_.value,
                               depthwise_.gradient, static_cast<T*>(nullptr), dx.data, x.batch);
        }

    private:
        typename ParameterCursor<T>::Slice depthwise_{}, pointwise_{}, bias_{};
        T* mid_ = nullptr;           // depthwise output, kept for the pointwise step's backward
        T* mid_gradient_ = nullptr;  // ∂L/∂(depthwise output)
        decltype(depthwise_plan<T>(std::declval<const Backend&>(), std::declval<Arena&>(), depthwise_geometry,
                                   0)) depthwise_scratch_{};
        decltype(conv2d_plan<T>(std::declval<const Backend&>(), std::declval<Arena&>(), pointwise_geometry,
                                0)) pointwise_scratch_{};
    };
};

}  // namespace latentlab
