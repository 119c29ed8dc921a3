#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
constexpr SeparableOptions relu{.activation = Activation::relu()};
constexpr SeparableOptions strided_tanh{.stride = 2, .activation = Activation::tanh()};
constexpr SeparableOptions dilated_valid{
    .dilation = 2, .padding = Padding::valid(), .activation = Activation::sigmoid()};
constexpr SeparableOptions explicit_pad{.stride = 2, .padding = Padding::explicit_(1, 2, 0, 1), .bias = false};

template <class Spec, ShapeType In>
using SeparableLayer = layer_t<Spec, In, double, Cpu>;
}  // namespace

TEST_CASE("SeparableConv2d shapes, parameters and FLOPs", "[separable]") {
    using Plain = SeparableLayer<SeparableConv2d<5, 3>, Shape<7, 6, 4>>;
    STATIC_REQUIRE(std::is_same_v<Plain::output_shape, Shape<7, 6, 5>>);
    STATIC_REQUIRE(Plain::parameter_count == 3 * 3 * 4 + 4 * 5 + 5);
    STATIC_REQUIRE(Plain::flops == 2 * 7 * 6 * 4 * 9 + 2 * 7 * 6 * 4 * 5);
    using Strided = SeparableLayer<SeparableConv2d<2, 4, explicit_pad>, Shape<7, 6, 3>>;
    STATIC_REQUIRE(std::is_same_v<Strided::output_shape, Shape<4, 2, 2>>);
    STATIC_REQUIRE(Strided::parameter_count == 4 * 4 * 3 + 3 * 2);

    Network<SeparableConv2d<5, 3>, Shape<7, 6, 4>> net;
    const auto& infos = net.parameter_infos();
    REQUIRE(infos.size() == 3);
    CHECK(infos[0].name == "depthwise");
    CHECK(infos[0].shape == std::vector<std::size_t>{3, 3, 4, 1});
    CHECK(infos[1].name == "pointwise");
    CHECK(infos[1].shape == std::vector<std::size_t>{1, 1, 4, 5});
    CHECK(infos[2].name == "bias");
    CHECK(infos[2].shape == std::vector<std::size_t>{5});
}

TEST_CASE("SeparableConv2d is DepthwiseConv2d then a pointwise Conv2d", "[separable]") {
    constexpr DepthwiseOptions dw{.stride = 2, .bias = false};
    constexpr ConvOptions pw{.activation = Activation::tanh()};
    Network<SeparableConv2d<4, 3, strided_tanh>, Shape<7, 6, 3>, Cpu, double> separable({.seed = 1});
    Network<Sequential<DepthwiseConv2d<3, dw>, Conv2d<4, 1, pw>>, Shape<7, 6, 3>, Cpu, double> composed({.seed = 2});
    REQUIRE(separable.parameters().size() == composed.parameters().size());
    std::copy(separable.parameters().begin(), separable.parameters().end(), composed.parameters().begin());
    separable.plan(3);
    composed.plan(3);
    auto x = random_tensor<double, Shape<7, 6, 3>>(3, 4);
    const auto a = separable.forward(x.view());
    const auto b = composed.forward(x.view());
    CHECK(relative_error(a.data, b.data, a.size()) <= 1e-15);
}

TEMPLATE_TEST_CASE("SeparableConv2d gradients match central differences", "[separable][gradient]",
                   (SeparableConv2d<4, 3>), (SeparableConv2d<5, 3, relu>), (SeparableConv2d<4, 2>),
                   (SeparableConv2d<3, 3, strided_tanh>), (SeparableConv2d<2, 3, dilated_valid>),
                   (SeparableConv2d<3, 4, explicit_pad>), (SeparableConv2d<2, 1>)) {
    Network<TestType, Shape<7, 6, 3>, Cpu, double> net({.seed = 3});
    auto x = random_tensor<double, Shape<7, 6, 3>>(2, 5);
    check_gradients(net, x);
}

TEST_CASE("SeparableConv2d does not depend on the thread count", "[separable]") {
    check_thread_independence<SeparableConv2d<5, 3, strided_tanh>, Shape<9, 8, 3>>();
}

TEST_CASE("SeparableConv2d matches PyTorch", "[separable][golden]") {
    SECTION("separable3x3_same_relu") {
        check_golden_both<SeparableConv2d<6, 3, relu>, Shape<8, 8, 4>>("separable3x3_same_relu");
    }
    SECTION("separable2x2_same") { check_golden_both<SeparableConv2d<5, 2>, Shape<6, 6, 3>>("separable2x2_same"); }
}
