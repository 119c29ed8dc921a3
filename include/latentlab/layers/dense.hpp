#pragma once
// Dense<Out, Options>: a fully connected layer on a flat input Shape<1, 1, D>.
//   weight [D, Out] (Keras' layout), bias [Out] when options.bias;
//   y = activation(x · weight + bias).
// Put Flatten (layers/flatten.hpp) or a global pooling layer before it.
#include <cstddef>
#include <string>

#include "latentlab/backend/cpu/dense.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/layers/activation.hpp"
#include "latentlab/layers/init.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

struct DenseOptions {
    bool bias = true;
    Activation activation = Activation::identity();
    Init init = Init::glorot_uniform;

    constexpr bool valid() const { return activation.valid(); }
    std::string describe() const { return activation.name(); }
};

template <int Out, DenseOptions Options = DenseOptions{}>
struct Dense {
    static constexpr bool options_valid = Out > 0 && Options.valid();

    static constexpr Dims output(Dims) { return {1, 1, Out}; }

    template <ShapeType In, class T, class Backend>
    class Layer {
    public:
        using input_shape = In;
        using output_shape = Shape<1, 1, Out>;
        static_assert(checks::input_is_flat<Dense, In>());
        static_assert(checks::options_are_valid<Dense, In>());

        static constexpr std::size_t features = In::size;  // D
        static constexpr std::size_t weight_count = features * Out;
        static constexpr std::size_t parameter_count = weight_count + (Options.bias ? Out : 0);
        static constexpr std::size_t state_count = 0;
        static constexpr std::size_t flops = 2 * weight_count;

        static std::string name() { return "Dense " + std::to_string(Out) + " " + Options.describe(); }

        void attach(ParameterCursor<T>& cursor) {
            weight_ = cursor.take("weight", {features, std::size_t(Out)}, "IO");
            if constexpr (Options.bias) bias_ = cursor.take("bias", {std::size_t(Out)}, "O");
        }
        void initialize(Rng& rng) {
            initialize_weights(Options.init, rng, weight_.value, weight_count, features, std::size_t(Out));
            if constexpr (Options.bias) std::fill_n(bias_.value, Out, T(0));
        }
        void plan(Arena& arena, std::size_t batch, const Backend& backend) {
            scratch_ = dense_plan<T>(backend, arena, features, Out, batch);
        }
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            dense_forward(backend, scratch_, features, Out, Options.activation, x.data, weight_.value, bias_.value,
                          y.data, x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape> y,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            dense_backward(backend, scratch_, features, Out, Options.activation, x.data, y.data, dy.data,
                           weight_.value, weight_.gradient, bias_.gradient, dx.data, x.batch);
        }

    private:
        typename ParameterCursor<T>::Slice weight_{}, bias_{};
        decltype(dense_plan<T>(std::declval<const Backend&>(), std::declval<Arena&>(), 0, 0, 0)) scratch_{};
    };
};

}  // namespace latentlab
