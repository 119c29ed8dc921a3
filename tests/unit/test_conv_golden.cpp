#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

TEST_CASE("Conv2d matches PyTorch", "[conv][golden]") {
    SECTION("conv3x3_same_relu") {
        check_golden_both<Conv2d<5, 3, ConvOptions{.activation = Activation::relu()}>, Shape<7, 6, 3>>(
            "conv3x3_same_relu");
    }
    SECTION("conv2x2_same") { check_golden_both<Conv2d<3, 2>, Shape<6, 6, 4>>("conv2x2_same"); }
    SECTION("conv4x4_s2_same") {
        check_golden_both<Conv2d<3, 4, ConvOptions{.stride = 2}>, Shape<9, 8, 2>>("conv4x4_s2_same");
    }
    SECTION("conv3x3_valid_dil2_tanh") {
        constexpr ConvOptions o{.dilation = 2, .padding = Padding::valid(), .activation = Activation::tanh()};
        check_golden_both<Conv2d<4, 3, o>, Shape<9, 9, 2>>("conv3x3_valid_dil2_tanh");
    }
    SECTION("conv3x3_pad_explicit_sigmoid") {
        constexpr ConvOptions o{.padding = Padding::explicit_(1, 2, 0, 1), .activation = Activation::sigmoid()};
        check_golden_both<Conv2d<2, 3, o>, Shape<6, 5, 3>>("conv3x3_pad_explicit_sigmoid");
    }
    SECTION("conv1x1") { check_golden_both<Conv2d<4, 1>, Shape<5, 5, 6>>("conv1x1"); }
}
