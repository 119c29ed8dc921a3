#include <algorithm>
#include <cmath>
#include <vector>

#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
using Big = Shape<32, 32, 16>;
constexpr std::size_t big_batch = 8;  // 131,072 elements

template <class Net>
std::vector<float> train_output(Net& net, const HostTensor<float, Big>& x, std::uint64_t step) {
    net.set_step(step - 1);  // forward in training counts the step first
    const auto y = net.forward(x.view(), Mode::train);
    return {y.data, y.end()};
}

HostTensor<float, Big> ones() {
    HostTensor<float, Big> x(big_batch);
    std::fill_n(x.data(), x.size(), 1.0f);
    return x;
}
}  // namespace

TEST_CASE("Dropout drops a fraction rate of the elements and scales the rest by 1/(1 - rate)", "[dropout]") {
    Network<Dropout<0.3f>, Big, Cpu, float> net({.seed = 5});
    net.plan(big_batch);
    const auto x = ones();
    const auto y = train_output(net, x, 1);
    const auto dropped = static_cast<double>(std::count(y.begin(), y.end(), 0.0f)) / static_cast<double>(y.size());
    // σ of the fraction is sqrt(0.3·0.7/131072) ≈ 0.0013.
    CHECK(dropped == Approx(0.3).margin(0.006));
    const float kept = static_cast<float>(1.0 / (1.0 - 0.3));
    CHECK(std::all_of(y.begin(), y.end(), [&](float v) { return v == 0.0f || v == kept; }));
}

TEST_CASE("Dropout's mask is a pure function of (seed, step, layer, element)", "[dropout]") {
    Network<Dropout<0.5f>, Big, Cpu, float> net({.seed = 5}), twin({.seed = 5}), other_seed({.seed = 6});
    net.plan(big_batch);
    twin.plan(big_batch);
    other_seed.plan(big_batch);
    const auto x = ones();
    const auto first = train_output(net, x, 7);
    CHECK(train_output(net, x, 7) == first);
    CHECK(train_output(twin, x, 7) == first);
    CHECK(train_output(net, x, 8) != first);
    CHECK(train_output(other_seed, x, 7) != first);

    // The documented definition, which every backend reproduces.
    const std::uint64_t stream = dropout_stream(0, 7);
    const std::uint32_t threshold = dropout_threshold(0.5);
    for (std::size_t e = 0; e < first.size(); e += 97) {
        const bool keep = random_bits(5, stream, e / 4)[e % 4] >= threshold;
        CHECK((first[e] != 0.0f) == keep);
    }
}

TEST_CASE("Dropout recomputes the same mask in backward", "[dropout]") {
    Network<Dropout<0.4f>, Big, Cpu, float> net({.seed = 9});
    net.plan(big_batch);
    const auto x = ones();
    const auto y = train_output(net, x, 3);
    HostTensor<float, Big> dx(big_batch);
    net.backward(x.view(), dx.view());  // dy = 1: dx is the scaled mask, which is y
    CHECK(std::vector<float>(dx.data(), dx.data() + dx.size()) == y);
}

TEST_CASE("Dropout is the identity in evaluation and at rate 0", "[dropout]") {
    auto x = random_tensor<float, Shape<4, 4, 3>>(3, 1);
    Network<Dropout<0.5f>, Shape<4, 4, 3>, Cpu, float> net({.seed = 1});
    net.plan(3);
    auto y = net.forward(x.view(), Mode::eval);
    CHECK(std::equal(y.data, y.end(), x.data()));
    HostTensor<float, Shape<4, 4, 3>> dx(3);
    net.backward(x.view(), dx.view());
    CHECK(std::equal(dx.data(), dx.data() + dx.size(), x.data()));

    Network<Dropout<0.0f>, Shape<4, 4, 3>, Cpu, float> none({.seed = 1});
    none.plan(3);
    auto z = none.forward(x.view(), Mode::train);
    CHECK(std::equal(z.data, z.end(), x.data()));
}

TEST_CASE("Each Dropout of a network draws its own mask", "[dropout]") {
    using Two = Sequential<Tag<"a", Dropout<0.5f>>, Conv2d<4, 1>, Tag<"b", Dropout<0.5f>>>;
    Network<Two, Shape<16, 16, 4>, Cpu, float> net({.seed = 2});
    std::vector<std::uint64_t> indices;
    visit_layers(net.root(), [&](auto& layer, int) {
        if constexpr (requires { layer.layer_index(); }) indices.push_back(layer.layer_index());
    });
    CHECK(indices == std::vector<std::uint64_t>{0, 1});

    // Same rate, same step, same input to both: different layers must drop different elements.
    Network<Sequential<Tag<"a", Dropout<0.5f>>, Tag<"b", Dropout<0.5f>>>, Shape<16, 16, 4>, Cpu, float> chain(
        {.seed = 2});
    chain.plan(4);
    HostTensor<float, Shape<16, 16, 4>> x(4);
    std::fill_n(x.data(), x.size(), 1.0f);
    const auto y = chain.forward(x.view(), Mode::train);
    // y = mask_b ⊙ mask_a · 4: if the masks were equal, 50% would survive, independent ones 25%.
    const double survived = static_cast<double>(std::count(y.data, y.end(), 4.0f)) / static_cast<double>(y.size());
    CHECK(survived == Approx(0.25).margin(0.03));
}

TEST_CASE("Dropout gradients match central differences", "[dropout][gradient]") {
    using Net = Network<Sequential<Conv2d<3, 3>, Dropout<0.4f>, Conv2d<2, 3>>, Shape<5, 5, 2>, Cpu, double>;
    auto x = random_tensor<double, Shape<5, 5, 2>>(2, 3);
    SECTION("training") {
        Net net({.seed = 4});
        check_gradients(net, x, {.mode = Mode::train});
    }
    SECTION("evaluation") {
        Net net({.seed = 4});
        check_gradients(net, x);
    }
}

TEST_CASE("Dropout gives the same mask on one thread and on several", "[dropout][threads]") {
    check_thread_independence<Dropout<0.4f>, Shape<5, 3, 3>>(7);  // 45 values per image: blocks of 4 straddle images
}
