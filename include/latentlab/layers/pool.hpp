#pragma once
// Pooling layers, NHWC, no parameters.
//   MaxPool2d<K, PoolOptions>: max over K×K windows. Records, for every output, the index of
//     its maximum inside its input image, (y·W + x)·C + c as int32 (TensorFlow's
//     max_pool_with_argmax with include_batch_in_index = false), in the workspace: backward
//     routes gradients through it and MaxUnpool2d (layers/unpool.hpp) reads it through a
//     Tag. Ties keep the first maximum in row-major window order.
//   AvgPool2d<K, PoolOptions>: mean over K×K windows; with padding it divides by the count
//     of real (unpadded) elements, as Keras' 'same' and PyTorch's count_include_pad=False.
//   GlobalAvgPool: mean over all pixels, H×W×C → 1×1×C.
// stride 0 means "the kernel size"; padding is 'valid' by default, 'same' follows TensorFlow.
// 'valid' (or explicit) pooling that would silently drop trailing rows or columns is a
// compile error unless the options say drop_remainder = true (Keras' floor behaviour).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "latentlab/backend/cpu/pool.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

struct PoolOptions {
    int stride = 0;  // 0: the kernel size
    Padding padding = Padding::valid();
    bool drop_remainder = false;  // allow 'valid' pooling to ignore rows/columns no window reaches

    // Each padding must be smaller than the kernel, so that every window holds a real element.
    constexpr bool valid(int kernel) const {
        return kernel > 0 && stride >= 0 && padding.top >= 0 && padding.bottom >= 0 && padding.left >= 0 &&
               padding.right >= 0 && padding.top < kernel && padding.bottom < kernel && padding.left < kernel &&
               padding.right < kernel;
    }
};

// What MaxPool2d records for MaxUnpool2d: the argmax of its last forward.
struct PoolArgmax {
    const std::int32_t* data = nullptr;
    std::size_t batch = 0;  // images in the last forward; 0 before the first
};

namespace detail {
// Geometry shared by MaxPool2d and AvgPool2d.
template <int K, PoolOptions O>
struct PoolGeometry {
    static constexpr bool options_valid = O.valid(K);
    static constexpr int stride = O.stride == 0 ? K : O.stride;

    static constexpr Window2d window(Dims in) {
        // Invalid options are reported by checks::options_are_valid; keep the arithmetic sane.
        const int k = K > 0 ? K : 1, s = stride > 0 ? stride : 1;
        return make_window(in, in.channels, k, s, 1, O.padding);
    }
    static constexpr Dims output(Dims in) { return window(in).out(); }

    static constexpr bool covers(const WindowAxis& a) {
        return a.out <= 0 || (a.in + a.pad_before + a.pad_after - a.span()) % a.stride == 0;
    }
    // For checks::input_divisible_by_factor: no input row or column is left out of every window.
    template <class Input>
    static constexpr bool divides = O.drop_remainder || O.padding.kind == Padding::Kind::same ||
                                    (covers(window(Input::dims).rows) && covers(window(Input::dims).cols));

    static std::string describe() {
        std::string text = std::to_string(K) + "x" + std::to_string(K);
        if (stride != K) text += " stride " + std::to_string(stride);
        return text + " " + O.padding.name();
    }
};

template <class Spec, class In, class Out>
constexpr bool pool_shapes_fit() {
    static_assert(checks::options_are_valid<Spec, In>());
    static_assert(checks::window_fits_input<Spec, In, Out>());
    static_assert(checks::input_divisible_by_factor<Spec, In>());
    return true;
}
}  // namespace detail

template <int K, PoolOptions O = PoolOptions{}>
struct MaxPool2d : detail::PoolGeometry<K, O> {
    template <ShapeType In, class T, class Backend>
    class Layer : public Parameterless {
    public:
        static constexpr Window2d geometry = MaxPool2d::window(In::dims);
        using input_shape = In;
        using output_shape = Shape<geometry.out().height, geometry.out().width, geometry.out().channels>;
        static_assert(detail::pool_shapes_fit<MaxPool2d, In, output_shape>());
        static_assert(In::size <= std::size_t(std::numeric_limits<std::int32_t>::max()),
                      "MaxPool2d: its argmax indices are int32, so one input image must hold fewer than 2^31 values");
        static constexpr bool records_argmax = true;
        static constexpr std::size_t flops = output_shape::size * K * K;  // comparisons

        static std::string name() { return "MaxPool2d " + MaxPool2d::describe(); }

        void plan(Arena& arena, std::size_t batch, const Backend&) {
            indices_ = arena.take<std::int32_t>(batch * output_shape::size);
            argmax_ = {indices_, 0};
        }
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            max_pool_forward(backend, geometry, x.data, y.data, indices_, x.batch);
            argmax_.batch = x.batch;
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape>,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            if (dx.data) max_pool_backward(backend, geometry, dy.data, indices_, dx.data, x.batch);
        }

        // The argmax of the last forward: index (y·W + x)·C + c into each input image.
        ConstView<std::int32_t, output_shape> indices() const { return {indices_, argmax_.batch}; }
        const PoolArgmax& argmax() const { return argmax_; }

    private:
        std::int32_t* indices_ = nullptr;
        PoolArgmax argmax_{};
    };
};

template <int K, PoolOptions O = PoolOptions{}>
struct AvgPool2d : detail::PoolGeometry<K, O> {
    template <ShapeType In, class T, class Backend>
    class Layer : public Parameterless {
    public:
        static constexpr Window2d geometry = AvgPool2d::window(In::dims);
        using input_shape = In;
        using output_shape = Shape<geometry.out().height, geometry.out().width, geometry.out().channels>;
        static_assert(detail::pool_shapes_fit<AvgPool2d, In, output_shape>());
        static constexpr std::size_t flops = output_shape::size * K * K;  // additions

        static std::string name() { return "AvgPool2d " + AvgPool2d::describe(); }

        void plan(Arena&, std::size_t, const Backend&) {}
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            avg_pool_forward(backend, geometry, x.data, y.data, x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape>,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            if (dx.data) avg_pool_backward(backend, geometry, dy.data, dx.data, x.batch);
        }
    };
};

struct GlobalAvgPool {
    static constexpr Dims output(Dims in) { return {1, 1, in.channels}; }

    template <ShapeType In, class T, class Backend>
    class Layer : public Parameterless {
        static constexpr std::size_t pixels = std::size_t(In::height) * In::width;

    public:
        using input_shape = In;
        using output_shape = Shape<1, 1, In::channels>;
        static constexpr std::size_t flops = In::size;

        static std::string name() { return "GlobalAvgPool"; }

        void plan(Arena&, std::size_t, const Backend&) {}
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            global_avg_pool_forward(backend, x.data, y.data, pixels, In::channels, x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape>,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            if (dx.data) global_avg_pool_backward(backend, dy.data, dx.data, pixels, In::channels, x.batch);
        }
    };
};

}  // namespace latentlab
