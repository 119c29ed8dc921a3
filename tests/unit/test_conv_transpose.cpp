#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
constexpr ConvOptions s2_valid{.stride = 2, .padding = Padding::valid()};
constexpr ConvOptions s2_same{.stride = 2};
constexpr ConvOptions s2_same_tanh{.stride = 2, .activation = Activation::tanh()};
constexpr ConvOptions s2_dilated_valid{
    .stride = 2, .dilation = 2, .padding = Padding::valid(), .activation = Activation::sigmoid()};
constexpr ConvOptions s2_explicit{.stride = 2, .padding = Padding::explicit_(1, 2, 0, 1), .bias = false};
constexpr ConvOptions s3_same{.stride = 3};
// Rows and columns between the kernel's footprints hold the bias alone; tanh keeps the
// check away from a ReLU's kink there.
constexpr ConvOptions s3_valid_tanh{.stride = 3, .padding = Padding::valid(), .activation = Activation::tanh()};
constexpr ConvOptions relu{.activation = Activation::relu()};

template <class Spec, ShapeType In>
using Out = typename layer_t<Spec, In, double, Cpu>::output_shape;

// <conv(u), v> = <u, conv_transpose(v)> for the same weight (no bias, no activation): the transposed
// convolution is the adjoint of the convolution with the same stride and padding.
template <int Cin, int Cout, int K, ConvOptions O, ShapeType Small>
void check_adjoint() {
    constexpr ConvOptions no_bias = [] {
        ConvOptions o = O;
        o.bias = false;
        o.activation = Activation::identity();
        return o;
    }();
    using Transposed = ConvTranspose2d<Cout, K, no_bias>;
    using Big = Out<Transposed, Small>;
    Network<Transposed, Small, Cpu, double> transposed({.seed = 1});
    Network<Conv2d<Cin, K, no_bias>, Big, Cpu, double> conv({.seed = 2});
    STATIC_REQUIRE(std::is_same_v<typename decltype(conv)::output_shape, Small>);
    // Conv2d's weight [K, K, Cout, Cin] is the transposed layer's weight [K, K, Out, Cin].
    REQUIRE(conv.parameters().size() == transposed.parameters().size());
    std::copy(transposed.parameters().begin(), transposed.parameters().end(), conv.parameters().begin());
    transposed.plan(2);
    conv.plan(2);
    auto u = random_tensor<double, Big>(2, 3);
    auto v = random_tensor<double, Small>(2, 4);
    const auto cu = conv.forward(u.view());
    double left = 0, right = 0;
    for (std::size_t i = 0; i < cu.size(); ++i) left += cu.data[i] * v.data()[i];
    const auto tv = transposed.forward(v.view());
    for (std::size_t i = 0; i < tv.size(); ++i) right += u.data()[i] * tv.data[i];
    INFO("K " << K << ", " << O.describe() << ", input " << Small::dims);
    CHECK(left == Approx(right).epsilon(1e-12));
}
}  // namespace

TEST_CASE("ConvTranspose2d shapes, parameters and FLOPs", "[conv_transpose]") {
    using In = Shape<4, 5, 3>;
    STATIC_REQUIRE(std::is_same_v<Out<ConvTranspose2d<5, 2, s2_valid>, In>, Shape<8, 10, 5>>);
    STATIC_REQUIRE(std::is_same_v<Out<ConvTranspose2d<5, 3, s2_valid>, In>, Shape<9, 11, 5>>);
    STATIC_REQUIRE(std::is_same_v<Out<ConvTranspose2d<5, 3, s2_same>, In>, Shape<8, 10, 5>>);
    STATIC_REQUIRE(std::is_same_v<Out<ConvTranspose2d<5, 3>, In>, Shape<4, 5, 5>>);
    STATIC_REQUIRE(std::is_same_v<Out<ConvTranspose2d<5, 1, s3_same>, In>, Shape<12, 15, 5>>);
    STATIC_REQUIRE(std::is_same_v<Out<ConvTranspose2d<5, 3, s2_dilated_valid>, In>, Shape<11, 13, 5>>);
    STATIC_REQUIRE(std::is_same_v<Out<ConvTranspose2d<5, 3, s2_explicit>, In>, Shape<6, 10, 5>>);
    using L = layer_t<ConvTranspose2d<5, 3, s2_same>, In, float, Cpu>;
    STATIC_REQUIRE(L::parameter_count == 3 * 3 * 5 * 3 + 5);
    STATIC_REQUIRE(L::flops == 2 * 4 * 5 * 3 * 9 * 5);

    Network<ConvTranspose2d<5, 3, s2_same>, In> net;
    const auto& infos = net.parameter_infos();
    REQUIRE(infos.size() == 2);
    CHECK(infos[0].name == "weight");
    CHECK(infos[0].shape == std::vector<std::size_t>{3, 3, 5, 3});
    CHECK(infos[1].name == "bias");
    CHECK(infos[1].shape == std::vector<std::size_t>{5});
}

