// The loss and optimizer of E1's phase-1 training step (what the benchmark runs): the Keras
// weighted cross-entropy and Nadam, against tools/make_golden.py (float64).
#include <latentlab/data/npy.hpp>

#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
using Probabilities = Shape<3, 4, 4>;

template <class T>
HostTensor<T, Probabilities> load_batch(const std::string& file) {
    const auto array = load_npy<T>(golden_dir("weighted_ce") / file);
    REQUIRE(array.size() == 2 * Probabilities::size);
    HostTensor<T, Probabilities> tensor(2);
    std::copy(array.begin(), array.end(), tensor.data());
    return tensor;
}
}  // namespace

TEMPLATE_TEST_CASE("Weighted cross-entropy matches the Keras formula computed by PyTorch", "[losses][golden]", float,
                   double) {
    const double tolerance = sizeof(TestType) == 8 ? 1e-12 : 1e-5;
    auto p = load_batch<TestType>("p.npy");
    auto target = load_batch<TestType>("target.npy");
    auto expected_gradient = load_batch<double>("dp.npy");
    const double expected_loss = load_npy<double>(golden_dir("weighted_ce") / "loss.npy")(0);
    HostTensor<TestType, Probabilities> gradient(2);
    const losses::WeightedCrossEntropy<4> loss{{4, 4, 4, 1}};
    const double value = loss.value_and_gradient(Cpu{2}, p.view(), target.view(), gradient.view());
    CHECK(value == Approx(expected_loss).epsilon(tolerance));
    CHECK(relative_error(gradient.data(), expected_gradient.data(), gradient.size()) <= tolerance);
}

TEST_CASE("Weighted cross-entropy gradient matches central differences, clipping included", "[losses][gradient]") {
    auto p = random_tensor<double, Probabilities>(2, 4, 0.01, 1.0);  // not normalized: the loss normalizes
    p(0, 1, 1, 2) = 1e-9;  // below the clip: no gradient flows through this class
    HostTensor<double, Probabilities> target(2), gradient(2);
    Rng rng(5);
    for (std::size_t px = 0; px < 2 * 3 * 4; ++px) target.data()[px * 4 + rng.uniform_int(0, 3)] = 1.0;
    target(0, 1, 1, 0) = 0.0;
    target(0, 1, 1, 1) = 0.0;
    target(0, 1, 1, 3) = 0.0;
    target(0, 1, 1, 2) = 1.0;  // the clipped class is the target there
    const losses::WeightedCrossEntropy<4> loss{{4, 3, 2, 1}};
    const Cpu cpu{1};
    loss.value_and_gradient(cpu, p.view(), target.view(), gradient.view());
    HostTensor<double, Probabilities> scratch(2);
    std::vector<double> numeric, analytic;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double saved = p.data()[i], step = 1e-7 * std::max(1.0, std::abs(saved));
        p.data()[i] = saved + step;
        const double plus = loss.value_and_gradient(cpu, p.view(), target.view(), scratch.view());
        p.data()[i] = saved - step;
        const double minus = loss.value_and_gradient(cpu, p.view(), target.view(), scratch.view());
        p.data()[i] = saved;
        if (saved < 1e-6) continue;  // the finite step would leave the clipped region
        numeric.push_back((plus - minus) / (2 * step));
        analytic.push_back(gradient.data()[i]);
    }
    CHECK(relative_error(numeric.data(), analytic.data(), numeric.size()) <= 1e-6);
    // The target's class is clipped there, so (as in Keras) no gradient reaches that pixel.
    for (int c = 0; c < 4; ++c) CHECK(gradient(0, 1, 1, c) == 0.0);
}

// The reference is Keras 2.3's Nadam written out in tools/make_golden.py, which also shows
// that Debian's PyTorch 1.13 NAdam differs from it only by its mu_product_next bug.
TEMPLATE_TEST_CASE("Nadam matches Keras 2.3's Nadam (lr 0.002, eps 1e-7, schedule decay 0.004) over 20 steps",
                   "[optim][golden]", float, double) {
    const auto dir = golden_dir("nadam");
    const auto start = load_npy<TestType>(dir / "start.npy");
    const auto gradients = load_npy<TestType>(dir / "gradients.npy");
    const auto expected = load_npy<double>(dir / "after20.npy");
    REQUIRE(gradients.size() == 20 * start.size());
    std::vector<TestType> theta(start.begin(), start.end());
    optim::Nadam nadam;
    for (std::size_t step = 0; step < 20; ++step)
        nadam.step(std::span<TestType>(theta),
                   std::span<const TestType>(gradients.data() + step * start.size(), start.size()));
    CHECK(nadam.steps_taken() == 20);
    CHECK(relative_error(theta.data(), expected.data(), theta.size()) <= (sizeof(TestType) == 8 ? 1e-12 : 1e-6));
}
