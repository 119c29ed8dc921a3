#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "golden.hpp"
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {
using In = Shape<4, 4, 3>;
constexpr double epsilon = 1e-5;

// Gives gamma, beta and the running statistics values away from their initial 1, 0, 0, 1.
template <class Net>
void randomize(Net& net, std::uint64_t seed) {
    Rng rng(seed, 1);
    for (auto& p : net.parameters()) p = static_cast<typename Net::value_type>(rng.uniform(0.5, 1.5));
    auto state = net.state();
    const std::size_t c = state.size() / 2;
    for (std::size_t i = 0; i < c; ++i) state[i] = static_cast<typename Net::value_type>(rng.uniform(-0.5, 0.5));
    for (std::size_t i = c; i < 2 * c; ++i) state[i] = static_cast<typename Net::value_type>(rng.uniform(0.5, 2.0));
}

// Per-channel mean and biased variance of a batch, in double.
template <class View>
std::pair<std::vector<double>, std::vector<double>> moments(const View& x) {
    using S = typename View::shape;
    std::vector<double> mean(S::channels, 0.0), var(S::channels, 0.0);
    const std::size_t count = x.size() / S::channels;
    for (std::size_t i = 0; i < x.size(); ++i) mean[i % S::channels] += static_cast<double>(x.data[i]) / count;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double d = static_cast<double>(x.data[i]) - mean[i % S::channels];
        var[i % S::channels] += d * d / count;
    }
    return {mean, var};
}

// The batchnorm_train golden case: training-mode forward from the recorded running
// statistics, backward with dy; y, dx, dgamma, dbeta and the updated running statistics.
template <class T>
GoldenErrors check_batch_norm_train_golden(double tolerance) {
    namespace gd = golden_detail;
    const auto dir = golden_dir("batchnorm_train");
    INFO("golden case batchnorm_train, " << (sizeof(T) == 4 ? "float" : "double"));
    REQUIRE(std::filesystem::is_directory(dir));
    constexpr std::size_t batch = 3;
    const std::vector<std::size_t> channel_shape{In::channels};
    Network<BatchNorm2d<>, In, Cpu, T> net;
    net.plan(batch);
    const auto set = [&](T* target, const std::string& file) {
        const auto values = gd::load<T>(dir, file, channel_shape);
        std::copy(values.begin(), values.end(), target);
    };
    REQUIRE(net.parameter_infos().size() == 4);
    set(net.parameters().data(), "gamma");
    set(net.parameters().data() + In::channels, "beta");
    set(net.state().data(), "running_mean_before");
    set(net.state().data() + In::channels, "running_var_before");

    GoldenErrors errors;
    const auto compare = [&](const std::string& what, const T* ours, const xt::xarray<T>& reference) {
        const double error = relative_error(ours, reference.data(), reference.size());
        errors[what] = error;
        INFO("batchnorm_train " << what << ": relative error " << error);
        CHECK(error <= tolerance);
    };
    const auto x_ref = gd::load<T>(dir, "x", gd::batch_shape<In>(batch));
    HostTensor<T, In> x(batch);
    std::copy(x_ref.begin(), x_ref.end(), x.data());
    const auto y = net.forward(x.view(), Mode::train);
    compare("y", y.data, gd::load<T>(dir, "y", gd::batch_shape<In>(batch)));
    compare("running_mean", net.state().data(), gd::load<T>(dir, "running_mean_after", channel_shape));
    compare("running_var", net.state().data() + In::channels, gd::load<T>(dir, "running_var_after", channel_shape));

    const auto dy_ref = gd::load<T>(dir, "dy", gd::batch_shape<In>(batch));
    HostTensor<T, In> dy(batch), dx(batch);
    std::copy(dy_ref.begin(), dy_ref.end(), dy.data());
    net.zero_grad();
    net.backward(dy.view(), dx.view());
    compare("dx", dx.data(), gd::load<T>(dir, "dx", gd::batch_shape<In>(batch)));
    compare("dgamma", net.gradients().data(), gd::load<T>(dir, "dgamma", channel_shape));
    compare("dbeta", net.gradients().data() + In::channels, gd::load<T>(dir, "dbeta", channel_shape));
    return errors;
}
}  // namespace

TEST_CASE("BatchNorm2d gradients match central differences", "[batch_norm][gradient]") {
    SECTION("training: batch statistics") {
        Network<BatchNorm2d<>, In, Cpu, double> net;
        randomize(net, 1);
        auto x = random_tensor<double, In>(3, 2, -2.0, 3.0);
        check_gradients(net, x, {.mode = Mode::train});
    }
    SECTION("training, after a conv, one image") {
        Network<Sequential<Conv2d<4, 3>, BatchNorm2d<>, Conv2d<2, 1>>, Shape<5, 4, 2>, Cpu, double> net({.seed = 3});
        auto x = random_tensor<double, Shape<5, 4, 2>>(1, 4);
        check_gradients(net, x, {.mode = Mode::train});
    }
    SECTION("evaluation: running statistics") {
        Network<BatchNorm2d<>, In, Cpu, double> net;
        randomize(net, 5);
        auto x = random_tensor<double, In>(2, 6);
        check_gradients(net, x);
    }
}

