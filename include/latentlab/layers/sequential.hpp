#pragma once
// Sequential<L1, ..., Ln>: x → L1 → ... → Ln. Owns the activations between its children
// (kept for backward) and two ping-pong buffers for the gradients flowing back through
// them: the gradient into child i is only needed until child i−1 has consumed it.
#include <array>
#include <cstddef>
#include <string>
#include <tuple>
#include <utility>

#include "latentlab/layers/layer.hpp"

namespace latentlab {

template <class... L>
struct Sequential {
    static_assert(sizeof...(L) > 0, "Sequential needs at least one layer");
    static constexpr std::size_t count = sizeof...(L);

    // The shape before each child and after the last: one constexpr fold, no recursion.
    static constexpr std::array<Dims, count + 1> shapes(Dims in) {
        std::array<Dims, count + 1> dims{};
        dims[0] = in;
        std::size_t i = 0;
        ((dims[i + 1] = L::output(dims[i]), ++i), ...);
        return dims;
    }
    static constexpr Dims output(Dims in) { return shapes(in)[count]; }

    template <ShapeType In, class T, class Backend>
    class Layer {
        static constexpr auto dims = shapes(In::dims);
        template <std::size_t I>
        using shape_at = Shape<dims[I].height, dims[I].width, dims[I].channels>;
        template <std::size_t I>
        using child_t = layer_t<std::tuple_element_t<I, std::tuple<L...>>, shape_at<I>, T, Backend>;
        using Children = decltype([]<std::size_t... I>(std::index_sequence<I...>) -> std::tuple<child_t<I>...> {
            return {};
        }(std::make_index_sequence<count>{}));

        template <class F>
        static constexpr std::size_t sum(F f) {
            return [&]<std::size_t... I>(std::index_sequence<I...>) { return (f.template operator()<child_t<I>>() + ...); }(
                std::make_index_sequence<count>{});
        }

    public:
        using input_shape = In;
        using output_shape = shape_at<count>;
        static constexpr std::size_t parameter_count = sum([]<class C>() { return C::parameter_count; });
        static constexpr std::size_t state_count = sum([]<class C>() { return C::state_count; });
        static constexpr std::size_t flops = sum([]<class C>() { return C::flops; });

        static std::string name() { return "Sequential"; }

        template <class F>
        void for_each_child(F&& f) {
            std::apply([&](auto&... child) { (f(child), ...); }, children_);
        }
        void attach(ParameterCursor<T>& cursor) {
            each([&]<std::size_t I>() {
                cursor.push(std::to_string(I));
                std::get<I>(children_).attach(cursor);
                cursor.pop();
            });
        }
        void initialize(Rng& rng) {
            for_each_child([&](auto& child) { child.initialize(rng); });
        }
        void plan(Arena& arena, std::size_t batch, const Backend& backend) {
            std::size_t largest = 0;
            for (std::size_t i = 1; i < count; ++i) {
                activations_[i - 1] = arena.take<T>(batch * dims[i].size());
                largest = std::max(largest, dims[i].size());
            }
            if constexpr (count > 1)
                for (auto& buffer : gradients_) buffer = arena.take<T>(batch * largest);
            for_each_child([&](auto& child) { child.plan(arena, batch, backend); });
        }
        void forward(Backend& backend, const Pass& pass, ConstView<T, In> x, TensorView<T, output_shape> y) {
            each([&]<std::size_t I>() {
                std::get<I>(children_).forward(backend, pass, input<I>(x), output<I>(y));
            });
        }
        void backward(Backend& backend, const Pass& pass, ConstView<T, In> x, ConstView<T, output_shape> y,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            each_reversed([&]<std::size_t I>() {
                const std::size_t batch = x.batch;
                ConstView<T, shape_at<I + 1>> d_out;
                if constexpr (I + 1 == count) d_out = dy;
                else d_out = {gradients_[I % 2], batch};
                TensorView<T, shape_at<I>> d_in;
                if constexpr (I == 0) d_in = dx;
                else d_in = {gradients_[(I + 1) % 2], batch};
                std::get<I>(children_).backward(backend, pass, input<I>(x), output<I>(y), d_out, d_in);
            });
        }

    private:
        template <class F>
        static void each(F&& f) {
            [&]<std::size_t... I>(std::index_sequence<I...>) { (f.template operator()<I>(), ...); }(
                std::make_index_sequence<count>{});
        }
        template <class F>
        static void each_reversed(F&& f) {
            [&]<std::size_t... I>(std::index_sequence<I...>) { (f.template operator()<count - 1 - I>(), ...); }(
                std::make_index_sequence<count>{});
        }
        template <std::size_t I>
        ConstView<T, shape_at<I>> input(ConstView<T, In> x) const {
            if constexpr (I == 0) return x;
            else return {activations_[I - 1], x.batch};
        }
        // Q is T while running forward and const T while running backward.
        template <std::size_t I, class Q>
        TensorView<Q, shape_at<I + 1>> output(TensorView<Q, output_shape> y) const {
            if constexpr (I + 1 == count) return y;
            else return {activations_[I], y.batch};
        }

        Children children_;
        std::array<T*, count - 1> activations_{};
        std::array<T*, 2> gradients_{};
    };
};

}  // namespace latentlab
