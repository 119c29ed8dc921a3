#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
constexpr DepthwiseOptions m2_s2_relu{.multiplier = 2, .stride = 2, .activation = Activation::relu()};
constexpr DepthwiseOptions m2_s2_tanh{.multiplier = 2, .stride = 2, .activation = Activation::tanh()};
constexpr DepthwiseOptions dilated_valid{
    .dilation = 2, .padding = Padding::valid(), .activation = Activation::sigmoid()};
constexpr DepthwiseOptions explicit_pad{.stride = 2, .padding = Padding::explicit_(1, 2, 0, 1), .bias = false};
constexpr DepthwiseOptions m3_leaky{.multiplier = 3, .activation = Activation::leaky_relu(0.1f)};
constexpr DepthwiseOptions m2_s2{.multiplier = 2, .stride = 2};

template <class Spec, ShapeType In>
using DepthwiseLayer = layer_t<Spec, In, double, Cpu>;
}  // namespace

TEST_CASE("DepthwiseConv2d shapes, parameters and FLOPs", "[depthwise]") {
    using Plain = DepthwiseLayer<DepthwiseConv2d<3>, Shape<7, 6, 3>>;
    STATIC_REQUIRE(std::is_same_v<Plain::output_shape, Shape<7, 6, 3>>);
    STATIC_REQUIRE(Plain::parameter_count == 3 * 3 * 3 + 3);
    STATIC_REQUIRE(Plain::flops == 2 * 7 * 6 * 3 * 9);
    using Multiplied = DepthwiseLayer<DepthwiseConv2d<3, m2_s2_relu>, Shape<7, 6, 3>>;
    STATIC_REQUIRE(std::is_same_v<Multiplied::output_shape, Shape<4, 3, 6>>);
    STATIC_REQUIRE(Multiplied::parameter_count == 3 * 3 * 3 * 2 + 6);
    using Padded = DepthwiseLayer<DepthwiseConv2d<4, explicit_pad>, Shape<7, 6, 3>>;
    STATIC_REQUIRE(std::is_same_v<Padded::output_shape, Shape<4, 2, 3>>);
    STATIC_REQUIRE(Padded::parameter_count == 4 * 4 * 3);

    Network<DepthwiseConv2d<3, m2_s2_relu>, Shape<7, 6, 3>> net;
    const auto& infos = net.parameter_infos();
    REQUIRE(infos.size() == 2);
    CHECK(infos[0].name == "weight");
    CHECK(infos[0].shape == std::vector<std::size_t>{3, 3, 3, 2});
    CHECK(infos[1].name == "bias");
    CHECK(infos[1].shape == std::vector<std::size_t>{6});
    CHECK(infos[1].offset == 54);
}

TEST_CASE("DepthwiseConv2d output channel c*M + m is input channel c under filter m", "[depthwise]") {
    // A 1x1 depthwise layer with multiplier 2 is a per-channel scale: checks the channel order.
    Network<DepthwiseConv2d<1, DepthwiseOptions{.multiplier = 2}>, Shape<2, 2, 3>, Cpu, double> net;
    net.plan(1);
    auto p = net.parameters();
    for (std::size_t i = 0; i < 6; ++i) p[i] = double(i + 1);  // w[c][m] = 2c + m + 1
    for (std::size_t i = 0; i < 6; ++i) p[6 + i] = 100.0 * double(i);
    auto x = random_tensor<double, Shape<2, 2, 3>>(1, 3);
    auto y = net.forward(x.view());
    for (int h = 0; h < 2; ++h)
        for (int w = 0; w < 2; ++w)
            for (int c = 0; c < 3; ++c)
                for (int m = 0; m < 2; ++m)
                    CHECK(y(0, h, w, c * 2 + m) == Approx(x(0, h, w, c) * (2 * c + m + 1) + 100.0 * (c * 2 + m)));
}

