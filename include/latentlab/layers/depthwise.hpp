#pragma once
// DepthwiseConv2d<K, Options>: each input channel convolved with its own `multiplier` K×K
// filters (Keras' DepthwiseConv2D, PyTorch's Conv2d with groups = C).
//   weight [K, K, C, M] (Keras' layout), bias [C·M] when options.bias;
//   output channel c·M + m = activation(x[:, :, c] ⋆ weight[:, :, c, m] + bias[c·M + m]),
//   NHWC, with stride, dilation and padding ('same' as TensorFlow, as in Conv2d).
#include <cstddef>
#include <string>

#include "latentlab/backend/cpu/depthwise.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/layers/activation.hpp"
#include "latentlab/layers/init.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

struct DepthwiseOptions {
    int multiplier = 1;
    int stride = 1;
    int dilation = 1;
    Padding padding = Padding::same();
    bool bias = true;
    Activation activation = Activation::identity();
    Init init = Init::glorot_uniform;

    constexpr bool valid() const {
        return multiplier > 0 && stride > 0 && dilation > 0 && activation.valid() && padding.top >= 0 &&
               padding.bottom >= 0 && padding.left >= 0 && padding.right >= 0;
    }
    std::string describe() const {
        std::string text = padding.name();
        if (multiplier != 1) text += " multiplier " + std::to_string(multiplier);
        if (stride != 1) text += " stride " + std::to_string(stride);
        if (dilation != 1) text += " dilation " + std::to_string(dilation);
        if (!activation.is_identity()) text += " " + activation.name();
        return text;
    }
};

template <int K, DepthwiseOptions Options = DepthwiseOptions{}>
struct DepthwiseConv2d {
    static constexpr bool options_valid = K > 0 && Options.valid();

    static constexpr Window2d window(Dims in) {
        return make_window(in, in.channels * Options.multiplier, K, Options.stride, Options.dilation,
                           Options.padding);
    }
    static constexpr Dims output(Dims in) { return window(in).out(); }

    template <ShapeType In, class T, class Backend>
    class Layer {
    public:
        using input_shape = In;
        static constexpr Window2d geometry = window(In::dims);
        static constexpr Dims out_dims = geometry.out();
        using output_shape = Shape<out_dims.height, out_dims.width, out_dims.channels>;
        static_assert(checks::options_are_valid<DepthwiseConv2d, In>());
        static_assert(checks::window_fits_input<DepthwiseConv2d, In, output_shape>());

        static constexpr std::size_t channels = std::size_t(In::channels) * Options.multiplier;  // C·M
        static constexpr std::size_t weight_count = std::size_t(K) * K * channels;
        static constexpr std::size_t parameter_count = weight_count + (Options.bias ? channels : 0);
        static constexpr std::size_t state_count = 0;
        static constexpr std::size_t flops = 2 * output_shape::size * K * K;

        static std::string name() {
            return "DepthwiseConv2d " + std::to_string(K) + "x" + std::to_string(K) + " " + Options.describe();
        }

        void attach(ParameterCursor<T>& cursor) {
            weight_ = cursor.take("weight", {K, K, std::size_t(In::channels), std::size_t(Options.multiplier)}, "HWCM");
            if constexpr (Options.bias) bias_ = cursor.take("bias", {channels}, "O");
        }
        void initialize(Rng& rng) {
            // Keras' fans for a [K, K, C, M] kernel: K·K·C in, K·K·M out.
            initialize_weights(Options.init, rng, weight_.value, weight_count, std::size_t(K) * K * In::channels,
                               std::size_t(K) * K * Options.multiplier);
            if constexpr (Options.bias) std::fill_n(bias_.value, channels, T(0));
        }
        void plan(Arena& arena, std::size_t batch, const Backend& backend) {
            scratch_ = depthwise_plan<T>(backend, arena, geometry, batch);
        }
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            depthwise_forward(backend, scratch_, geometry, Options.activation, x.data, weight_.value, bias_.value,
                              y.data, x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape> y,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            depthwise_backward(backend, scratch_, geometry, Options.activation, x.data, y.data, dy.data,
                               weight_.value, weight_.gradient, bias_.gradient, dx.data, x.batch);
        }

    private:
        typename ParameterCursor<T>::Slice weight_{}, bias_{};
        decltype(depthwise_plan<T>(std::declval<const Backend&>(), std::declval<Arena&>(), geometry, 0)) scratch_{};
    };
};

}  // namespace latentlab