TEST_CASE("ConvTranspose2d is the adjoint of Conv2d", "[conv_transpose]") {
    check_adjoint<3, 5, 2, s2_valid, Shape<4, 5, 3>>();
    check_adjoint<3, 5, 3, s2_same, Shape<4, 5, 3>>();
    check_adjoint<3, 4, 4, s2_same, Shape<4, 5, 3>>();
    check_adjoint<2, 3, 3, ConvOptions{}, Shape<4, 5, 2>>();
    check_adjoint<2, 3, 1, s3_same, Shape<4, 5, 2>>();
    check_adjoint<2, 3, 3, s2_dilated_valid, Shape<4, 5, 2>>();
    check_adjoint<2, 3, 3, s2_explicit, Shape<4, 5, 2>>();
}

TEST_CASE("ConvTranspose2d with stride 2 and a 2x2 kernel scatters each pixel into a block", "[conv_transpose]") {
    Network<ConvTranspose2d<1, 2, s2_valid>, Shape<2, 2, 1>, Cpu, double> net;
    net.plan(1);
    auto p = net.parameters();
    for (std::size_t i = 0; i < 4; ++i) p[i] = double(i + 1);  // w[ky][kx] = 2ky + kx + 1
    p[4] = 0.5;
    auto x = random_tensor<double, Shape<2, 2, 1>>(1, 3);
    auto y = net.forward(x.view());
    for (int h = 0; h < 4; ++h)
        for (int w = 0; w < 4; ++w)
            CHECK(y(0, h, w, 0) == Approx(x(0, h / 2, w / 2, 0) * (2 * (h % 2) + w % 2 + 1) + 0.5));
}

TEMPLATE_TEST_CASE("ConvTranspose2d gradients match central differences", "[conv_transpose][gradient]",
                   (ConvTranspose2d<5, 2, s2_valid>), (ConvTranspose2d<3, 3, s2_same>), (ConvTranspose2d<4, 3, relu>),
                   (ConvTranspose2d<2, 4, s2_same_tanh>), (ConvTranspose2d<3, 3, s2_dilated_valid>),
                   (ConvTranspose2d<2, 3, s2_explicit>), (ConvTranspose2d<4, 1>), (ConvTranspose2d<3, 1, s3_same>),
                   (ConvTranspose2d<3, 2, s3_valid_tanh>)) {
    Network<TestType, Shape<4, 5, 3>, Cpu, double> net({.seed = 3});
    auto x = random_tensor<double, Shape<4, 5, 3>>(2, 5);
    check_gradients(net, x);
}

TEST_CASE("ConvTranspose2d does not depend on the thread count", "[conv_transpose]") {
    check_thread_independence<ConvTranspose2d<4, 3, s2_same_tanh>, Shape<6, 5, 3>>(9);
}

TEST_CASE("ConvTranspose2d matches PyTorch", "[conv_transpose][golden]") {
    SECTION("convtranspose2x2_s2_valid") {
        check_golden_both<ConvTranspose2d<5, 2, s2_valid>, Shape<4, 4, 3>>("convtranspose2x2_s2_valid");
    }
    SECTION("convtranspose3x3_s2_same") {
        check_golden_both<ConvTranspose2d<3, 3, s2_same>, Shape<4, 5, 2>>("convtranspose3x3_s2_same");
    }
}