TEMPLATE_TEST_CASE("DepthwiseConv2d gradients match central differences", "[depthwise][gradient]",
                   (DepthwiseConv2d<3>), (DepthwiseConv2d<2>), (DepthwiseConv2d<3, m2_s2_relu>),
                   (DepthwiseConv2d<4, m2_s2_tanh>), (DepthwiseConv2d<3, dilated_valid>),
                   (DepthwiseConv2d<4, explicit_pad>), (DepthwiseConv2d<1, m3_leaky>)) {
    Network<TestType, Shape<7, 6, 3>, Cpu, double> net({.seed = 3});
    auto x = random_tensor<double, Shape<7, 6, 3>>(2, 5);
    check_gradients(net, x);
}

TEST_CASE("DepthwiseConv2d gradients with enough channels for the register-blocked loop", "[depthwise][gradient]") {
    // 9 channels x 2 = 18 output channels: one full block of 16 doubles plus a remainder.
    Network<DepthwiseConv2d<3, m2_s2_tanh>, Shape<5, 4, 9>, Cpu, double> widened({.seed = 7});
    auto x = random_tensor<double, Shape<5, 4, 9>>(2, 8);
    check_gradients(widened, x);
    Network<DepthwiseConv2d<2>, Shape<4, 3, 21>, Cpu, double> plain({.seed = 9});
    auto x2 = random_tensor<double, Shape<4, 3, 21>>(2, 10);
    check_gradients(plain, x2);
}

TEST_CASE("DepthwiseConv2d gradients inside a network", "[depthwise][gradient]") {
    Network<Sequential<Conv2d<4, 3, ConvOptions{.activation = Activation::tanh()}>, DepthwiseConv2d<3, m2_s2_tanh>,
                       Conv2d<2, 1>>,
            Shape<6, 6, 2>, Cpu, double>
        net({.seed = 4});
    auto x = random_tensor<double, Shape<6, 6, 2>>(3, 6);
    check_gradients(net, x);
}

TEST_CASE("DepthwiseConv2d does not depend on the thread count", "[depthwise]") {
    check_thread_independence<DepthwiseConv2d<3, m2_s2_tanh>, Shape<9, 8, 3>>();
}

TEST_CASE("DepthwiseConv2d matches PyTorch", "[depthwise][golden]") {
    SECTION("depthwise3x3_same") { check_golden_both<DepthwiseConv2d<3>, Shape<7, 7, 4>>("depthwise3x3_same"); }
    SECTION("depthwise3x3_s2_m2") {
        check_golden_both<DepthwiseConv2d<3, m2_s2>, Shape<8, 8, 3>>("depthwise3x3_s2_m2");
    }
}

TEST_CASE("DepthwiseConv2d in float agrees with double on a wide layer", "[depthwise]") {
    // 20 channels x 2 = 40: a full block of 32 floats, one of 8, and the double blocks.
    using Spec = DepthwiseConv2d<3, m2_s2_tanh>;
    using In = Shape<6, 5, 20>;
    Network<Spec, In, Cpu, double> reference({.seed = 5});
    Network<Spec, In, Cpu, float> single({.seed = 5});
    std::copy(reference.parameters().begin(), reference.parameters().end(), single.parameters().begin());
    reference.plan(2);
    single.plan(2);
    auto x = random_tensor<double, In>(2, 6);
    HostTensor<float, In> x_float(2);
    std::copy(x.data(), x.data() + x.size(), x_float.data());
    const auto y = reference.forward(x.view());
    const auto y_float = single.forward(x_float.view());
    CHECK(relative_error(y_float.data, y.data, y.size()) <= 1e-6);
    using Out = decltype(reference)::output_shape;
    auto dy = random_tensor<double, Out>(2, 7);
    HostTensor<float, Out> dy_float(2);
    std::copy(dy.data(), dy.data() + dy.size(), dy_float.data());
    HostTensor<double, In> dx(2);
    HostTensor<float, In> dx_float(2);
    reference.backward(dy.view(), dx.view());
    single.backward(dy_float.view(), dx_float.view());
    CHECK(relative_error(dx_float.data(), dx.data(), dx.size()) <= 1e-6);
    CHECK(relative_error(single.gradients().data(), reference.gradients().data(), reference.gradients().size()) <=
          1e-6);
}
