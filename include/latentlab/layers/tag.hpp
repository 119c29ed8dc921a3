#pragma once
// Tag<"name", L>: L, with a name. Tags are the tap points of a network: latents and saliency
// read a tagged layer's output by name, MaxUnpool2d<"name"> finds its pool's indices
// through one, and parameters under a tag are exported as "name.weight".
#include <string>

#include "latentlab/core/fixed_string.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

template <FixedString Name, class L>
struct Tag {
    static constexpr Dims output(Dims in) { return L::output(in); }

    template <ShapeType In, class T, class Backend>
    class Layer {
        using Inner = layer_t<L, In, T, Backend>;

    public:
        static constexpr FixedString tag_name = Name;
        using inner_type = Inner;
        using input_shape = In;
        using output_shape = typename Inner::output_shape;
        static constexpr std::size_t parameter_count = Inner::parameter_count;
        static constexpr std::size_t state_count = Inner::state_count;
        static constexpr std::size_t flops = Inner::flops;

        static std::string name() { return "Tag \"" + std::string(Name.view()) + "\""; }

        template <class F>
        void for_each_child(F&& f) {
            f(inner_);
        }
        Inner& inner() { return inner_; }
        // The output of the last forward (valid until the next one): what latents read.
        ConstView<T, output_shape> last_output() const { return last_output_; }

        void attach(ParameterCursor<T>& cursor) {
            cursor.push(std::string(Name.view()), /*tag=*/true);
            inner_.attach(cursor);
            cursor.pop();
        }
        void initialize(Rng& rng) { inner_.initialize(rng); }
        void plan(Arena& arena, std::size_t batch, const Backend& backend) { inner_.plan(arena, batch, backend); }
        void forward(Backend& backend, const Pass& pass, ConstView<T, In> x, TensorView<T, output_shape> y) {
            inner_.forward(backend, pass, x, y);
            last_output_ = y;
        }
        void backward(Backend& backend, const Pass& pass, ConstView<T, In> x, ConstView<T, output_shape> y,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            inner_.backward(backend, pass, x, y, dy, dx);
        }

    private:
        Inner inner_;
        ConstView<T, output_shape> last_output_{};
    };
};

// True for the state type of a Tag named `Name`.
template <class L, FixedString Name>
concept TaggedAs = requires { L::tag_name; } && (L::tag_name == Name);

}  // namespace latentlab
