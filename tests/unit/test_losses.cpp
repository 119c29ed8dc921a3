// The losses of include/latentlab/losses against tools/make_loss_golden.py (the Keras
// formulas in float64 through PyTorch's autograd), against central differences, and their
// invariants: the minimum at a perfect prediction, thread-count independence, errors.
#include <latentlab/losses/binary_cross_entropy.hpp>
#include <latentlab/losses/dice_loss.hpp>
#include <latentlab/losses/focal_loss.hpp>
#include <latentlab/losses/iou_loss.hpp>
#include <latentlab/losses/kl_sparsity.hpp>
#include <latentlab/losses/l2_weight_decay.hpp>
#include <latentlab/losses/mean_squared_error.hpp>
#include <latentlab/losses/nll_loss.hpp>
#include <latentlab/losses/soft_dice_loss.hpp>
#include <latentlab/losses/softmax_cross_entropy.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "golden.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
using Classes4 = Shape<5, 4, 4>;  // the golden cases: batch 2, 5×4 pixels, 4 classes
using Values3 = Shape<5, 4, 3>;   // the per-value losses (MSE, BCE): 3 channels
using Hidden = Shape<1, 1, 6>;    // KL sparsity: 6 hidden units, batch 8

std::filesystem::path loss_file(const std::string& case_name, const std::string& name) {
    return std::filesystem::path(LATENTLAB_TEST_DATA_DIR) / "losses" / case_name / (name + ".npy");
}

template <class T, ShapeType S>
HostTensor<T, S> load_tensor(const std::string& case_name, const std::string& name, std::size_t batch = 2) {
    const auto array = load_npy<T>(loss_file(case_name, name));
    INFO(loss_file(case_name, name).string());
    REQUIRE(array.size() == batch * S::size);
    HostTensor<T, S> tensor(batch);
    std::copy(array.begin(), array.end(), tensor.data());
    return tensor;
}

double golden_loss(const std::string& case_name) { return load_npy<double>(loss_file(case_name, "loss"))(0); }

// The value and gradient of `loss` on the case's p and target, in float and in double.
template <ShapeType S, class Loss>
void check_golden_loss(const Loss& loss, const std::string& case_name) {
    const auto check = [&]<class T>(T) {
        INFO(case_name << " in " << (sizeof(T) == 4 ? "float" : "double"));
        const auto p = load_tensor<T, S>(case_name, "p");
        const auto target = load_tensor<T, S>(case_name, "target");
        const auto expected_gradient = load_tensor<double, S>(case_name, "dp");
        const double expected = golden_loss(case_name);
        HostTensor<T, S> gradient(2);
        const double value = loss.value_and_gradient(Cpu{2}, p.view(), target.view(), gradient.view());
        CHECK(std::abs(value - expected) <= golden_tolerance<T>() * std::abs(expected));
        CHECK(relative_error(gradient.data(), expected_gradient.data(), gradient.size()) <= golden_tolerance<T>());
    };
    check(float{});
    check(double{});
}

// Central differences of the mean loss, coordinate by coordinate, in double. Within 1e-6 of
// a clip edge (p ∈ [ε, 1 − ε] with ε = 1e-7) the step is 1e-11, so that both evaluations
// stay on the same side of the edge: there the clipped coordinates must show 0.
template <ShapeType S, class Loss>
void check_central_differences(const Loss& loss, HostTensor<double, S>& p, const HostTensor<double, S>& target,
                               bool clipped = false) {
    const Cpu cpu{1};
    HostTensor<double, S> gradient(p.batch()), scratch(p.batch());
    loss.value_and_gradient(cpu, p.view(), target.view(), gradient.view());
    std::vector<double> numeric(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double saved = p.data()[i];
        const bool near_edge = clipped && std::min(std::abs(saved - 1e-7), std::abs(saved - (1 - 1e-7))) < 1e-6;
        const double step = near_edge ? 1e-11 : 1e-6 * std::max(1.0, std::abs(saved));
        p.data()[i] = saved + step;
        const double plus = loss.value_and_gradient(cpu, p.view(), target.view(), scratch.view());
        p.data()[i] = saved - step;
        const double minus = loss.value_and_gradient(cpu, p.view(), target.view(), scratch.view());
        p.data()[i] = saved;
        numeric[i] = (plus - minus) / (2 * step);
    }
    CHECK(relative_error(numeric.data(), gradient.data(), numeric.size()) <= 1e-6);
}

