#include <limits>

#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
using In = Shape<6, 6, 2>;
using Net = Network<Sequential<Conv2d<3, 3>, Conv2d<2, 1>>, In>;
}  // namespace

TEST_CASE("Bad input: forward before plan, batch 0, batch larger than planned", "[errors]") {
    Net net;
    auto x = random_tensor<float, In>(4, 1);
    REQUIRE_THROWS_WITH(net.forward(x.view()), Catch::Contains("call plan(max_batch) first"));
    net.plan(3);
    REQUIRE_THROWS_WITH(net.forward(ConstView<float, In>{x.data(), 0}), Catch::Contains("the batch is empty"));
    REQUIRE_THROWS_WITH(net.forward(x.view()),
                        Catch::Contains("batch of 4 images is larger than the planned workspace (3)"));
    REQUIRE_THROWS_WITH(net.plan(0), Catch::Contains("must be positive"));
    CHECK_NOTHROW(net.forward(ConstView<float, In>{x.data(), 3}));
}

TEST_CASE("Bad input: NaN and Inf inputs name the position", "[errors]") {
    Net net;
    net.plan(2);
    auto x = random_tensor<float, In>(2, 1);
    x(1, 2, 3, 1) = std::numeric_limits<float>::quiet_NaN();
    REQUIRE_THROWS_WITH(net.forward(x.view()), Catch::Contains("at image 1, row 2, column 3, channel 1 is not finite"));
    x(1, 2, 3, 1) = 0;
    x(0, 0, 0, 0) = std::numeric_limits<float>::infinity();
    REQUIRE_THROWS_AS(net.forward(x.view()), Error);
}

TEST_CASE("Bad input: backward before forward or with a mismatched batch", "[errors]") {
    Net net;
    net.plan(2);
    HostTensor<float, Net::output_shape> dy(2);
    REQUIRE_THROWS_WITH(net.backward(dy.view()), Catch::Contains("call forward first"));
    auto x = random_tensor<float, In>(1, 1);
    net.forward(x.view());
    REQUIRE_THROWS_WITH(net.backward(dy.view()), Catch::Contains("holds 2 images but the last forward ran on 1"));
}
