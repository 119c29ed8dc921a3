#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
constexpr ConvOptions relu{.activation = Activation::relu()};
constexpr ConvOptions strided_same{.stride = 2, .activation = Activation::tanh()};
constexpr ConvOptions dilated_valid{.dilation = 2, .padding = Padding::valid(), .activation = Activation::sigmoid()};
constexpr ConvOptions explicit_pad{.stride = 2, .padding = Padding::explicit_(1, 2, 0, 1), .bias = false};
}  // namespace

TEMPLATE_TEST_CASE("Conv2d gradients match central differences", "[conv][gradient]",
                   (Conv2d<5, 3, relu>), (Conv2d<3, 2>), (Conv2d<3, 4, strided_same>),
                   (Conv2d<4, 3, dilated_valid>), (Conv2d<2, 3, explicit_pad>), (Conv2d<4, 1>)) {
    Network<TestType, Shape<7, 6, 3>, Cpu, double> net({.seed = 3});
    auto x = random_tensor<double, Shape<7, 6, 3>>(2, 5);
    check_gradients(net, x);
}
