#include <algorithm>
#include <numeric>
#include <vector>

#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
constexpr PoolOptions same{.padding = Padding::same()};
constexpr PoolOptions overlapping{.stride = 1};
constexpr UnpoolOptions to_5x7{.height = 5, .width = 7};
constexpr UnpoolOptions to_5x6{.height = 5, .width = 6};

using PoolUnpool = Sequential<Tag<"p", MaxPool2d<2>>, MaxUnpool2d<"p">>;

}  // namespace

TEST_CASE("MaxUnpool2d gradients match central differences", "[unpool][gradient]") {
    SECTION("pool then unpool") {
        Network<PoolUnpool, Shape<6, 6, 3>, Cpu, double> net;
        auto x = distinct_tensor<double, Shape<6, 6, 3>>(2, 1);
        check_gradients(net, x);
    }
    SECTION("a conv between, odd 'same' pool, explicit output size") {
        Network<Sequential<Tag<"p", MaxPool2d<2, same>>, Conv2d<2, 3>, MaxUnpool2d<"p", to_5x7>>, Shape<5, 7, 2>, Cpu,
                double>
            net({.seed = 2});
        auto x = distinct_tensor<double, Shape<5, 7, 2>>(2, 2);
        check_gradients(net, x);
    }
    SECTION("overlapping windows sum where their maxima coincide") {
        Network<Sequential<Tag<"p", MaxPool2d<3, overlapping>>, Conv2d<2, 1>, MaxUnpool2d<"p", to_5x6>>,
                Shape<5, 6, 2>, Cpu, double>
            net({.seed = 3});
        auto x = distinct_tensor<double, Shape<5, 6, 2>>(2, 3);
        check_gradients(net, x);
    }
    SECTION("a U-Net level: pool and unpool inside SkipConcat") {
        using Level = SkipConcat<Sequential<Tag<"p", MaxPool2d<2>>, Conv2d<3, 3>, MaxUnpool2d<"p">>>;
        Network<Sequential<Conv2d<3, 3>, Level, Conv2d<2, 1>>, Shape<4, 6, 2>, Cpu, double> net({.seed = 5});
        auto x = distinct_tensor<double, Shape<4, 6, 2>>(2, 5);
        check_gradients(net, x);
    }
    SECTION("the pool deep inside another tag and sequence") {
        using Inner = Sequential<Tag<"p", MaxPool2d<2>>, Conv2d<3, 3>>;
        Network<Sequential<Conv2d<3, 1>, Tag<"encoder", Inner>, MaxUnpool2d<"p">>, Shape<4, 6, 2>, Cpu, double> net(
            {.seed = 4});
        auto x = distinct_tensor<double, Shape<4, 6, 2>>(2, 4);
        check_gradients(net, x);
    }
}

TEST_CASE("MaxUnpool2d puts each value at its pool's argmax and zeros elsewhere", "[unpool]") {
    constexpr std::size_t batch = 3;
    using In = Shape<6, 6, 3>;
    auto x = distinct_tensor<float, In>(batch, 7);
    Network<MaxPool2d<2>, In, Cpu, float> pool;
    pool.plan(batch);
    const auto pooled = pool.forward(x.view());
    const auto indices = pool.root().indices();

    Network<PoolUnpool, In, Cpu, float> net;
    net.plan(batch);
    const auto y = net.forward(x.view());
    std::vector<float> expected(y.size(), 0.0f);
    for (std::size_t n = 0; n < batch; ++n)
        for (std::size_t i = 0; i < decltype(pool)::output_shape::size; ++i) {
            const std::size_t o = n * decltype(pool)::output_shape::size + i;
            expected[n * In::size + static_cast<std::size_t>(indices.data[o])] = pooled.data[o];
        }
    CHECK(std::vector<float>(y.data, y.end()) == expected);
    // Non-overlapping windows: the output keeps exactly the window maxima of x.
    CHECK(std::count_if(y.data, y.end(), [](float v) { return v != 0.0f; }) == std::ptrdiff_t(batch * 3 * 3 * 3));
}

TEST_CASE("MaxUnpool2d output shapes", "[unpool]") {
    STATIC_REQUIRE(Network<PoolUnpool, Shape<6, 4, 3>>::output_shape::dims == Dims{6, 4, 3});
    using Odd = Network<Sequential<Tag<"p", MaxPool2d<2, same>>, MaxUnpool2d<"p", to_5x7>>, Shape<5, 7, 2>>;
    STATIC_REQUIRE(Odd::output_shape::dims == Dims{5, 7, 2});
    using Factor3 = Network<Sequential<Tag<"p", MaxPool2d<3>>, MaxUnpool2d<"p", UnpoolOptions{.factor = 3}>>,
                            Shape<6, 9, 1>>;
    STATIC_REQUIRE(Factor3::output_shape::dims == Dims{6, 9, 1});
}

TEST_CASE("MaxUnpool2d without its tagged pool is an error at construction", "[unpool][errors]") {
    using Missing = Network<Sequential<MaxPool2d<2>, MaxUnpool2d<"p">>, Shape<4, 4, 1>>;
    CHECK_THROWS_AS(Missing(), Error);
    CHECK_THROWS_WITH(Missing(), Catch::Contains("tagged \"p\""));
    using Misspelt = Network<Sequential<Tag<"pool", MaxPool2d<2>>, MaxUnpool2d<"p">>, Shape<4, 4, 1>>;
    CHECK_THROWS_WITH(Misspelt(), Catch::Contains("MaxUnpool2d \"p\""));
    using Twice = Network<Sequential<Tag<"p", MaxPool2d<2>>, MaxUnpool2d<"p">, Tag<"p", MaxPool2d<2>>,
                                     MaxUnpool2d<"p">>,
                          Shape<4, 4, 1>>;
    CHECK_THROWS_WITH(Twice(), Catch::Contains("2 layers of the network are tagged \"p\""));
}

TEST_CASE("MaxUnpool2d outside a network refuses to run", "[unpool][errors]") {
    layer_t<MaxUnpool2d<"p">, Shape<2, 2, 1>, float, Cpu> layer;
    Cpu cpu;
    HostTensor<float, Shape<2, 2, 1>> x(1);
    HostTensor<float, Shape<4, 4, 1>> y(1);
    CHECK_THROWS_WITH(layer.forward(cpu, Pass{}, x.view(), y.view()), Catch::Contains("not linked"));
}

TEST_CASE("MaxUnpool2d gives the same results on one thread and on several", "[unpool][threads]") {
    check_thread_independence<Sequential<Tag<"p", MaxPool2d<2>>, Conv2d<3, 3>, MaxUnpool2d<"p">>, Shape<6, 6, 3>>();
}

TEST_CASE("MaxUnpool2d matches PyTorch", "[unpool][golden]") {
    check_golden_both<PoolUnpool, Shape<6, 6, 3>>("maxunpool2");
}
