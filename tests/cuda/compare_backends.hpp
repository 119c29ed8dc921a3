#pragma once
// compare_backends<Spec, In>(backend): the same network type on `backend` and on the CPU,
// built from the same seed, must give the same forward output, input gradient, parameter
// gradients and state (batch-norm running statistics) within a relative tolerance
// (norm-wise), in training mode and then in eval mode on a smaller batch than planned.
// Used with the real Cuda backend (tests/cuda) and with the kernel emulator (tests/kernels).
// Needs Catch2 and the network headers only.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/network.hpp"

namespace latentlab::testing {


// ‖a − b‖ / ‖b‖ (‖a − b‖ when b is zero).
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double diff = 0, norm = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = double(a[i]) - double(b[i]);
        diff += d * d;
        norm += double(b[i]) * double(b[i]);
    }
    return norm == 0 ? std::sqrt(diff) : std::sqrt(diff / norm);
}

std::vector<float> random_values(std::size_t count, std::uint64_t seed) {
    Rng rng(seed, 3);
    std::vector<float> v(count);
    for (auto& e : v) e = static_cast<float>(rng.uniform(-1.0, 1.0));
    return v;
}

struct Tolerance {
    double value = 1e-4;
};

// Runs one forward (train mode: dropout and batch statistics) and backward on both
// backends and compares everything observable.
template <class Spec, ShapeType In, class Backend>
void compare_backends(Backend backend, std::size_t batch = 3, Tolerance tolerance = {}) {
    using CpuNet = Network<Spec, In, Cpu, float>;
    using GpuNet = Network<Spec, In, Backend, float>;
    using Out = typename CpuNet::output_shape;
    CpuNet cpu({.seed = 11});
    GpuNet gpu({.seed = 11}, std::move(backend));
    REQUIRE(gpu.parameters_to_host() == cpu.parameters_to_host());
    REQUIRE(gpu.state_to_host() == cpu.state_to_host());
    cpu.plan(batch);
    gpu.plan(batch);

    const auto x = random_values(batch * In::size, 1);
    const ConstView<float, In> x_view{x.data(), batch};
    const auto y_cpu = cpu.forward(x_view, Mode::train);
    gpu.forward(x_view, Mode::train);
    const auto y_gpu = gpu.output_to_host();
    const std::vector<float> y_expected(y_cpu.data, y_cpu.data + y_cpu.size());
    const std::vector<float> y_found(y_gpu.data(), y_gpu.data() + y_gpu.size());
    INFO("forward output");
    CHECK(relative_error(y_found, y_expected) <= tolerance.value);

    const auto dy = random_values(batch * Out::size, 2);
    std::vector<float> dx_cpu(batch * In::size);
    cpu.zero_grad();
    cpu.backward({dy.data(), batch}, {dx_cpu.data(), batch});

    auto dy_device = gpu.backend().template allocate<float>(dy.size());
    auto dx_device = gpu.backend().template allocate<float>(dx_cpu.size());
    copy_in(gpu.backend(), dy.data(), dy.size(), dy_device.data());
    gpu.zero_grad();
    gpu.backward({dy_device.data(), batch}, {dx_device.data(), batch});
    std::vector<float> dx_gpu(dx_cpu.size());
    copy_out(gpu.backend(), dx_device.data(), dx_gpu.size(), dx_gpu.data());
    {
        INFO("input gradient");
        CHECK(relative_error(dx_gpu, dx_cpu) <= tolerance.value);
    }
    const auto gradients_cpu = cpu.gradients_to_host();
    const auto gradients_gpu = gpu.gradients_to_host();
    for (const auto& info : cpu.parameter_infos()) {
        if (!info.trainable) continue;
        std::size_t count = 1;
        for (auto e : info.shape) count *= e;
        const std::vector<float> expected(gradients_cpu.begin() + info.offset, gradients_cpu.begin() + info.offset + count);
        const std::vector<float> found(gradients_gpu.begin() + info.offset, gradients_gpu.begin() + info.offset + count);
        INFO("gradient of " << info.name);
        CHECK(relative_error(found, expected) <= tolerance.value);
    }
    if constexpr (CpuNet::state_count > 0) {
        INFO("state (running statistics)");
        CHECK(relative_error(gpu.state_to_host(), cpu.state_to_host()) <= tolerance.value);
    }
    // Eval mode too (running statistics, no dropout), and a smaller batch than planned.
    const std::size_t smaller = batch > 1 ? batch - 1 : 1;
    const auto y_eval_cpu = cpu.forward({x.data(), smaller}, Mode::eval);
    gpu.forward({x.data(), smaller}, Mode::eval);
    const auto y_eval_gpu = gpu.output_to_host();
    INFO("eval forward, batch " << smaller);
    CHECK(relative_error(std::vector<float>(y_eval_gpu.data(), y_eval_gpu.data() + y_eval_gpu.size()),
                         std::vector<float>(y_eval_cpu.data, y_eval_cpu.data + y_eval_cpu.size())) <= tolerance.value);
}

}  // namespace latentlab::testing
