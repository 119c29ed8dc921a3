#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
constexpr ConvOptions relu{.activation = Activation::relu()};
constexpr ConvOptions down{.stride = 2, .activation = Activation::tanh()};
// A U-Net-like level without pooling, so that it needs no other layer family.
using Level = Sequential<Conv2d<4, 3, relu>, SkipConcat<Sequential<Conv2d<3, 3>, Conv2d<5, 1>>>, Conv2d<2, 3>>;
}  // namespace

TEST_CASE("SkipConcat concatenates the skip connection first, then the branch", "[combinators]") {
    Network<SkipConcat<Conv2d<2, 1>>, Shape<3, 3, 2>, Cpu, double> net({.seed = 1});
    net.plan(2);
    auto x = random_tensor<double, Shape<3, 3, 2>>(2, 3);
    auto y = net.forward(x.view());
    auto w = net.parameters();  // 1x1 conv weight [1,1,2,2] then bias [2]
    for (std::size_t n = 0; n < 2; ++n)
        for (int h = 0; h < 3; ++h)
            for (int c = 0; c < 2; ++c) {
                CHECK(y(n, h, 1, c) == x(n, h, 1, c));
                const double branch = x(n, h, 1, 0) * w[0 * 2 + c] + x(n, h, 1, 1) * w[1 * 2 + c] + w[4 + c];
                CHECK(y(n, h, 1, 2 + c) == Approx(branch).epsilon(1e-12));
            }
}

TEST_CASE("Combinator gradients match central differences", "[combinators][gradient]") {
    SECTION("SkipConcat inside Sequential") {
        Network<Level, Shape<6, 5, 3>, Cpu, double> net({.seed = 2});
        auto x = random_tensor<double, Shape<6, 5, 3>>(2, 4);
        check_gradients(net, x);
    }
    SECTION("Residual") {
        Network<Sequential<Conv2d<4, 3, relu>, Residual<Sequential<Conv2d<4, 3, relu>, Conv2d<4, 3>>>>,
                Shape<5, 5, 2>, Cpu, double>
            net({.seed = 3});
        auto x = random_tensor<double, Shape<5, 5, 2>>(2, 5);
        check_gradients(net, x);
    }
    SECTION("Tag is transparent") {
        Network<Sequential<Tag<"first", Conv2d<3, 3, relu>>, Tag<"second", Conv2d<2, 2, down>>>, Shape<6, 6, 2>,
                Cpu, double>
            net({.seed = 4});
        auto x = random_tensor<double, Shape<6, 6, 2>>(2, 6);
        check_gradients(net, x);
        // A tag starts the name afresh: the Sequential's positions are left out.
        CHECK(net.parameter_infos()[0].name == "first.weight");
        CHECK(net.parameter_infos()[3].name == "second.bias");
    }
    SECTION("Parameter names: nested tags are kept, positions inside a tag too, duplicates are refused") {
        using Block = Sequential<Conv2d<2, 3, relu>, Conv2d<2, 3>>;
        Network<Sequential<Conv2d<2, 3>, Tag<"encoder", Sequential<Tag<"e1", Block>, Tag<"e2", Block>>>>,
                Shape<4, 4, 2>, Cpu, double>
            net;
        std::vector<std::string> names;
        for (const auto& info : net.parameter_infos()) names.push_back(info.name);
        CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "encoder.e1.0.weight", "encoder.e1.0.bias",
                                                "encoder.e1.1.weight", "encoder.e1.1.bias", "encoder.e2.0.weight",
                                                "encoder.e2.0.bias", "encoder.e2.1.weight", "encoder.e2.1.bias"});
        using Twice = Network<Sequential<Tag<"same", Conv2d<2, 3>>, Tag<"same", Conv2d<2, 3>>>, Shape<4, 4, 2>>;
        CHECK_THROWS_WITH(Twice(), Catch::Contains("both named \"same.weight\""));
    }
}