TEST_CASE("BatchNorm2d parameters and state", "[batch_norm]") {
    using Net = Network<BatchNorm2d<>, In, Cpu, float>;
    STATIC_REQUIRE(Net::parameter_count == 6);
    STATIC_REQUIRE(Net::state_count == 6);
    Net net;
    const auto& infos = net.parameter_infos();
    REQUIRE(infos.size() == 4);
    CHECK(infos[0].name == "gamma");
    CHECK(infos[1].name == "beta");
    CHECK((infos[2].name == "running_mean" && !infos[2].trainable && infos[2].offset == 0));
    CHECK((infos[3].name == "running_var" && !infos[3].trainable && infos[3].offset == 3));
    CHECK(std::vector<float>(net.parameters().begin(), net.parameters().end()) == std::vector<float>{1, 1, 1, 0, 0, 0});
    CHECK(std::vector<float>(net.state().begin(), net.state().end()) == std::vector<float>{0, 0, 0, 1, 1, 1});
}

TEST_CASE("BatchNorm2d in training normalizes with the batch and updates the running statistics", "[batch_norm]") {
    constexpr std::size_t batch = 3;
    Network<BatchNorm2d<BatchNormOptions{.momentum = 0.25f}>, In, Cpu, double> net;
    net.plan(batch);
    auto x = random_tensor<double, In>(batch, 8, 1.0, 4.0);
    const auto [mean, var] = moments(x.view());
    const auto y = net.forward(x.view(), Mode::train);
    const auto [y_mean, y_var] = moments(y);
    const double count = batch * In::height * In::width;
    for (int c = 0; c < In::channels; ++c) {
        CHECK(y_mean[c] == Approx(0.0).margin(1e-12));
        CHECK(y_var[c] == Approx(var[c] / (var[c] + epsilon)).epsilon(1e-9));
        CHECK(net.state()[c] == Approx(0.25 * mean[c]).epsilon(1e-12));
        CHECK(net.state()[3 + c] == Approx(0.75 + 0.25 * var[c] * count / (count - 1)).epsilon(1e-12));
    }
}

TEST_CASE("BatchNorm2d in evaluation uses the running statistics and leaves them alone", "[batch_norm]") {
    Network<BatchNorm2d<>, In, Cpu, double> net;
    randomize(net, 9);
    const std::vector<double> state(net.state().begin(), net.state().end());
    const std::vector<double> params(net.parameters().begin(), net.parameters().end());
    net.plan(3);
    auto x = random_tensor<double, In>(3, 10);
    const auto y = net.forward(x.view(), Mode::eval);
    for (std::size_t i = 0; i < y.size(); ++i) {
        const std::size_t c = i % 3;
        const double expected = (x.data()[i] - state[c]) / std::sqrt(state[3 + c] + epsilon) * params[c] + params[3 + c];
        CHECK(y.data[i] == Approx(expected).epsilon(1e-12));
    }
    CHECK(std::vector<double>(net.state().begin(), net.state().end()) == state);
    // Each image is normalized on its own: the first image alone gives the same output.
    std::vector<double> first(y.data, y.data + In::size);
    HostTensor<double, In> one(1);
    std::copy_n(x.data(), In::size, one.data());
    const auto alone = net.forward(one.view(), Mode::eval);
    CHECK(std::vector<double>(alone.data, alone.end()) == first);
}

TEST_CASE("BatchNorm2d refuses to train on one value per channel", "[batch_norm][errors]") {
    Network<BatchNorm2d<>, Shape<1, 1, 3>, Cpu, float> net;
    net.plan(1);
    HostTensor<float, Shape<1, 1, 3>> x(1);
    CHECK_THROWS_WITH(net.forward(x.view(), Mode::train), Catch::Contains("more than one value per channel"));
    CHECK_NOTHROW(net.forward(x.view(), Mode::eval));
}

TEST_CASE("BatchNorm2d gives the same results on one thread and on several", "[batch_norm][threads]") {
    check_thread_independence<BatchNorm2d<>, Shape<5, 4, 3>>(5);
}

TEST_CASE("BatchNorm2d matches PyTorch", "[batch_norm][golden]") {
    SECTION("batchnorm_train") {
        const auto f = check_batch_norm_train_golden<float>(golden_tolerance<float>());
        const auto d = check_batch_norm_train_golden<double>(golden_tolerance<double>());
        for (const auto& [what, error] : f) WARN("batchnorm_train float " << what << ": " << error);
        for (const auto& [what, error] : d) WARN("batchnorm_train double " << what << ": " << error);
    }
    SECTION("batchnorm_eval") { check_golden_both<BatchNorm2d<>, In>("batchnorm_eval"); }
}
