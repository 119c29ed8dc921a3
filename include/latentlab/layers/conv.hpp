#pragma once
// Conv2d<Out, K, Options>: a K×K convolution to Out channels.
//   weight [K, K, Cin, Out] ("HWIO", Keras' layout), bias [Out] when options.bias;
//   y = activation(conv(x, weight) + bias), NHWC, with stride, dilation and padding
//   ('same' as TensorFlow: the odd pixel of an even kernel's padding goes bottom/right).
#include <cstddef>
#include <string>

#include "latentlab/backend/cpu/conv.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/layers/activation.hpp"
#include "latentlab/layers/init.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

struct ConvOptions {
    int stride = 1;
    int dilation = 1;
    Padding padding = Padding::same();
    bool bias = true;
    Activation activation = Activation::identity();
    Init init = Init::glorot_uniform;

    constexpr bool valid() const {
        return stride > 0 && dilation > 0 && activation.valid() && padding.top >= 0 && padding.bottom >= 0 &&
               padding.left >= 0 && padding.right >= 0;
    }
    std::string describe() const {
        std::string text = padding.name();
        if (stride != 1) text += " stride " + std::to_string(stride);
        if (dilation != 1) text += " dilation " + std::to_string(dilation);
        if (!activation.is_identity()) text += " " + activation.name();
        return text;
    }
};

template <int Out, int K, ConvOptions Options = ConvOptions{}>
struct Conv2d {
    static constexpr bool options_valid = Out > 0 && K > 0 && Options.valid();

    static constexpr Window2d window(Dims in) {
        return make_window(in, Out, K, Options.stride, Options.dilation, Options.padding);
    }
    static constexpr Dims output(Dims in) { return window(in).out(); }

    template <ShapeType In, class T, class Backend>
    class Layer {
    public:
        using input_shape = In;
        static constexpr Window2d geometry = window(In::dims);
        static constexpr Dims out_dims = geometry.out();
        using output_shape = Shape<out_dims.height, out_dims.width, out_dims.channels>;
        static_assert(checks::options_are_valid<Conv2d, In>());
        static_assert(checks::window_fits_input<Conv2d, In, output_shape>());

        static constexpr std::size_t weight_count = std::size_t(K) * K * In::channels * Out;
        static constexpr std::size_t parameter_count = weight_count + (Options.bias ? Out : 0);
        static constexpr std::size_t state_count = 0;
        static constexpr std::size_t flops = 2 * output_shape::size * K * K * In::channels;

        static std::string name() {
            return "Conv2d " + std::to_string(K) + "x" + std::to_string(K) + " " + Options.describe();
        }

        void attach(ParameterCursor<T>& cursor) {
            weight_ = cursor.take("weight", {K, K, In::channels, Out}, "HWIO");
            if constexpr (Options.bias) bias_ = cursor.take("bias", {Out}, "O");
        }
        void initialize(Rng& rng) {
            initialize_weights(Options.init, rng, weight_.value, weight_count, std::size_t(K) * K * In::channels,
                               std::size_t(K) * K * Out);
            if constexpr (Options.bias) std::fill_n(bias_.value, Out, T(0));
        }
        // The geometry goes as a template argument: the backend picks and specialises its
        // kernels on it (on the CPU, direct kernels on K, Cin, Out for stride 1).
        void plan(Arena& arena, std::size_t batch, const Backend& backend) {
            scratch_ = conv2d_plan<T, geometry>(backend, arena, batch);
        }
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            conv2d_forward(backend, scratch_, geometry, Options.activation, x.data, weight_.value, bias_.value, y.data,
                           x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape> y,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            conv2d_backward(backend, scratch_, geometry, Options.activation, x.data, y.data, dy.data, weight_.value,
                            weight_.gradient, bias_.gradient, dx.data, x.batch);
        }

    private:
        typename ParameterCursor<T>::Slice weight_{}, bias_{};
        decltype(conv2d_plan<T, geometry>(std::declval<const Backend&>(), std::declval<Arena&>(), 0)) scratch_{};
    };
};

}  // namespace latentlab