template <ShapeType S>
HostTensor<double, S> one_hot(std::size_t batch, std::uint64_t seed) {
    HostTensor<double, S> target(batch);
    Rng rng(seed);
    for (std::size_t px = 0; px < target.size() / S::channels; ++px)
        target.data()[px * S::channels + rng.uniform_int(0, S::channels - 1)] = 1.0;
    return target;
}

// Softmax of random logits: probabilities away from the clip edges.
template <ShapeType S>
HostTensor<double, S> probabilities(std::size_t batch, std::uint64_t seed) {
    auto p = random_tensor<double, S>(batch, seed, -2.0, 2.0);
    for (std::size_t px = 0; px < p.size() / S::channels; ++px) {
        double* q = p.data() + px * S::channels;
        double sum = 0;
        for (int c = 0; c < S::channels; ++c) sum += q[c] = std::exp(q[c]);
        for (int c = 0; c < S::channels; ++c) q[c] /= sum;
    }
    return p;
}

template <ShapeType S, class Loss>
double value_of(const Loss& loss, const HostTensor<double, S>& p, const HostTensor<double, S>& target,
                HostTensor<double, S>& gradient, int threads = 1) {
    return loss.value_and_gradient(Cpu{threads}, p.view(), target.view(), gradient.view());
}
}  // namespace

TEST_CASE("Losses match the Keras formulas computed by PyTorch in float64", "[losses][golden]") {
    check_golden_loss<Values3>(losses::MeanSquaredError{}, "mse");
    check_golden_loss<Classes4>(losses::SoftmaxCrossEntropy<4>{}, "softmax_ce");
    check_golden_loss<Classes4>(losses::SoftmaxCrossEntropy<4>{{4, 4, 4, 1}}, "softmax_ce_weighted");
    check_golden_loss<Classes4>(losses::NllLoss<4>{}, "nll");
    check_golden_loss<Values3>(losses::BinaryCrossEntropy{}, "bce");
    check_golden_loss<Values3>(losses::BinaryCrossEntropy{}, "bce_clip");
    check_golden_loss<Classes4>(losses::FocalLoss<4>{}, "focal");
    check_golden_loss<Classes4>(losses::FocalLoss<4>{}, "focal_clip");
    check_golden_loss<Classes4>(losses::DiceLoss<4>{}, "dice");
    check_golden_loss<Classes4>(losses::SoftDiceLoss<4>{}, "soft_dice");
    check_golden_loss<Classes4>(losses::IoULoss<4>{}, "iou");
}

TEST_CASE("Focal loss defaults are E1's alpha and gamma", "[losses]") {
    const losses::FocalLoss<4> focal;
    CHECK(focal.alpha == std::array<double, 4>{0.75, 0.75, 0.75, 0.25});
    CHECK(focal.gamma == 2.0);
}

TEST_CASE("KL sparsity and L2 weight decay add their gradients to the ones already there", "[losses][golden]") {
    const auto check = [&]<class T>(T) {
        INFO((sizeof(T) == 4 ? "float" : "double"));
        const auto a = load_tensor<T, Hidden>("kl_sparsity", "a", 8);
        auto da = load_tensor<T, Hidden>("kl_sparsity", "upstream", 8);
        const auto expected_da = load_tensor<double, Hidden>("kl_sparsity", "da", 8);
        const double penalty = losses::KlSparsity{0.05, 3.0}.value_and_add_gradient(Cpu{2}, a.view(), da.view());
        CHECK(std::abs(penalty - golden_loss("kl_sparsity")) <= golden_tolerance<T>() * golden_loss("kl_sparsity"));
        CHECK(relative_error(da.data(), expected_da.data(), da.size()) <= golden_tolerance<T>());

        const auto w = load_npy<T>(loss_file("l2", "w"));
        auto dw = load_npy<T>(loss_file("l2", "upstream"));
        const auto expected_dw = load_npy<double>(loss_file("l2", "dw"));
        REQUIRE(w.size() == 30);
        REQUIRE(dw.size() == 30);
        const double decay = losses::L2WeightDecay{0.01}.value_and_add_gradient<T>(
            std::span<const T>(w.data(), w.size()), std::span<T>(dw.data(), dw.size()));
        CHECK(std::abs(decay - golden_loss("l2")) <= golden_tolerance<T>() * golden_loss("l2"));
        CHECK(relative_error(dw.data(), expected_dw.data(), dw.size()) <= golden_tolerance<T>());
    };
    check(float{});
    check(double{});
}

