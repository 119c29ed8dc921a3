#pragma once
// What every layer is. A layer *spec* (Conv2d<8, 3>, MaxPool2d<2>, Sequential<...>) is an
// empty compile-time description; it states
//   static constexpr Dims output(Dims input)   — the shape it produces (plain arithmetic),
//   template <ShapeType In, class T, class Backend> class Layer — its state for one input
//                                                  shape, value type and backend.
// A Layer (the state) states, as the LayerFor concept below checks:
//   input_shape, output_shape, parameter_count, state_count, flops (per image, forward);
//   attach(ParameterCursor&)  — takes its slice of the network's flat parameter arrays;
//   initialize(Rng&)          — draws initial values (He/Glorot as configured);
//   plan(Arena&, batch, backend) — asks for its workspace for `batch` images;
//   forward(backend, pass, x, y)                — requires: x finite, y sized like x's batch;
//                                                 ensures: y = f(x), and whatever backward
//                                                 needs is saved in its workspace;
//   backward(backend, pass, x, y, dy, dx)       — requires: forward ran on the same x, y;
//                                                 ensures: parameter gradients += ∂L/∂θ and,
//                                                 when dx.data != nullptr, dx = ∂L/∂x
//                                                 (overwritten, not accumulated);
// Combinators also state for_each_child(f); visit_layers() walks the tree through it.
// A layer that needs another layer of the same network (MaxUnpool2d needs its pool's
// argmax) states link(root): the network calls it once, after attach, with its root.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/core/shape.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/core/workspace.hpp"

namespace latentlab {

// What a forward/backward call runs for. `step` and `seed` make dropout masks a pure
// function of (seed, step, layer, element), identical on every backend.
struct Pass {
    bool training = false;
    std::uint64_t seed = 0;
    std::uint64_t step = 0;
};

// One named parameter tensor of a network, for summaries and weight exchange.
struct ParameterInfo {
    std::string name;                  // e.g. "3.weight", or "e1.weight" under Tag<"e1", ...>
    std::vector<std::size_t> shape;    // in the layer's documented layout
    std::string layout;                // that layout, one letter per axis: "HWIO", "O", ... (train/weights.hpp)
    std::size_t offset = 0;            // into the flat parameter (or state) array
    bool trainable = true;             // false for buffers such as BatchNorm running stats
};

// Hands out consecutive slices of the network's flat parameter, gradient and state
// (non-trainable buffer) arrays, in layer order, and records their names, shapes and
// layouts. Used once, when a network is built.
template <class T>
class ParameterCursor {
public:
    struct Slice {
        T* value;
        T* gradient;
    };

    ParameterCursor(T* values, T* gradients, T* state) : values_(values), gradients_(gradients), state_(state) {}

    Slice take(std::string_view name, std::vector<std::size_t> shape, std::string_view layout) {
        const std::size_t count = record(name, shape, layout, parameter_offset_, true);
        Slice slice{values_ + parameter_offset_, gradients_ + parameter_offset_};
        parameter_offset_ += count;
        return slice;
    }
    T* take_state(std::string_view name, std::vector<std::size_t> shape, std::string_view layout) {
        const std::size_t count = record(name, shape, layout, state_offset_, false);
        T* slice = state_ + state_offset_;
        state_offset_ += count;
        return slice;
    }
    // Names of parameters taken between push and pop are prefixed with `part` + ".". A tag's
    // part starts the name afresh: the positions of the combinators around a tag are left
    // out, so NN2's bottleneck conv is "bottleneck.weight", not "1.0.2.0.2.0.2.0.1.bottleneck.weight"
    // (nested tags keep each other: "encoder.e1.weight").
    void push(std::string part, bool tag = false) { prefix_.push_back({std::move(part), tag}); }
    void pop() { prefix_.pop_back(); }

    std::size_t parameters_taken() const { return parameter_offset_; }
    std::size_t state_taken() const { return state_offset_; }
    const std::vector<ParameterInfo>& infos() const { return infos_; }

private:
    std::size_t record(std::string_view name, const std::vector<std::size_t>& shape, std::string_view layout,
                       std::size_t offset, bool trainable) {
        require(layout.size() == shape.size(), "parameter \"", name, "\": layout \"", layout, "\" has ",
                layout.size(), " letters for a tensor of rank ", shape.size());
        std::size_t first = 0;  // the parts after the innermost tag, and every tag
        for (std::size_t i = 0; i < prefix_.size(); ++i)
            if (prefix_[i].tag) first = i;
        std::string full;
        for (std::size_t i = 0; i < prefix_.size(); ++i)
            if (prefix_[i].tag || i >= first) full += prefix_[i].text + ".";
        full += name;
        for (const auto& info : infos_)
            require(info.name != full, "two parameters of the network are both named \"", full,
                    "\": give the tags that hold them different names");
        std::size_t count = 1;
        for (auto extent : shape) count *= extent;
        infos_.push_back({std::move(full), shape, std::string(layout), offset, trainable});
        return count;
    }

    T* values_;
    T* gradients_;
    T* state_;
    std::size_t parameter_offset_ = 0;
    std::size_t state_offset_ = 0;
    struct Part {
        std::string text;
        bool tag = false;
    };
    std::vector<Part> prefix_;
    std::vector<ParameterInfo> infos_;
};

template <class Spec, ShapeType In, class T, class Backend>
using layer_t = typename Spec::template Layer<In, T, Backend>;

template <class L, class T, class Backend>
concept LayerFor = requires(L layer, ParameterCursor<T>& cursor, Rng& rng, Arena& arena, Backend& backend,
                            const Pass& pass,
                            ConstView<T, typename L::input_shape> x, TensorView<T, typename L::output_shape> y,
                            ConstView<T, typename L::output_shape> y_const, TensorView<T, typename L::input_shape> dx) {
    requires ShapeType<typename L::input_shape>;
    requires ShapeType<typename L::output_shape>;
    { L::parameter_count } -> std::convertible_to<std::size_t>;
    { L::state_count } -> std::convertible_to<std::size_t>;
    { L::flops } -> std::convertible_to<std::size_t>;
    { L::name() } -> std::convertible_to<std::string>;
    layer.attach(cursor);
    layer.initialize(rng);
    layer.plan(arena, std::size_t{}, backend);
    layer.forward(backend, pass, x, y);
    layer.backward(backend, pass, x, y_const, y_const, dx);
};

// Defaults for layers without parameters or children.
struct Parameterless {
    static constexpr std::size_t parameter_count = 0;
    static constexpr std::size_t state_count = 0;
    template <class T>
    void attach(ParameterCursor<T>&) {}
    void initialize(Rng&) {}
};

// Calls f(layer, depth) on `layer` and then, depth-first in execution order, on every layer
// inside it (summaries, tag lookup, linking unpooling layers to their pools).
template <class L, class F>
void visit_layers(L& layer, F&& f, int depth = 0) {
    f(layer, depth);
    if constexpr (requires { layer.for_each_child([](auto&) {}); })
        layer.for_each_child([&](auto& child) { visit_layers(child, f, depth + 1); });
}

// Calls link(root) on every layer of `root` that has one.
template <class Root>
void link_layers(Root& root) {
    visit_layers(root, [&](auto& layer, int) {
        if constexpr (requires { layer.link(root); }) layer.link(root);
    });
}

}  // namespace latentlab
