#pragma once
// Upsample<Factor, Interpolation>: H×W×C → (Factor·H)×(Factor·W)×C, no parameters.
//   nearest:  each pixel repeated Factor × Factor times (Keras UpSampling2D, PyTorch 'nearest').
//   bilinear: half-pixel centres, borders clamped (PyTorch align_corners=False, Keras/TF2
//             'bilinear'); see backend/cpu/upsample.hpp.
#include <cstddef>
#include <string>

#include "latentlab/backend/cpu/upsample.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

enum class Interpolation { nearest, bilinear };

template <int Factor, Interpolation Mode = Interpolation::nearest>
struct Upsample {
    static constexpr bool options_valid = Factor > 0;
    static constexpr Dims output(Dims in) { return {in.height * Factor, in.width * Factor, in.channels}; }

    template <ShapeType In, class T, class Backend>
    class Layer : public Parameterless {
        static_assert(checks::options_are_valid<Upsample, In>());
        static constexpr Dims out_dims = output(In::dims);

    public:
        using input_shape = In;
        using output_shape = Shape<out_dims.height, out_dims.width, out_dims.channels>;
        // Bilinear: 4 multiplies and 3 adds per output value, plus the weights.
        static constexpr std::size_t flops = Mode == Interpolation::bilinear ? 8 * output_shape::size : 0;

        static std::string name() {
            return "Upsample x" + std::to_string(Factor) + (Mode == Interpolation::bilinear ? " bilinear" : " nearest");
        }

        void plan(Arena&, std::size_t, const Backend&) {}
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            if constexpr (Mode == Interpolation::bilinear)
                upsample_bilinear_forward(backend, In::dims, Factor, x.data, y.data, x.batch);
            else
                upsample_nearest_forward(backend, In::dims, Factor, x.data, y.data, x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape>,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            if (!dx.data) return;
            if constexpr (Mode == Interpolation::bilinear)
                upsample_bilinear_backward(backend, In::dims, Factor, dy.data, dx.data, x.batch);
            else
                upsample_nearest_backward(backend, In::dims, Factor, dy.data, dx.data, x.batch);
        }
    };
};

}  // namespace latentlab
