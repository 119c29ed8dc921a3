// Activation layers (layers/activations.hpp) and Softmax (layers/softmax.hpp).
#include <algorithm>
#include <cmath>
#include <vector>

#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
using In = Shape<4, 3, 5>;

template <class Spec, class F>
void check_pointwise(F f) {
    Network<Spec, In, Cpu, double> net;
    net.plan(2);
    auto x = random_tensor<double, In>(2, 3, -3.0, 3.0);
    const auto y = net.forward(x.view());
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y.data[i] == Approx(f(x.data()[i])).epsilon(1e-14));
}
}  // namespace

TEMPLATE_TEST_CASE("Activation gradients match central differences", "[activations][gradient]", ReLU,
                   LeakyReLU<>, LeakyReLU<0.1>, Sigmoid, Tanh, Softmax) {
    Network<TestType, In, Cpu, double> net;
    auto x = random_tensor<double, In>(2, 5, -2.0, 2.0);
    check_gradients(net, x);
}

TEST_CASE("Activation layers compute their functions", "[activations]") {
    check_pointwise<ReLU>([](double v) { return v > 0 ? v : 0.0; });
    check_pointwise<LeakyReLU<>>([](double v) { return v > 0 ? v : 0.01 * v; });
    check_pointwise<LeakyReLU<0.1>>([](double v) { return v > 0 ? v : 0.1 * v; });
    check_pointwise<Sigmoid>([](double v) { return 1 / (1 + std::exp(-v)); });
    check_pointwise<Tanh>([](double v) { return std::tanh(v); });
    CHECK(Network<ReLU, In>::Root::name() == "ReLU");
    CHECK(Network<Tanh, In>::Root::name() == "Tanh");
    STATIC_REQUIRE(Network<Sigmoid, In>::output_shape::dims == In::dims);
    STATIC_REQUIRE(Network<Sigmoid, In>::parameter_count == 0);
}

TEST_CASE("Softmax gives a distribution over the channels of every pixel", "[softmax]") {
    Network<Softmax, In, Cpu, double> net;
    net.plan(2);
    auto x = random_tensor<double, In>(2, 7, -5.0, 5.0);
    const std::vector<double> y = [&] {
        const auto out = net.forward(x.view());
        return std::vector<double>(out.data, out.end());
    }();
    for (std::size_t p = 0; p < y.size(); p += In::channels) {
        double sum = 0;
        for (int c = 0; c < In::channels; ++c) {
            CHECK(y[p + c] > 0.0);
            sum += y[p + c];
        }
        CHECK(sum == Approx(1.0).epsilon(1e-14));
        // exp(x_c) / Σ exp(x_k), computed the naive way for these small values.
        double norm = 0;
        for (int c = 0; c < In::channels; ++c) norm += std::exp(x.data()[p + c]);
        for (int c = 0; c < In::channels; ++c) CHECK(y[p + c] == Approx(std::exp(x.data()[p + c]) / norm).epsilon(1e-13));
    }
    // Shifting a pixel's logits changes nothing, however large the shift: no overflow.
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] += 1000.0;
    const auto shifted = net.forward(x.view());
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(shifted.data[i] == Approx(y[i]).epsilon(1e-12));

    Network<Softmax, Shape<1, 1, 3>, Cpu, float> big;
    big.plan(1);
    HostTensor<float, Shape<1, 1, 3>> logits(1);
    logits.data()[0] = 1e30f;
    logits.data()[1] = -1e30f;
    logits.data()[2] = 1e30f;
    const auto p = big.forward(logits.view());
    CHECK(p.data[0] == 0.5f);
    CHECK(p.data[1] == 0.0f);
    CHECK(p.data[2] == 0.5f);
}

TEST_CASE("Activations give the same results on one thread and on several", "[activations][threads]") {
    check_thread_independence<Tanh, In>(7);
    check_thread_independence<Softmax, In>(7);
}

TEST_CASE("Activations match PyTorch", "[activations][golden]") {
    using G = Shape<3, 3, 5>;
    SECTION("relu") { check_golden_both<ReLU, G>("relu"); }
    SECTION("leakyrelu") { check_golden_both<LeakyReLU<0.1>, G>("leakyrelu"); }
    SECTION("sigmoid") { check_golden_both<Sigmoid, G>("sigmoid"); }
    SECTION("tanh") { check_golden_both<Tanh, G>("tanh"); }
    SECTION("softmax") { check_golden_both<Softmax, G>("softmax"); }
}
