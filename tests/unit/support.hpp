#pragma once
// Test support: gradient checks by central differences and golden-file comparisons.
#include <catch2/catch.hpp>

#include <cmath>
#include <utility>
#include <numeric>
#include <filesystem>
#include <string>
#include <vector>

#include "latentlab/latentlab.hpp"

namespace latentlab::testing {

inline std::filesystem::path golden_dir(const std::string& name) {
    return std::filesystem::path(LATENTLAB_TEST_DATA_DIR) / "golden" / name;
}

// ‖a − b‖ / ‖b‖ (‖a‖ when b is zero).
template <class A, class B>
double relative_error(const A* a, const B* b, std::size_t n) {
    double diff = 0, norm = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
        diff += d * d;
        norm += static_cast<double>(b[i]) * static_cast<double>(b[i]);
    }
    if (norm == 0) return std::sqrt(diff);
    return std::sqrt(diff / norm);
}

template <class T, ShapeType S>
HostTensor<T, S> random_tensor(std::size_t batch, std::uint64_t seed, double low = -1.0, double high = 1.0) {
    HostTensor<T, S> t(batch);
    Rng rng(seed, 7);
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>(rng.uniform(low, high));
    return t;
}

// A random permutation of evenly spaced values in (−1, 1): no ties, and neighbours 2/n apart,
// far more than a finite-difference step, so no argmax changes while gradients are checked.
template <class T, ShapeType S>
HostTensor<T, S> distinct_tensor(std::size_t batch, std::uint64_t seed) {
    HostTensor<T, S> t(batch);
    std::vector<std::size_t> order(t.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    Rng rng(seed, 3);
    for (std::size_t i = order.size(); i > 1; --i)
        std::swap(order[i - 1], order[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(i - 1)))]);
    for (std::size_t i = 0; i < t.size(); ++i)
        t.data()[i] = static_cast<T>(-1.0 + 2.0 * (static_cast<double>(order[i]) + 0.5) / static_cast<double>(t.size()));
    return t;
}

// L(x, θ) = <w, f(x)> for a fixed random w; returns L and leaves f's gradients in net.
template <class Net>
double probe_loss(Net& net, ConstView<typename Net::value_type, typename Net::input_shape> x,
                  ConstView<typename Net::value_type, typename Net::output_shape> w, Mode mode, std::uint64_t step) {
    net.set_step(step);
    auto y = net.forward(x, mode);
    double loss = 0;
    for (std::size_t i = 0; i < y.size(); ++i) loss += static_cast<double>(y.data[i]) * static_cast<double>(w.data[i]);
    return loss;
}

struct GradientCheckOptions {
    double epsilon = 1e-6;
    double tolerance = 1e-6;      // relative, norm-wise over all checked coordinates
    std::size_t full_limit = 3000;  // check every coordinate up to this many, else random directions
    int directions = 6;
    Mode mode = Mode::eval;
    // Added to every parameter (uniform in ±jitter) before checking: freshly initialized
    // biases are exactly 0, which puts ReLUs fed by all-zero windows exactly on their kink.
    double parameter_jitter = 0.05;
};