TEST_CASE("Loss gradients match central differences", "[losses][gradient]") {
    const auto target = one_hot<Classes4>(3, 11);
    SECTION("mean squared error") {
        auto p = random_tensor<double, Values3>(3, 1);
        const auto y = random_tensor<double, Values3>(3, 2);
        check_central_differences(losses::MeanSquaredError{}, p, y);
    }
    SECTION("softmax cross-entropy, weighted, with soft targets") {
        auto z = random_tensor<double, Classes4>(3, 3, -4.0, 4.0);
        auto soft = probabilities<Classes4>(3, 4);  // the gradient formula holds for any y
        check_central_differences(losses::SoftmaxCrossEntropy<4>{{4, 3, 2, 1}}, z, soft);
        check_central_differences(losses::SoftmaxCrossEntropy<4>{}, z, target);
    }
    SECTION("NLL") {
        auto log_p = random_tensor<double, Classes4>(3, 5, -5.0, 0.0);
        check_central_differences(losses::NllLoss<4>{}, log_p, target);
    }
    SECTION("dice, soft dice, IoU") {
        auto p = probabilities<Classes4>(3, 6);
        check_central_differences(losses::DiceLoss<4>{}, p, target);
        check_central_differences(losses::SoftDiceLoss<4>{}, p, target);
        check_central_differences(losses::IoULoss<4>{}, p, target);
        check_central_differences(losses::DiceLoss<4>{0.5}, p, target);
    }
    SECTION("binary cross-entropy and focal loss, clip region included") {
        auto p = random_tensor<double, Values3>(3, 7, 0.01, 0.99);
        auto y = random_tensor<double, Values3>(3, 8, 0.0, 1.0);  // soft targets
        p(0, 0, 0, 0) = 0.0;
        p(0, 0, 0, 1) = 1e-9;
        p(1, 2, 3, 2) = 1.0;
        p(2, 4, 1, 0) = 1 - 1e-9;
        p(2, 4, 1, 1) = 3e-7;  // just inside the clip: the gradient flows
        check_central_differences(losses::BinaryCrossEntropy{}, p, y, true);
        HostTensor<double, Values3> gradient(3);
        value_of(losses::BinaryCrossEntropy{}, p, y, gradient);
        CHECK(gradient(0, 0, 0, 0) == 0.0);
        CHECK(gradient(0, 0, 0, 1) == 0.0);
        CHECK(gradient(1, 2, 3, 2) == 0.0);
        CHECK(gradient(2, 4, 1, 0) == 0.0);
        CHECK(gradient(2, 4, 1, 1) != 0.0);

        auto q = probabilities<Classes4>(3, 9);
        for (int c = 0; c < 4; ++c) q(0, 1, 1, c) = target(0, 1, 1, c) == 1.0 ? 1e-9 : 0.3;
        for (int c = 0; c < 4; ++c) q(1, 0, 2, c) = target(1, 0, 2, c) == 1.0 ? 1.0 : 0.0;
        check_central_differences(losses::FocalLoss<4>{}, q, target, true);
        check_central_differences(losses::FocalLoss<4>{{0.1, 0.2, 0.3, 0.4}, 0.5}, q, target, true);
        HostTensor<double, Classes4> focal_gradient(3);
        value_of(losses::FocalLoss<4>{}, q, target, focal_gradient);
        for (int c = 0; c < 4; ++c) {
            CHECK(focal_gradient(0, 1, 1, c) == 0.0);
            CHECK(focal_gradient(1, 0, 2, c) == 0.0);
        }
    }
    SECTION("KL sparsity") {
        auto a = random_tensor<double, Hidden>(5, 10, 0.01, 0.3);
        const losses::KlSparsity kl{0.05, 2.5};
        HostTensor<double, Hidden> da(5), scratch(5);
        kl.value_and_add_gradient(Cpu{1}, a.view(), da.view());
        std::vector<double> numeric(a.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            const double saved = a.data()[i], step = 1e-7;
            a.data()[i] = saved + step;
            const double plus = kl.value_and_add_gradient(Cpu{1}, a.view(), scratch.view());
            a.data()[i] = saved - step;
            const double minus = kl.value_and_add_gradient(Cpu{1}, a.view(), scratch.view());
            a.data()[i] = saved;
            numeric[i] = (plus - minus) / (2 * step);
        }
        CHECK(relative_error(numeric.data(), da.data(), numeric.size()) <= 1e-6);
    }
}

