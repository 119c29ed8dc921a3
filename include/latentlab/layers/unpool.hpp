#pragma once
// MaxUnpool2d<"pool", UnpoolOptions>: the inverse routing of a MaxPool2d elsewhere in the same
// network, the one wrapped in Tag<"pool", MaxPool2d<...>>. Each input value goes to the
// position of its pool's recorded maximum; every other output is zero. Values whose maxima
// coincide (overlapping pool windows) are summed, like tf.scatter_nd.
//
// Output shape. A layer's output shape is a function of its input shape alone (it must be
// known while Sequential computes shapes, before any network exists), so the pool cannot
// supply it. It is factor × the input's height and width (factor 2 by default, the usual
// MaxPool2d<2>), or the height and width given in the options, for pools whose input was not
// a multiple of their stride (a 'same' MaxPool2d<2> over 7×7 gives 4×4; unpool with
// UnpoolOptions{.height = 7, .width = 7}). Channels are the input's.
//
// Linking. The network calls link(root) once, after attach; it finds the tag. Checked at
// compile time, where the tagged layer's type is known: the tag wraps a MaxPool2d, the
// unpool's input shape is the pool's output shape, and its output shape is the pool's input
// shape. Checked at construction (latentlab::Error naming the tag): the tag exists, once.
// The pool must run before the unpool in every forward (as in an encoder/decoder); a pool
// whose last forward saw another batch size raises latentlab::Error.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "latentlab/backend/cpu/unpool.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/fixed_string.hpp"
#include "latentlab/core/static_check.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/layers/layer.hpp"
#include "latentlab/layers/pool.hpp"
#include "latentlab/layers/tag.hpp"

namespace latentlab {

struct UnpoolOptions {
    int factor = 2;  // output height and width = factor × input's, unless given below
    int height = 0;  // > 0: the output height (the pool's input height)
    int width = 0;   // > 0: the output width

    constexpr bool valid() const { return factor > 0 && height >= 0 && width >= 0; }
};

// The state type of a max-pooling layer: one that records its argmax for unpooling.
template <class L>
concept RecordsArgmax = requires(const L& layer) {
    { layer.argmax() } -> std::same_as<const PoolArgmax&>;
};

namespace checks {

template <class Unpool, class TaggedLayer>
constexpr bool tag_wraps_max_pool() {
    static_assert(RecordsArgmax<typename TaggedLayer::inner_type>,
                  "MaxUnpool2d: the layer under the tag it names is not a MaxPool2d, so it has no argmax to "
                  "unpool with: tag the MaxPool2d itself, Tag<\"name\", MaxPool2d<...>>");
    return true;
}

template <class Unpool, class UnpoolInput, class UnpoolOutput, class PoolInput, class PoolOutput>
constexpr bool unpool_mirrors_pool() {
    static_assert(UnpoolInput::dims == PoolOutput::dims,
                  "MaxUnpool2d: its input must have the shape of its MaxPool2d's output (one value per recorded "
                  "argmax)");
    static_assert(UnpoolOutput::dims == PoolInput::dims,
                  "MaxUnpool2d: its output shape (factor x input, or the height and width of its "
                  "UnpoolOptions) must equal its MaxPool2d's input shape: give UnpoolOptions{.height, .width} "
                  "when the pool's input is not a multiple of its stride");
    return true;
}

}  // namespace checks

template <FixedString PoolTag, UnpoolOptions O = UnpoolOptions{}>
struct MaxUnpool2d {
    static constexpr bool options_valid = O.valid();

    static constexpr Dims output(Dims in) {
        return {O.height > 0 ? O.height : in.height * O.factor, O.width > 0 ? O.width : in.width * O.factor,
                in.channels};
    }

    template <ShapeType In, class T, class Backend>
    class Layer : public Parameterless {
        static_assert(checks::options_are_valid<MaxUnpool2d, In>());
        static constexpr Dims out_dims = output(In::dims);

    public:
        using input_shape = In;
        using output_shape = Shape<out_dims.height, out_dims.width, out_dims.channels>;
        static constexpr std::size_t flops = In::size;

        static std::string name() { return "MaxUnpool2d \"" + std::string(PoolTag.view()) + "\""; }

        // Finds Tag<PoolTag, MaxPool2d<...>> in the network (called by link_layers).
        template <class Root>
        void link(Root& root) {
            int found = 0;
            visit_layers(root, [&](auto& layer, int) {
                using L = std::remove_cvref_t<decltype(layer)>;
                if constexpr (TaggedAs<L, PoolTag>) {
                    ++found;
                    using Pool = typename L::inner_type;
                    static_assert(checks::tag_wraps_max_pool<Layer, L>());
                    if constexpr (RecordsArgmax<Pool>) {
                        static_assert(checks::unpool_mirrors_pool<Layer, In, output_shape, typename Pool::input_shape,
                                                                  typename Pool::output_shape>());
                        pool_ = &layer.inner().argmax();
                        pool_geometry_ = Pool::geometry;
                    }
                }
            });
            require(found > 0, name(), ": no layer of the network is tagged \"", PoolTag.view(),
                    "\"; wrap the MaxPool2d whose argmax it should use in Tag<\"", PoolTag.view(),
                    "\", MaxPool2d<...>>");
            require(found == 1, name(), ": ", found, " layers of the network are tagged \"", PoolTag.view(),
                    "\", so the pool it refers to is ambiguous; give each tag a distinct name");
        }

        void plan(Arena&, std::size_t, const Backend&) {}
        void forward(Backend& backend, const Pass&, ConstView<T, In> x, TensorView<T, output_shape> y) {
            check_pool(x.batch);
            max_unpool_forward(backend, pool_geometry_, x.data, pool_->data, y.data, x.batch);
        }
        void backward(Backend& backend, const Pass&, ConstView<T, In> x, ConstView<T, output_shape>,
                      ConstView<T, output_shape> dy, TensorView<T, In> dx) {
            check_pool(x.batch);
            if (dx.data)
                max_unpool_backward(backend, pool_geometry_, dy.data, pool_->data, dx.data, x.batch);
        }

    private:
        void check_pool(std::size_t batch) const {
            // fail() rather than require(): name() would build a string on every call.
            if (pool_ == nullptr)
                fail(name(), ": not linked to its pool (a Network links its layers when it is built)");
            if (pool_->batch != batch)
                fail(name(), ": its pool \"", PoolTag.view(), "\" last ran on ", pool_->batch,
                     " images but the unpool's input holds ", batch,
                     "; the pool must run before the unpool in the same forward");
        }

        const PoolArgmax* pool_ = nullptr;
        Window2d pool_geometry_{};  // its shapes mirror this layer's (checked in link)
    };
};

}  // namespace latentlab
