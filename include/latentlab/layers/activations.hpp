#pragma once
// Pointwise activation layers: Activate<Activation> and its names ReLU, LeakyReLU<Alpha>,
// Sigmoid, Tanh. Same shape in and out, no parameters; backward reads the derivative off the
// output (layers/activation.hpp), so nothing is saved. Where an activation follows a Conv2d,
// prefer the conv's fused `activation` option: one pass over memory instead of two.
#include <cstddef>
#include <sstream>
#include <string>

#include "latentlab/backend/cpu/activations.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/layers/activation.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

template <Activation A>
struct Activate {
    static constexpr bool options_valid = A.valid();
    static constexpr Dims output(Dims in) { return in; }

    template <ShapeType In, class T, class Backend>
    class Layer : public Parameterless {
        static_assert(checks::options_are_valid<Activate, In>());

    public:
        using input_shape = In;
        using output_shape = In;
        static constexpr Activation activation = A;
        static constexpr std::size_t flops = In::size;

        static std::string name() {
            switch (A.kind) {
                case Activation::Kind::identity: return "Identity";
                case Activation::Kind::relu: return "ReLU";
                case Activation::Kind::leaky_relu: {
                    std::ostringstream text;
                    text << "LeakyReLU " << A.alpha;
                    return text.str();
                }
                case Activation::Kind::sigmoid: return "Sigmoid";
                case Activation::Kind::tanh: return "Tanh";
            }
            return "Activate";
        }

        void plan(Arena&, std::size_t, const Backend&) {}
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            activation_forward(backend, A, x.data, y.data, In::size, x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape> y,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            if (dx.data) activation_backward(backend, A, y.data, dy.data, dx.data, In::size, x.batch);
        }
    };
};

using ReLU = Activate<Activation::relu()>;
template <double Alpha = 0.01>
using LeakyReLU = Activate<Activation::leaky_relu(Alpha)>;
using Sigmoid = Activate<Activation::sigmoid()>;
using Tanh = Activate<Activation::tanh()>;

}  // namespace latentlab
