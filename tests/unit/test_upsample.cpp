#include <vector>

#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
template <class Spec, ShapeType In>
struct Case {
    using spec = Spec;
    using input = In;
};
using Bilinear2 = Upsample<2, Interpolation::bilinear>;
using Bilinear3 = Upsample<3, Interpolation::bilinear>;
}  // namespace

TEMPLATE_TEST_CASE("Upsample gradients match central differences", "[upsample][gradient]",
                   (Case<Upsample<2>, Shape<3, 4, 2>>), (Case<Upsample<3>, Shape<2, 3, 3>>),
                   (Case<Bilinear2, Shape<3, 4, 2>>), (Case<Bilinear3, Shape<3, 3, 2>>),
                   (Case<Bilinear2, Shape<1, 3, 2>>), (Case<Upsample<4, Interpolation::bilinear>, Shape<2, 2, 1>>)) {
    using In = typename TestType::input;
    Network<typename TestType::spec, In, Cpu, double> net;
    auto x = random_tensor<double, In>(2, 5);
    check_gradients(net, x);
}

TEST_CASE("Nearest upsampling repeats each pixel factor x factor times", "[upsample]") {
    Network<Upsample<2>, Shape<2, 3, 2>, Cpu, float> net;
    STATIC_REQUIRE(decltype(net)::output_shape::dims == Dims{4, 6, 2});
    net.plan(2);
    auto x = random_tensor<float, Shape<2, 3, 2>>(2, 1);
    auto y = net.forward(x.view());
    for (std::size_t n = 0; n < 2; ++n)
        for (int h = 0; h < 4; ++h)
            for (int w = 0; w < 6; ++w)
                for (int c = 0; c < 2; ++c) CHECK(y(n, h, w, c) == x(n, h / 2, w / 2, c));
}

TEST_CASE("Bilinear upsampling uses half-pixel centres and clamps at the border", "[upsample]") {
    Network<Bilinear2, Shape<1, 2, 1>, Cpu, double> row;
    row.plan(1);
    HostTensor<double, Shape<1, 2, 1>> x(1);
    x.data()[0] = 0;
    x.data()[1] = 1;
    auto y = row.forward(x.view());
    // Output o samples input (o + 0.5) / 2 − 0.5 = −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped);
    // both output rows sample the one input row.
    CHECK(std::vector<double>(y.data, y.end()) == std::vector<double>{0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1});

    Network<Bilinear3, Shape<1, 2, 1>, Cpu, double> row3;
    row3.plan(1);
    auto z = row3.forward(x.view());
    const std::vector<double> expected{0, 0, 1.0 / 3, 2.0 / 3, 1, 1};
    REQUIRE(z.size() == 3 * expected.size());
    for (std::size_t i = 0; i < z.size(); ++i) CHECK(z.data[i] == Approx(expected[i % 6]).margin(1e-15));

    // A constant image stays constant, and the weights of every output sum to one.
    Network<Bilinear3, Shape<3, 4, 2>, Cpu, float> net;
    net.plan(1);
    HostTensor<float, Shape<3, 4, 2>> ones(1);
    std::fill_n(ones.data(), ones.size(), 2.5f);
    auto flat = net.forward(ones.view());
    for (std::size_t i = 0; i < flat.size(); ++i) CHECK(flat.data[i] == Approx(2.5f).epsilon(1e-6));
}

TEST_CASE("Upsample gives the same results on one thread and on several", "[upsample][threads]") {
    check_thread_independence<Upsample<2>, Shape<3, 4, 2>>();
    check_thread_independence<Bilinear3, Shape<3, 3, 2>>();
}

TEST_CASE("Upsample matches PyTorch", "[upsample][golden]") {
    SECTION("upsample2_nearest") { check_golden_both<Upsample<2>, Shape<3, 4, 2>>("upsample2_nearest"); }
    SECTION("upsample2_bilinear") { check_golden_both<Bilinear2, Shape<3, 4, 2>>("upsample2_bilinear"); }
    SECTION("upsample3_bilinear") { check_golden_both<Bilinear3, Shape<3, 3, 2>>("upsample3_bilinear"); }
}
