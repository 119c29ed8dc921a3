#pragma once
// Dropout<Rate>: inverted dropout. In training each element is zeroed with probability Rate
// and the rest are scaled by 1 / (1 − Rate); in evaluation it is the identity.
//
// The mask is a pure function of (network seed, step, layer, element): element e of the
// batch is kept iff word e mod 4 of random_bits(seed, dropout_stream(layer, step), e / 4) is
// at least dropout_threshold(Rate). Nothing is stored; backward recomputes the mask. The
// same (seed, step) gives the same mask on every run, thread count and backend.
//
// `layer` is the Dropout's position among the network's Dropout layers in execution
// (depth-first) order, 0, 1, ...: two Dropouts of one network never share a mask. It is set
// by link(root), which the network calls once after attach; ParameterCursor cannot number
// layers without parameters, so attach() could not. Adding a Dropout earlier in a network
// renumbers the ones after it (their masks change; nothing else does).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>

#include "latentlab/backend/cpu/dropout.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab {

// The Philox stream of one Dropout layer at one step: bit 63 keeps it apart from every other
// user of the seed (initial weights use stream 0), bits 48–62 are the layer, 0–47 the step.
constexpr std::uint64_t dropout_stream(std::uint64_t layer, std::uint64_t step) {
    return (std::uint64_t{1} << 63) | ((layer & 0x7FFF) << 48) | (step & 0xFFFF'FFFF'FFFFu);
}
inline constexpr std::uint64_t max_dropout_layers = 0x8000;

// Words below the threshold drop their element: P(drop) = threshold / 2^32 ≈ rate.
constexpr std::uint32_t dropout_threshold(double rate) {
    return static_cast<std::uint32_t>(rate * 4294967296.0);
}

namespace checks {
template <class Layer, class Input>
constexpr bool dropout_rate_is_valid() {
    static_assert(Layer::options_valid, "Dropout: the rate must be in [0, 1)");
    return true;
}
}  // namespace checks

template <float Rate>
struct Dropout {
    static constexpr bool options_valid = Rate >= 0.0f && Rate < 1.0f;
    static constexpr Dims output(Dims in) { return in; }

    template <ShapeType In, class T, class Backend>
    class Layer : public Parameterless {
        static_assert(checks::dropout_rate_is_valid<Dropout, In>());

    public:
        using input_shape = In;
        using output_shape = In;
        static constexpr bool is_dropout = true;
        static constexpr float rate = Rate;
        static constexpr std::size_t flops = In::size;

        static std::string name() {
            std::ostringstream text;
            text << "Dropout " << Rate;
            return text.str();
        }

        // Numbers this layer among the network's Dropouts (called by link_layers).
        template <class Root>
        void link(Root& root) {
            std::uint64_t seen = 0;
            visit_layers(root, [&](auto& layer, int) {
                using L = std::remove_cvref_t<decltype(layer)>;
                if constexpr (requires { L::is_dropout; }) {
                    if (static_cast<const void*>(&layer) == static_cast<const void*>(this)) layer_index_ = seen;
                    ++seen;
                }
            });
            require(seen <= max_dropout_layers, "Dropout: a network may hold at most ", max_dropout_layers,
                    " Dropout layers (it holds ", seen, ")");
        }
        std::uint64_t layer_index() const { return layer_index_; }

        void plan(Arena&, std::size_t, const Backend&) {}
        void forward(Backend& backend, const Pass& pass, ConstView<T, In> x, TensorView<T, output_shape> y) {
            apply(backend, pass, x.data, y.data, x.batch);
        }
        void backward(Backend& backend, const Pass& pass, ConstView<T, In> x, ConstView<T, output_shape>,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            if (dx.data) apply(backend, pass, dy.data, dx.data, x.batch);
        }

    private:
        void apply(Backend& backend, const Pass& pass, const T* in, T* out, std::size_t batch) const {
            const bool active = pass.training && Rate > 0.0f;
            dropout_apply(backend, active, pass.seed, dropout_stream(layer_index_, pass.step),
                          dropout_threshold(static_cast<double>(Rate)),
                          static_cast<T>(1.0 / (1.0 - static_cast<double>(Rate))), in, out, In::size, batch);
        }

        std::uint64_t layer_index_ = 0;
    };
};

}  // namespace latentlab