TEST_CASE("Softmax cross-entropy stays finite for logits of plus or minus 1000", "[losses]") {
    using One = Shape<1, 1, 4>;
    HostTensor<double, One> z(2), y(2), gradient(2);
    for (int c = 0; c < 4; ++c) {
        z(0, 0, 0, c) = c == 0 ? 1000.0 : -1000.0;  // confidently wrong: class 1 is the target
        z(1, 0, 0, c) = c == 2 ? 1000.0 : -1000.0;  // confidently right
    }
    y(0, 0, 0, 1) = 1.0;
    y(1, 0, 0, 2) = 1.0;
    const double value = losses::SoftmaxCrossEntropy<4>{}.value_and_gradient(Cpu{1}, z.view(), y.view(),
                                                                             gradient.view());
    CHECK(value == Approx(1000.0));  // (2000 + 0) / 2 pixels
    for (std::size_t i = 0; i < gradient.size(); ++i) REQUIRE(std::isfinite(gradient.data()[i]));
    CHECK(gradient(0, 0, 0, 0) == 0.5);  // (p − y) / pixels
    CHECK(gradient(0, 0, 0, 1) == -0.5);
    CHECK(gradient(1, 0, 0, 2) == 0.0);
    HostTensor<float, One> zf(2), yf(2), gf(2);
    std::copy(z.data(), z.data() + z.size(), zf.data());
    std::copy(y.data(), y.data() + y.size(), yf.data());
    CHECK(losses::SoftmaxCrossEntropy<4>{}.value_and_gradient(Cpu{1}, zf.view(), yf.view(), gf.view()) ==
          Approx(1000.0));
}