// Checks ∂L/∂x and ∂L/∂θ of a double-precision network against central differences:
// coordinate by coordinate for small tensors, along random directions for large ones.
template <class Net>
void check_gradients(Net& net, HostTensor<double, typename Net::input_shape>& x, GradientCheckOptions o = {}) {
    using In = typename Net::input_shape;
    using Out = typename Net::output_shape;
    static_assert(std::is_same_v<typename Net::value_type, double>, "gradient checks run in double");
    const std::size_t batch = x.batch();
    net.plan(batch);
    Rng jitter(77);
    for (auto& p : net.parameters()) p += jitter.uniform(-o.parameter_jitter, o.parameter_jitter);
    auto w = random_tensor<double, Out>(batch, 99);
    const std::uint64_t step = 41;

    probe_loss(net, x.view(), w.view(), o.mode, step);
    net.zero_grad();
    HostTensor<double, In> dx(batch);
    net.backward(w.view(), dx.view());
    const std::vector<double> dtheta(net.gradients().begin(), net.gradients().end());

    const auto loss_at = [&] { return probe_loss(net, x.view(), w.view(), o.mode, step); };
    // Compares analytic directional derivatives <g, v> with numeric ones over a set of
    // directions v applied to `values` (x or θ).
    const auto check = [&](double* values, std::size_t n, const double* analytic, const char* what) {
        std::vector<double> numeric, expected;
        const auto derivative_along = [&](const std::vector<double>& v) {
            for (std::size_t i = 0; i < n; ++i) values[i] += o.epsilon * v[i];
            const double plus = loss_at();
            for (std::size_t i = 0; i < n; ++i) values[i] -= 2 * o.epsilon * v[i];
            const double minus = loss_at();
            for (std::size_t i = 0; i < n; ++i) values[i] += o.epsilon * v[i];
            return (plus - minus) / (2 * o.epsilon);
        };
        if (n <= o.full_limit) {
            for (std::size_t i = 0; i < n; ++i) {
                const double saved = values[i];
                values[i] = saved + o.epsilon;
                const double plus = loss_at();
                values[i] = saved - o.epsilon;
                const double minus = loss_at();
                values[i] = saved;
                numeric.push_back((plus - minus) / (2 * o.epsilon));
                expected.push_back(analytic[i]);
            }
        } else {
            Rng rng(1234, n);
            for (int d = 0; d < o.directions; ++d) {
                // Unit directions, so epsilon is the length of the step: with thousands of
                // ReLUs and max-pools, a step of epsilon per coordinate would cross kinks.
                std::vector<double> v(n);
                double norm = 0;
                for (auto& vi : v) {
                    vi = rng.normal();
                    norm += vi * vi;
                }
                double a = 0;
                for (std::size_t i = 0; i < n; ++i) {
                    v[i] /= std::sqrt(norm);
                    a += v[i] * analytic[i];
                }
                numeric.push_back(derivative_along(v));
                expected.push_back(a);
            }
        }
        INFO(what << ": " << numeric.size() << " derivatives compared");
        CHECK(relative_error(numeric.data(), expected.data(), numeric.size()) <= o.tolerance);
    };
    check(x.data(), x.size(), dx.data(), "input gradient");
    if (Net::parameter_count > 0)
        check(net.parameters().data(), net.parameters().size(), dtheta.data(), "parameter gradient");
}

// Batch-parallel kernels reduce per-thread partial gradients: one thread and several must
// agree (to rounding) on outputs, input gradients and parameter gradients.
template <class Spec, ShapeType In>
void check_thread_independence(std::size_t batch = 5) {
    using Net = Network<Spec, In, Cpu, double>;
    using Out = typename Net::output_shape;
    Net one({.seed = 11}, Cpu{.threads = 1});
    Net two({.seed = 11}, Cpu{.threads = 2});
    auto x = random_tensor<double, In>(batch, 12);
    auto dy = random_tensor<double, Out>(batch, 13);
    HostTensor<double, In> dx_one(batch), dx_two(batch);
    one.plan(batch);
    two.plan(batch);
    const auto y_one = one.forward(x.view(), Mode::train);
    const auto y_two = two.forward(x.view(), Mode::train);
    CHECK(relative_error(y_two.data, y_one.data, y_one.size()) <= 1e-14);
    one.zero_grad();
    two.zero_grad();
    one.backward(dy.view(), dx_one.view());
    two.backward(dy.view(), dx_two.view());
    CHECK(relative_error(dx_two.data(), dx_one.data(), dx_one.size()) <= 1e-14);
    CHECK(relative_error(two.gradients().data(), one.gradients().data(), one.gradients().size()) <= 1e-14);
}

}  // namespace latentlab::testing
