#pragma once
// One recursive U-Net template for NN2, NN3 and the full U-Nets of E1 (and their separable
// twins). Level i (0 = full resolution) is
//     e{i+1}: conv block [+ dropout]                      — tagged "e1", "e2", …
//     SkipConcat< MaxPool2 → level i+1 → Up2 → up-conv 2×2 > — skip first, then the branch;
//                                                            the up-conv tagged "u1", "u2", …
//     d{i+1}: conv block (level 0: the head convs)          — tagged "d1", "d2", …
// and the deepest level is the bottleneck block (tagged "bottleneck"). The network ends in
// a 1×1 classifier (tagged "classifier") and a softmax over the classes. Convs are 'same', ReLU, He-normal init
// (as the Keras originals); "separable" replaces every conv, up-convs and the classifier
// included, by a depthwise K×K (no bias) + pointwise 1×1 (with bias) pair.
#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "latentlab/layers/conv.hpp"
#include "latentlab/layers/dropout.hpp"
#include "latentlab/layers/pool.hpp"
#include "latentlab/layers/separable.hpp"
#include "latentlab/layers/skip.hpp"
#include "latentlab/layers/softmax.hpp"
#include "latentlab/layers/tag.hpp"
#include "latentlab/layers/upsample.hpp"
#include "latentlab/models/compose.hpp"

namespace latentlab::models {

enum class ConvKind { plain, separable };

struct UNetConfig {
    std::array<int, 8> widths{};   // widths[i] for level i; widths[levels] is the bottleneck
    int levels = 4;                // pooling steps between the input and the bottleneck
    int convs_per_level = 1;
    ConvKind conv = ConvKind::plain;
    bool dropout_deepest_encoder = true;  // after e{levels}, before its pool and its skip
    bool dropout_bottleneck = false;
    float dropout_rate = 0.5f;
    std::array<int, 4> head{};     // the convs of the top decoder level
    int head_count = 0;
    int classes = 4;
    Init init = Init::he_normal;
};

namespace detail {

template <UNetConfig C, int Out, int K, Activation A = Activation::relu()>
struct UNetConv {
    using type = std::conditional_t<C.conv == ConvKind::plain, Conv2d<Out, K, ConvOptions{.activation = A, .init = C.init}>,
                                    SeparableConv2d<Out, K, SeparableOptions{.activation = A, .init = C.init}>>;
};

template <bool Present, float Rate>
using maybe_dropout = std::conditional_t<Present, layers<Dropout<Rate>>, layers<>>;

// One layer list as a single layer: itself if it has one element, else a Sequential.
template <class List>
using as_layer = std::conditional_t<std::tuple_size_v<List> == 1, std::tuple_element_t<0, List>,
                                    sequential_of<List>>;

template <UNetConfig C, class Indices>
struct UNetHead;
template <UNetConfig C, std::size_t... I>
struct UNetHead<C, std::index_sequence<I...>> {
    using type = layers<typename UNetConv<C, C.head[I], 3>::type...>;
};

template <UNetConfig C, int Level>
struct UNetLevel {
    static constexpr int width = C.widths[Level];
    using conv = typename UNetConv<C, width, 3>::type;
    using block = repeated<conv, C.convs_per_level>;
    using encoder = Tag<level_name<'e', Level + 1>(),
                        as_layer<decltype(std::tuple_cat(block{},
                                                         maybe_dropout<Level + 1 == C.levels && C.dropout_deepest_encoder,
                                                                       C.dropout_rate>{}))>>;
    using down_and_up = sequential_of<layers<MaxPool2d<2>>, typename UNetLevel<C, Level + 1>::list,
                                      layers<Upsample<2, Interpolation::nearest>,
                                             Tag<level_name<'u', Level + 1>(), typename UNetConv<C, width, 2>::type>>>;
    using decoder_block =
        std::conditional_t<Level == 0, typename UNetHead<C, std::make_index_sequence<C.head_count>>::type, block>;
    using decoder = Tag<level_name<'d', Level + 1>(), as_layer<decoder_block>>;
    using list = layers<encoder, SkipConcat<down_and_up>, decoder>;
};

template <UNetConfig C, int Level>
    requires(Level == C.levels)
struct UNetLevel<C, Level> {
    using block = decltype(std::tuple_cat(repeated<typename UNetConv<C, C.widths[Level], 3>::type, C.convs_per_level>{},
                                          maybe_dropout<C.dropout_bottleneck, C.dropout_rate>{}));
    using list = layers<Tag<"bottleneck", as_layer<block>>>;
};

}  // namespace detail

template <UNetConfig C>
struct UNet {
    static_assert(C.levels >= 1 && C.levels < 8, "a U-Net needs 1 to 7 levels above the bottleneck");
    static_assert(C.convs_per_level >= 1 && C.head_count >= 1, "every U-Net level needs at least one conv");
    using classifier = typename detail::UNetConv<C, C.classes, 1, Activation::identity()>::type;
    using type = sequential_of<typename detail::UNetLevel<C, 0>::list, layers<Tag<"classifier", classifier>, Softmax>>;
};

inline constexpr UNetConfig nn2_config{.widths = {4, 8, 16, 32, 64}, .head = {16, 8}, .head_count = 2};
inline constexpr UNetConfig nn3_config{.widths = {4, 8, 16, 32, 64},
                                       .conv = ConvKind::separable,
                                       .dropout_bottleneck = true,
                                       .head = {16, 8},
                                       .head_count = 2};
inline constexpr UNetConfig full_unet_config{.widths = {4, 8, 16, 32, 64},
                                             .convs_per_level = 2,
                                             .dropout_bottleneck = true,
                                             .head = {16, 8, 4},
                                             .head_count = 3};
inline constexpr UNetConfig full_separable_unet_config{.widths = {4, 8, 16, 32, 64},
                                                       .convs_per_level = 2,
                                                       .conv = ConvKind::separable,
                                                       .dropout_bottleneck = true,
                                                       .head = {16, 8, 4},
                                                       .head_count = 3};

// E1's narrow U-Net, one conv per level (62,264 parameters on 64×64×3).
using NN2 = UNet<nn2_config>::type;
// NN2 with separable convs and dropout after the bottleneck too (10,975 parameters).
using NN3 = UNet<nn3_config>::type;
// The original's full U-Nets: two convs per level.
using FullUNet = UNet<full_unet_config>::type;
using FullSeparableUNet = UNet<full_separable_unet_config>::type;

}  // namespace latentlab::models
