#pragma once
// BatchNorm2d<BatchNormOptions>: per-channel normalization of an NHWC batch,
//   y = (x − mean) / sqrt(var + epsilon) · gamma + beta.
// Training: mean and biased variance of the batch over N·H·W; the running statistics move
// towards them, running = (1 − momentum)·running + momentum·batch, the variance unbiased
// (PyTorch's convention: momentum 0.1 here is Keras' momentum 0.9). Evaluation: the running
// statistics. Backward is exact for both modes (in training the batch statistics depend on x).
//   parameters: "gamma" [C] (initially 1), "beta" [C] (0);
//   state (non-trainable): "running_mean" [C] (0), "running_var" [C] (1).
#include <algorithm>
#include <cstddef>
#include <sstream>
#include <string>
#include <utility>

#include "latentlab/backend/cpu/batch_norm.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

// double, not float: 1e-5f and 0.1f are off by ~1e-8 relative, which a double network would
// carry into its results (PyTorch's eps and momentum are Python doubles).
struct BatchNormOptions {
    double momentum = 0.1;
    double epsilon = 1e-5;

    constexpr bool valid() const { return momentum >= 0.0 && momentum <= 1.0 && epsilon > 0.0; }
};

namespace checks {
template <class Layer, class Input>
constexpr bool batch_norm_options_are_valid() {
    static_assert(Layer::options_valid, "BatchNorm2d: momentum must be in [0, 1] and epsilon positive");
    return true;
}
}  // namespace checks

template <BatchNormOptions O = BatchNormOptions{}>
struct BatchNorm2d {
    static constexpr bool options_valid = O.valid();
    static constexpr Dims output(Dims in) { return in; }

    template <ShapeType In, class T, class Backend>
    class Layer {
        static_assert(checks::batch_norm_options_are_valid<BatchNorm2d, In>());
        static constexpr int channels = In::channels;
        static constexpr std::size_t pixels = std::size_t(In::height) * In::width;

    public:
        using input_shape = In;
        using output_shape = In;
        static constexpr std::size_t parameter_count = 2 * channels;
        static constexpr std::size_t state_count = 2 * channels;
        static constexpr std::size_t flops = 2 * In::size;  // a subtract and a multiply-add per value

        static std::string name() {
            std::ostringstream text;
            text << "BatchNorm2d momentum " << O.momentum << " epsilon " << O.epsilon;
            return text.str();
        }

        void attach(ParameterCursor<T>& cursor) {
            gamma_ = cursor.take("gamma", {channels}, "C");
            beta_ = cursor.take("beta", {channels}, "C");
            running_mean_ = cursor.take_state("running_mean", {channels}, "C");
            running_var_ = cursor.take_state("running_var", {channels}, "C");
        }
        void initialize(Rng&) {
            std::fill_n(gamma_.value, channels, T(1));
            std::fill_n(beta_.value, channels, T(0));
            std::fill_n(running_mean_, channels, T(0));
            std::fill_n(running_var_, channels, T(1));
        }
        void plan(Arena& arena, std::size_t batch, const Backend& backend) {
            scratch_ = batch_norm_plan<T>(backend, arena, channels, batch);
        }
        void forward(Backend& backend, const Pass& pass, ConstView<T, In> x, TensorView<T, output_shape> y) {
            if (pass.training && x.batch * pixels < 2)
                fail(name(), ": training needs more than one value per channel to estimate a variance (batch ",
                     x.batch, " of ", In::dims, " images)");
            batch_norm_forward(backend, scratch_, channels, pixels, pass.training, O.epsilon, O.momentum, x.data,
                               gamma_.value, beta_.value, running_mean_, running_var_, y.data, x.batch);
        }
        void backward(Backend& backend, const Pass& pass, ConstView<T, In> x, ConstView<T, output_shape>,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            batch_norm_backward(backend, scratch_, channels, pixels, pass.training, x.data, dy.data,
                                gamma_.gradient, beta_.gradient, dx.data, x.batch);
        }

        // The running statistics (the network's state() holds them, mean first).
        const T* running_mean() const { return running_mean_; }
        const T* running_var() const { return running_var_; }

    private:
        typename ParameterCursor<T>::Slice gamma_{}, beta_{};
        T* running_mean_ = nullptr;
        T* running_var_ = nullptr;
        decltype(batch_norm_plan<T>(std::declval<const Backend&>(), std::declval<Arena&>(), 0, 0)) scratch_{};
    };
};

}  // namespace latentlab