TEST_CASE("A perfect prediction gives each loss its minimum", "[losses]") {
    const auto target = one_hot<Classes4>(2, 12);
    const auto random_p = probabilities<Classes4>(2, 13);
    HostTensor<double, Classes4> gradient(2);
    const auto all_zero = [&] {
        return std::all_of(gradient.data(), gradient.data() + gradient.size(), [](double g) { return g == 0.0; });
    };
    SECTION("Dice, soft Dice and IoU: 0 at p = y") {
        CHECK(value_of(losses::DiceLoss<4>{}, target, target, gradient) == 0.0);
        CHECK(all_zero());  // p = y is a stationary point of the per-pixel form
        CHECK(value_of(losses::DiceLoss<4>{}, random_p, target, gradient) > 0.1);
        CHECK(value_of(losses::SoftDiceLoss<4>{}, target, target, gradient) == Approx(0.0).margin(1e-15));
        CHECK(value_of(losses::SoftDiceLoss<4>{}, random_p, target, gradient) > 0.1);
        CHECK(value_of(losses::IoULoss<4>{}, target, target, gradient) == Approx(0.0).margin(1e-15));
        CHECK(value_of(losses::IoULoss<4>{}, random_p, target, gradient) > 0.1);
    }
    SECTION("focal: the clip's floor, with no gradient") {
        // p = y is clipped to 1 − ε: α ε² (−log(1 − ε)) per pixel, below 1e-21.
        const double value = value_of(losses::FocalLoss<4>{}, target, target, gradient);
        CHECK(value >= 0.0);
        CHECK(value < 1e-21);
        CHECK(all_zero());
        CHECK(value_of(losses::FocalLoss<4>{}, random_p, target, gradient) > 0.01);
    }
    SECTION("NLL: 0 at log p = 0 for the target") {
        HostTensor<double, Classes4> log_p(2);
        for (std::size_t i = 0; i < log_p.size(); ++i) log_p.data()[i] = target.data()[i] == 1.0 ? 0.0 : -1000.0;
        CHECK(value_of(losses::NllLoss<4>{}, log_p, target, gradient) == 0.0);
        log_p.data()[0] -= 0.5;  // less probability anywhere on a target raises the loss
        CHECK(value_of(losses::NllLoss<4>{}, log_p, target, gradient) >= 0.0);
    }
    SECTION("softmax cross-entropy: tends to 0 as the target's logit dominates") {
        HostTensor<double, Classes4> z(2);
        for (std::size_t i = 0; i < z.size(); ++i) z.data()[i] = 40.0 * target.data()[i];
        CHECK(value_of(losses::SoftmaxCrossEntropy<4>{}, z, target, gradient) < 1e-15);
        CHECK(value_of(losses::SoftmaxCrossEntropy<4>{}, random_p, target, gradient) > 0.5);
    }
    SECTION("MSE and BCE") {
        HostTensor<double, Values3> y(2), g(2);
        for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = i % 3 == 0 ? 1.0 : 0.0;
        CHECK(losses::MeanSquaredError{}.value_and_gradient(Cpu{1}, y.view(), y.view(), g.view()) == 0.0);
        CHECK(std::all_of(g.data(), g.data() + g.size(), [](double v) { return v == 0.0; }));
        // BCE at p = y ∈ {0, 1}: both clipped, −log(1 − ε) per value, no gradient.
        const double floor = losses::BinaryCrossEntropy{}.value_and_gradient(Cpu{1}, y.view(), y.view(), g.view());
        CHECK(floor == Approx(-std::log1p(-1e-7)).epsilon(1e-9));
        CHECK(std::all_of(g.data(), g.data() + g.size(), [](double v) { return v == 0.0; }));
    }
    SECTION("KL sparsity: 0 when every unit's mean is rho; L2: 0 at w = 0") {
        HostTensor<double, Hidden> a(4), da(4);
        for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = (i / Hidden::size) % 2 == 0 ? 0.04 : 0.06;  // mean 0.05 per unit
        CHECK(losses::KlSparsity{}.value_and_add_gradient(Cpu{1}, a.view(), da.view()) == Approx(0.0).margin(1e-15));
        for (std::size_t i = 0; i < da.size(); ++i) CHECK(da.data()[i] == Approx(0.0).margin(1e-12));
        std::vector<double> w(10, 0.0), dw(10, 0.5);
        CHECK(losses::L2WeightDecay{0.1}.value_and_add_gradient<double>(w, dw) == 0.0);
        CHECK(std::all_of(dw.begin(), dw.end(), [](double v) { return v == 0.5; }));
    }
}

TEST_CASE("Losses give bitwise the same value and gradient with 1 and 2 threads", "[losses]") {
    constexpr std::size_t batch = 7;
    const auto target = one_hot<Classes4>(batch, 14);
    const auto p = probabilities<Classes4>(batch, 15);
    const auto same = [&](const auto& loss) {
        HostTensor<double, Classes4> one(batch), two(batch);
        const double v1 = value_of(loss, p, target, one, 1);
        const double v2 = value_of(loss, p, target, two, 2);
        CHECK(v1 == v2);
        CHECK(std::equal(one.data(), one.data() + one.size(), two.data()));
    };
    same(losses::MeanSquaredError{});
    same(losses::SoftmaxCrossEntropy<4>{{4, 4, 4, 1}});
    same(losses::NllLoss<4>{});
    same(losses::BinaryCrossEntropy{});
    same(losses::FocalLoss<4>{});
    same(losses::DiceLoss<4>{});
    same(losses::SoftDiceLoss<4>{});
    same(losses::IoULoss<4>{});
    const auto a = random_tensor<double, Hidden>(batch, 16, 0.01, 0.2);
    HostTensor<double, Hidden> one(batch), two(batch);
    const double v1 = losses::KlSparsity{}.value_and_add_gradient(Cpu{1}, a.view(), one.view());
    const double v2 = losses::KlSparsity{}.value_and_add_gradient(Cpu{2}, a.view(), two.view());
    CHECK(v1 == v2);
    CHECK(std::equal(one.data(), one.data() + one.size(), two.data()));
}

