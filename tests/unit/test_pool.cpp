#include <algorithm>
#include <numeric>
#include <vector>

#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
constexpr PoolOptions s2_same{.stride = 2, .padding = Padding::same()};
constexpr PoolOptions same{.padding = Padding::same()};
constexpr PoolOptions overlapping{.stride = 1};
constexpr PoolOptions padded{.stride = 2, .padding = Padding::explicit_(1, 0, 2, 0)};
constexpr PoolOptions floor_division{.drop_remainder = true};

template <class Spec, ShapeType In>
struct Case {
    using spec = Spec;
    using input = In;
};


template <class T, ShapeType S>
HostTensor<T, S> tensor_of(std::size_t batch, std::initializer_list<double> values) {
    HostTensor<T, S> t(batch);
    REQUIRE(values.size() == t.size());
    std::transform(values.begin(), values.end(), t.data(), [](double v) { return static_cast<T>(v); });
    return t;
}
}  // namespace

TEMPLATE_TEST_CASE("Pooling gradients match central differences", "[pool][gradient]",
                   (Case<MaxPool2d<2>, Shape<6, 6, 3>>), (Case<MaxPool2d<3, s2_same>, Shape<7, 7, 2>>),
                   (Case<MaxPool2d<2, same>, Shape<5, 7, 2>>), (Case<MaxPool2d<3, overlapping>, Shape<5, 6, 2>>),
                   (Case<MaxPool2d<3, padded>, Shape<6, 7, 2>>), (Case<AvgPool2d<2>, Shape<6, 4, 3>>),
                   (Case<AvgPool2d<3, s2_same>, Shape<7, 7, 2>>), (Case<AvgPool2d<2, same>, Shape<5, 7, 2>>),
                   (Case<AvgPool2d<3, overlapping>, Shape<5, 6, 2>>), (Case<AvgPool2d<3, padded>, Shape<6, 7, 2>>),
                   (Case<GlobalAvgPool, Shape<5, 4, 3>>)) {
    using In = typename TestType::input;
    Network<typename TestType::spec, In, Cpu, double> net({.seed = 3});
    auto x = distinct_tensor<double, In>(2, 5);
    check_gradients(net, x);
}

TEST_CASE("Pooling output shapes follow TensorFlow", "[pool]") {
    using Same = Network<MaxPool2d<3, s2_same>, Shape<7, 8, 2>, Cpu, float>;
    STATIC_REQUIRE(Same::output_shape::dims == Dims{4, 4, 2});
    using EvenSame = Network<AvgPool2d<2, same>, Shape<5, 7, 2>, Cpu, float>;
    STATIC_REQUIRE(EvenSame::output_shape::dims == Dims{3, 4, 2});
    using Valid = Network<MaxPool2d<3, overlapping>, Shape<5, 6, 2>, Cpu, float>;
    STATIC_REQUIRE(Valid::output_shape::dims == Dims{3, 4, 2});
    using Floor = Network<MaxPool2d<2, floor_division>, Shape<7, 7, 1>, Cpu, float>;
    STATIC_REQUIRE(Floor::output_shape::dims == Dims{3, 3, 1});
    using Global = Network<GlobalAvgPool, Shape<5, 4, 3>, Cpu, float>;
    STATIC_REQUIRE(Global::output_shape::dims == Dims{1, 1, 3});
    CHECK(Network<MaxPool2d<3, s2_same>, Shape<7, 7, 2>>::Root::name() == "MaxPool2d 3x3 stride 2 same");
    CHECK(Network<AvgPool2d<2>, Shape<4, 4, 2>>::Root::name() == "AvgPool2d 2x2 valid");
}

