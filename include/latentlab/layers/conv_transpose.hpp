#pragma once
// ConvTranspose2d<Out, K, Options>: the transposed ("fractionally strided") K×K convolution
// to Out channels, as Keras' Conv2DTranspose.
//   weight [K, K, Out, Cin] (Keras' layout), bias [Out] when options.bias;
//   y = activation(conv_transpose(x, weight) + bias), NHWC.
// Output extent along each axis, span = (K − 1)·dilation + 1:
//   'valid'     (H − 1)·stride + span, the full output;
//   'same'      H·stride: the full output cropped by max(span − stride, 0), half of it
//               (rounded down) from the top/left, the rest from the bottom/right (TensorFlow);
//   explicit    the full output cropped by (top, bottom, left, right).
// Internally the layer is the backward-data pass of the convolution that maps its output
// shape back to its input shape; `geometry` is that convolution's window.
#include <algorithm>
#include <cstddef>
#include <string>

#include "latentlab/backend/cpu/conv_transpose.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/layers/activation.hpp"
#include "latentlab/layers/conv.hpp"
#include "latentlab/layers/init.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

template <int Out, int K, ConvOptions Options = ConvOptions{}>
struct ConvTranspose2d {
    static constexpr bool options_valid = Out > 0 && K > 0 && Options.valid();

    // One axis of the equivalent convolution: `in` is our output's extent, `out` our input's.
    static constexpr WindowAxis axis(int extent, int crop_before, int crop_after) {
        const int stride = Options.stride, dilation = Options.dilation;
        const int span = (K - 1) * dilation + 1;
        WindowAxis a{0, extent, K, stride, dilation, crop_before, crop_after};
        switch (Options.padding.kind) {
            case Padding::Kind::same: {
                const int total = std::max(span - stride, 0);
                a.pad_before = total / 2;
                a.pad_after = total - total / 2;
                a.in = extent * stride;
                break;
            }
            case Padding::Kind::valid:
                a.pad_before = a.pad_after = 0;
                a.in = (extent - 1) * stride + span;
                break;
            case Padding::Kind::explicit_: a.in = (extent - 1) * stride + span - crop_before - crop_after; break;
        }
        if (a.in <= 0) a.in = a.out = 0;
        return a;
    }
    static constexpr Window2d window(Dims in) {
        Window2d w;
        w.rows = axis(in.height, Options.padding.top, Options.padding.bottom);
        w.cols = axis(in.width, Options.padding.left, Options.padding.right);
        w.in_channels = Out;
        w.out_channels = in.channels;
        return w;
    }
    static constexpr Dims output(Dims in) { return window(in).in(); }

    template <ShapeType In, class T, class Backend>
    class Layer {
    public:
        using input_shape = In;
        static constexpr Window2d geometry = window(In::dims);
        static constexpr Dims out_dims = geometry.in();
        using output_shape = Shape<out_dims.height, out_dims.width, out_dims.channels>;
        static_assert(checks::options_are_valid<ConvTranspose2d, In>());
        static_assert(checks::crop_fits_output<ConvTranspose2d, In, output_shape>());
        // The convolution over our output gives back exactly our input's positions.
        static_assert(out_dims.height == 0 || (window_axis(geometry.rows.in, K, Options.stride, Options.dilation,
                                                           geometry.rows.pad_before, geometry.rows.pad_after)
                                                   .out == In::height &&
                                               window_axis(geometry.cols.in, K, Options.stride, Options.dilation,
                                                           geometry.cols.pad_before, geometry.cols.pad_after)
                                                   .out == In::width));

        static constexpr std::size_t weight_count = std::size_t(K) * K * Out * In::channels;
        static constexpr std::size_t parameter_count = weight_count + (Options.bias ? Out : 0);
        static constexpr std::size_t state_count = 0;
        static constexpr std::size_t flops = 2 * In::size * K * K * Out;

        static std::string name() {
            return "ConvTranspose2d " + std::to_string(K) + "x" + std::to_string(K) + " " + Options.describe();
        }

        void attach(ParameterCursor<T>& cursor) {
            weight_ = cursor.take("weight", {K, K, std::size_t(Out), std::size_t(In::channels)}, "HWOI");
            if constexpr (Options.bias) bias_ = cursor.take("bias", {std::size_t(Out)}, "O");
        }
        void initialize(Rng& rng) {
            // Keras' fans for a [K, K, Out, Cin] kernel: K·K·Out in, K·K·Cin out.
            initialize_weights(Options.init, rng, weight_.value, weight_count, std::size_t(K) * K * Out,
                               std::size_t(K) * K * In::channels);
            if constexpr (Options.bias) std::fill_n(bias_.value, Out, T(0));
        }
        void plan(Arena& arena, std::size_t batch, const Backend& backend) {
            scratch_ = conv_transpose2d_plan<T>(backend, arena, geometry, batch);
        }
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            conv_transpose2d_forward(backend, scratch_, geometry, Options.activation, x.data, weight_.value,
                                     bias_.value, y.data, x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape> y,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            conv_transpose2d_backward(backend, scratch_, geometry, Options.activation, x.data, y.data, dy.data,
                                      weight_.value, weight_.gradient, bias_.gradient, dx.data, x.batch);
        }

    private:
        typename ParameterCursor<T>::Slice weight_{}, bias_{};
        decltype(conv_transpose2d_plan<T>(std::declval<const Backend&>(), std::declval<Arena&>(), geometry,
                                          0)) scratch_{};
    };
};

}  // namespace latentlab