TEST_CASE("Losses reject mismatched batches and bad options with a latentlab Error", "[losses][errors]") {
    using Catch::Contains;
    HostTensor<double, Classes4> p(2), target(3), gradient(2), empty(0);
    p.data()[0] = 0.5;
    CHECK_THROWS_WITH(losses::DiceLoss<4>{}.value_and_gradient(Cpu{1}, p.view(), target.view(), gradient.view()),
                      Contains("DiceLoss") && Contains("predictions hold 2 images, targets 3, gradient 2"));
    CHECK_THROWS_AS(losses::SoftmaxCrossEntropy<4>{}.value_and_gradient(Cpu{1}, p.view(), target.view(),
                                                                        gradient.view()),
                    Error);
    CHECK_THROWS_WITH(losses::IoULoss<4>{}.value_and_gradient(Cpu{1}, empty.view(), empty.view(), empty.view()),
                      Contains("IoULoss") && Contains("empty"));
    HostTensor<double, Classes4> y(2);
    const losses::FocalLoss<4> negative_gamma{{1, 1, 1, 1}, -1.0};
    CHECK_THROWS_WITH(negative_gamma.value_and_gradient(Cpu{1}, p.view(), y.view(), gradient.view()),
                      Contains("gamma") && Contains("-1"));
    CHECK_THROWS_WITH(losses::SoftDiceLoss<4>{0.0}.value_and_gradient(Cpu{1}, p.view(), y.view(), gradient.view()),
                      Contains("smooth") && Contains("found 0"));
    HostTensor<double, Values3> q(1), t(1), g(1);
    CHECK_THROWS_WITH(losses::BinaryCrossEntropy{0.0}.value_and_gradient(Cpu{1}, q.view(), t.view(), g.view()),
                      Contains("epsilon") && Contains("found 0"));

    HostTensor<double, Hidden> a(3), da(3), da_short(2);
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = 0.1;
    CHECK_THROWS_WITH(losses::KlSparsity{1.5}.value_and_add_gradient(Cpu{1}, a.view(), da.view()),
                      Contains("rho") && Contains("1.5"));
    CHECK_THROWS_WITH(losses::KlSparsity{}.value_and_add_gradient(Cpu{1}, a.view(), da_short.view()),
                      Contains("activations hold 3 images, gradient 2"));
    a(0, 0, 0, 4) = a(1, 0, 0, 4) = a(2, 0, 0, 4) = 0.0;  // a dead unit: log(ρ/0)
    da.data()[0] = 7.0;
    CHECK_THROWS_WITH(losses::KlSparsity{}.value_and_add_gradient(Cpu{2}, a.view(), da.view()),
                      Contains("hidden unit 4") && Contains("found 0"));
    CHECK(da.data()[0] == 7.0);  // nothing added before the error
    CHECK(std::all_of(da.data() + 1, da.data() + da.size(), [](double v) { return v == 0.0; }));

    std::vector<double> w(5, 1.0), dw(4, 0.0);
    CHECK_THROWS_WITH(losses::L2WeightDecay{0.1}.value_and_add_gradient<double>(w, dw),
                      Contains("5 parameters but a gradient of 4 values"));
    dw.resize(5);
    CHECK_THROWS_WITH(losses::L2WeightDecay{-0.1}.value_and_add_gradient<double>(w, dw),
                      Contains("lambda") && Contains("-0.1"));
}
