#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
constexpr DenseOptions tanh_{.activation = Activation::tanh()};
constexpr DenseOptions sigmoid_no_bias{.bias = false, .activation = Activation::sigmoid()};
constexpr DenseOptions relu{.activation = Activation::relu()};
}  // namespace

TEST_CASE("Flatten keeps NHWC order", "[dense][flatten]") {
    using L = layer_t<Flatten, Shape<3, 2, 4>, double, Cpu>;
    STATIC_REQUIRE(std::is_same_v<L::output_shape, Shape<1, 1, 24>>);
    STATIC_REQUIRE(L::parameter_count == 0);
    Network<Flatten, Shape<3, 2, 4>, Cpu, double> net;
    net.plan(2);
    auto x = random_tensor<double, Shape<3, 2, 4>>(2, 1);
    auto y = net.forward(x.view());
    for (std::size_t n = 0; n < 2; ++n)
        for (int h = 0; h < 3; ++h)
            for (int w = 0; w < 2; ++w)
                for (int c = 0; c < 4; ++c) CHECK(y(n, 0, 0, (h * 2 + w) * 4 + c) == x(n, h, w, c));
    auto dy = random_tensor<double, Shape<1, 1, 24>>(2, 2);
    HostTensor<double, Shape<3, 2, 4>> dx(2);
    net.backward(dy.view(), dx.view());
    CHECK(std::equal(dx.data(), dx.data() + dx.size(), dy.data()));
}

TEST_CASE("Dense shapes, parameters and FLOPs", "[dense]") {
    using L = layer_t<Dense<5>, Shape<1, 1, 12>, float, Cpu>;
    STATIC_REQUIRE(std::is_same_v<L::output_shape, Shape<1, 1, 5>>);
    STATIC_REQUIRE(L::parameter_count == 12 * 5 + 5);
    STATIC_REQUIRE(L::flops == 2 * 12 * 5);
    using Net = Network<Sequential<Flatten, Dense<5>>, Shape<3, 2, 2>>;
    STATIC_REQUIRE(Net::parameter_count == 12 * 5 + 5);
    Net net;
    const auto& infos = net.parameter_infos();
    REQUIRE(infos.size() == 2);
    CHECK(infos[0].name == "1.weight");
    CHECK(infos[0].shape == std::vector<std::size_t>{12, 5});
    CHECK(infos[1].name == "1.bias");
    CHECK(infos[1].shape == std::vector<std::size_t>{5});
}

TEST_CASE("Dense computes x * W + b", "[dense]") {
    Network<Dense<2>, Shape<1, 1, 3>, Cpu, double> net;
    net.plan(2);
    auto p = net.parameters();  // W [3, 2] row-major, then b [2]
    for (std::size_t i = 0; i < 6; ++i) p[i] = double(i + 1);
    p[6] = 10;
    p[7] = 20;
    auto x = random_tensor<double, Shape<1, 1, 3>>(2, 1);
    auto y = net.forward(x.view());
    for (std::size_t n = 0; n < 2; ++n)
        for (int o = 0; o < 2; ++o) {
            double expected = o == 0 ? 10 : 20;
            for (int d = 0; d < 3; ++d) expected += x(n, 0, 0, d) * double(d * 2 + o + 1);
            CHECK(y(n, 0, 0, o) == Approx(expected).epsilon(1e-14));
        }
}

TEST_CASE("Dense gradients match central differences", "[dense][gradient]") {
    SECTION("Flatten then Dense") {
        Network<Sequential<Flatten, Dense<5>>, Shape<3, 2, 2>, Cpu, double> net({.seed = 1});
        auto x = random_tensor<double, Shape<3, 2, 2>>(3, 2);
        check_gradients(net, x);
    }
    SECTION("tanh") {
        Network<Dense<4, tanh_>, Shape<1, 1, 7>, Cpu, double> net({.seed = 2});
        auto x = random_tensor<double, Shape<1, 1, 7>>(2, 3);
        check_gradients(net, x);
    }
    SECTION("sigmoid, no bias") {
        Network<Dense<3, sigmoid_no_bias>, Shape<1, 1, 6>, Cpu, double> net({.seed = 3});
        auto x = random_tensor<double, Shape<1, 1, 6>>(4, 4);
        check_gradients(net, x);
    }
    SECTION("a small classifier: conv, flatten, dense, dense") {
        Network<Sequential<Conv2d<3, 3, ConvOptions{.stride = 2, .activation = Activation::tanh()}>, Flatten,
                           Dense<6, relu>, Dense<2>>,
                Shape<6, 5, 2>, Cpu, double>
            net({.seed = 4});
        auto x = random_tensor<double, Shape<6, 5, 2>>(3, 5);
        check_gradients(net, x);
    }
}

TEST_CASE("Dense matches PyTorch", "[dense][golden]") {
    check_golden_both<Sequential<Flatten, Dense<5>>, Shape<3, 2, 2>>("flatten_dense");
}
