#pragma once
// The two branch combinators.
//   SkipConcat<Inner>: y = concat(x, Inner(x)) along channels — one U-Net level, where x is
//     the encoder's output kept for the skip connection and Inner goes down and back up.
//     Requires Inner to keep the height and width of its input.
//   Residual<Inner>: y = x + Inner(x). Requires Inner to keep the shape of its input.
// Both keep Inner's output in the workspace for backward.
#include <cstddef>
#include <string>

#include "latentlab/backend/cpu/concat.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

// What the two combinators share: the inner layer, its output and its input gradient.
template <class Spec, class InnerSpec, ShapeType In, class T, class Backend>
class Branch {
protected:
    using Inner = layer_t<InnerSpec, In, T, Backend>;
    using InnerOut = typename Inner::output_shape;

public:
    using input_shape = In;
    static constexpr std::size_t parameter_count = Inner::parameter_count;
    static constexpr std::size_t state_count = Inner::state_count;

    template <class F>
    void for_each_child(F&& f) {
        f(inner_);
    }
    void attach(ParameterCursor<T>& cursor) {
        cursor.push("0");
        inner_.attach(cursor);
        cursor.pop();
    }
    void initialize(Rng& rng) { inner_.initialize(rng); }
    void plan(Arena& arena, std::size_t batch, const Backend& backend) {
        inner_output_ = arena.take<T>(batch * InnerOut::size);
        inner_gradient_ = arena.take<T>(batch * InnerOut::size);
        input_gradient_ = arena.take<T>(batch * In::size);
        inner_.plan(arena, batch, backend);
    }

protected:
    Inner inner_;
    T* inner_output_ = nullptr;
    T* inner_gradient_ = nullptr;  // ∂L/∂(inner output)
    T* input_gradient_ = nullptr;  // ∂L/∂x through the inner branch
};

template <class Inner>
struct SkipConcat {
    static constexpr Dims output(Dims in) { return {in.height, in.width, in.channels + Inner::output(in).channels}; }

    template <ShapeType In, class T, class Backend>
    class Layer : public Branch<SkipConcat, Inner, In, T, Backend> {
        using Base = Branch<SkipConcat, Inner, In, T, Backend>;
        using typename Base::InnerOut;
        static_assert(checks::branch_keeps_spatial_size<SkipConcat, In, InnerOut>());
        static constexpr std::size_t pixels = std::size_t(In::height) * In::width;

    public:
        using output_shape = Shape<In::height, In::width, In::channels + InnerOut::channels>;
        static constexpr std::size_t flops = Base::Inner::flops;
        static std::string name() { return "SkipConcat"; }

        void forward(Backend& backend, const Pass& pass, ConstView<T, In> x, TensorView<T, output_shape> y) {
            this->inner_.forward(backend, pass, x, {this->inner_output_, x.batch});
            concat_channels(backend, x.data, In::channels, this->inner_output_,
                            InnerOut::channels, y.data, x.batch * pixels);
        }
        void backward(Backend& backend, const Pass& pass, ConstView<T, In> x, ConstView<T, output_shape>,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            const std::size_t n = x.batch;
            // Only the inner half of dy is needed before the inner backward; the skip half is
            // added into dx afterwards, together with the inner branch's input gradient.
            split_channels<T>(backend, dy.data, In::channels, InnerOut::channels, nullptr, nullptr,
                              this->inner_gradient_, n * pixels);
            T* inner_dx = dx.data ? this->input_gradient_ : nullptr;
            this->inner_.backward(backend, pass, x, {this->inner_output_, n}, {this->inner_gradient_, n},
                                  {inner_dx, n});
            if (dx.data)
                split_channels<T>(backend, dy.data, In::channels, InnerOut::channels, dx.data, inner_dx, nullptr,
                                  n * pixels);
        }
    };
};

template <class Inner>
struct Residual {
    static constexpr Dims output(Dims in) { return in; }

    template <ShapeType In, class T, class Backend>
    class Layer : public Branch<Residual, Inner, In, T, Backend> {
        using Base = Branch<Residual, Inner, In, T, Backend>;
        using typename Base::InnerOut;
        static_assert(checks::branch_keeps_shape<Residual, In, InnerOut>());

    public:
        using output_shape = In;
        static constexpr std::size_t flops = Base::Inner::flops + In::size;
        static std::string name() { return "Residual"; }

        void forward(Backend& backend, const Pass& pass, ConstView<T, In> x, TensorView<T, output_shape> y) {
            this->inner_.forward(backend, pass, x, {this->inner_output_, x.batch});
            add(backend, x.data, this->inner_output_, y.data, x.size());
        }
        void backward(Backend& backend, const Pass& pass, ConstView<T, In> x, ConstView<T, output_shape>,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            const std::size_t n = x.batch;
            T* inner_dx = dx.data ? this->input_gradient_ : nullptr;
            this->inner_.backward(backend, pass, x, {this->inner_output_, n}, dy, {inner_dx, n});
            if (dx.data) add(backend, dy.data, inner_dx, dx.data, x.size());
        }
    };
};

}  // namespace latentlab
