#pragma once
// Softmax: a probability distribution over the channels of every pixel (the segmentation
// head of the U-Nets), computed stably; backward dx = y ⊙ (dy − Σ_c y·dy) from the output.
// Losses that take logits (cross-entropy) should fuse it instead; this layer is for
// networks whose output must be probabilities.
#include <cstddef>
#include <string>

#include "latentlab/backend/cpu/softmax.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

struct Softmax {
    static constexpr Dims output(Dims in) { return in; }

    template <ShapeType In, class T, class Backend>
    class Layer : public Parameterless {
        static constexpr std::size_t pixels = std::size_t(In::height) * In::width;

    public:
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t flops = 4 * In::size;  // subtract, exp, add, scale

        static std::string name() { return "Softmax"; }

        void plan(Arena&, std::size_t, const Backend&) {}
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            softmax_forward(backend, x.data, y.data, pixels, In::channels, x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape> y,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            if (dx.data) softmax_backward(backend, y.data, dy.data, dx.data, pixels, In::channels, x.batch);
        }
    };
};

}  // namespace latentlab
