#pragma once
// Flatten: Shape<H, W, C> → Shape<1, 1, H·W·C>, values in NHWC order (Keras' Flatten on
// channels-last data), so a Dense layer after it sees pixel-major, channel-minor features.
#include <cstddef>
#include <string>

#include "latentlab/backend/cpu/elementwise.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

struct Flatten {
    static constexpr Dims output(Dims in) { return {1, 1, static_cast<int>(in.size())}; }

    template <ShapeType In, class T, class Backend>
    class Layer : public Parameterless {
    public:
        using input_shape = In;
        using output_shape = Shape<1, 1, static_cast<int>(In::size)>;
        static constexpr std::size_t flops = 0;

        static std::string name() { return "Flatten"; }

        void plan(Arena&, std::size_t, const Backend&) {}
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            copy_values(backend, x.data, x.size(), y.data);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In>, ConstView<T, output_shape>,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            if (dx.data) copy_values(backend, dy.data, dy.size(), dx.data);
        }
    };
};

}  // namespace latentlab