TEST_CASE("MaxPool2d records the first maximum of each window as an index into its image", "[pool]") {
    // Window 0 holds 3 at (0,1) and (1,0): row-major order picks (0,1). Window 1 holds 2 three times.
    Network<MaxPool2d<2>, Shape<2, 4, 1>, Cpu, float> net;
    net.plan(2);
    auto x = tensor_of<float, Shape<2, 4, 1>>(2, {1, 3, 2, 2, 3, 0, 2, 1, /**/ 0, 0, 5, 4, 0, 0, 6, 7});
    auto y = net.forward(x.view());
    const auto indices = net.root().indices();
    REQUIRE(indices.batch == 2);
    CHECK(std::vector<float>(y.data, y.end()) == std::vector<float>{3, 2, 0, 7});
    CHECK(std::vector<std::int32_t>(indices.data, indices.end()) == std::vector<std::int32_t>{1, 2, 0, 7});

    // With channels, the index is (row·W + column)·C + channel.
    Network<MaxPool2d<2>, Shape<2, 2, 2>, Cpu, double> channels;
    channels.plan(1);
    auto z = tensor_of<double, Shape<2, 2, 2>>(1, {0, 9, 1, 8, 5, 7, 2, 6});
    auto out = channels.forward(z.view());
    CHECK(out.data[0] == 5);
    CHECK(out.data[1] == 9);
    CHECK(channels.root().indices().data[0] == (1 * 2 + 0) * 2 + 0);
    CHECK(channels.root().indices().data[1] == 1);

    // Backward routes each gradient to its argmax only.
    HostTensor<double, Shape<1, 1, 2>> dy(1);
    dy.data()[0] = 10;
    dy.data()[1] = 20;
    HostTensor<double, Shape<2, 2, 2>> dx(1);
    channels.backward(dy.view(), dx.view());
    CHECK(std::vector<double>(dx.data(), dx.data() + 8) == std::vector<double>{0, 20, 0, 0, 10, 0, 0, 0});
}

TEST_CASE("'same' pooling pads bottom/right and ignores the padding", "[pool]") {
    // 3x3 input, 2x2 windows, 'same': the odd padding row and column go bottom/right.
    auto x = tensor_of<double, Shape<3, 3, 1>>(1, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
    Network<MaxPool2d<2, same>, Shape<3, 3, 1>, Cpu, double> max_pool;
    max_pool.plan(1);
    auto y = max_pool.forward(x.view());
    // Negative values: padding taken as 0 would win every border window.
    CHECK(std::vector<double>(y.data, y.end()) == std::vector<double>{-1, -3, -7, -9});

    Network<AvgPool2d<2, same>, Shape<3, 3, 1>, Cpu, double> avg_pool;
    avg_pool.plan(1);
    auto a = avg_pool.forward(x.view());
    // Keras divides by the count of real elements: 4, 2, 2 and 1.
    CHECK(std::vector<double>(a.data, a.end()) == std::vector<double>{-3, -4.5, -7.5, -9});
}

TEST_CASE("GlobalAvgPool averages every pixel of each channel", "[pool]") {
    Network<GlobalAvgPool, Shape<2, 3, 2>, Cpu, float> net;
    net.plan(1);
    auto x = tensor_of<float, Shape<2, 3, 2>>(1, {1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60});
    auto y = net.forward(x.view());
    CHECK(y.data[0] == Approx(3.5f));
    CHECK(y.data[1] == Approx(35.0f));
}

TEST_CASE("Pooling gives the same results on one thread and on several", "[pool][threads]") {
    check_thread_independence<MaxPool2d<3, s2_same>, Shape<7, 7, 3>>();
    check_thread_independence<AvgPool2d<3, s2_same>, Shape<7, 7, 3>>();
    check_thread_independence<GlobalAvgPool, Shape<5, 4, 3>>();
}

TEST_CASE("Pooling matches PyTorch", "[pool][golden]") {
    SECTION("maxpool2") { check_golden_both<MaxPool2d<2>, Shape<6, 6, 3>>("maxpool2"); }
    SECTION("maxpool3_s2_same") { check_golden_both<MaxPool2d<3, s2_same>, Shape<7, 7, 2>>("maxpool3_s2_same"); }
    SECTION("avgpool2") { check_golden_both<AvgPool2d<2>, Shape<6, 6, 3>>("avgpool2"); }
    SECTION("avgpool3_s2_same") { check_golden_both<AvgPool2d<3, s2_same>, Shape<7, 7, 2>>("avgpool3_s2_same"); }
    SECTION("globalavgpool") { check_golden_both<GlobalAvgPool, Shape<5, 4, 3>>("globalavgpool"); }
}
