// The "bias" kernels (backend/cuda/bias.hpp), emulated, against straightforward CPU loops.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "emulator.hpp"
#include "kernel_test_support.hpp"
#include "latentlab/backend/cpu/elementwise.hpp"
#include "latentlab/backend/cuda/bias.hpp"
#include "latentlab/core/workspace.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {

const Activation activations[] = {Activation::identity(), Activation::relu(), Activation::leaky_relu(0.2),
                                  Activation::sigmoid(), Activation::tanh()};

struct Matrix {
    std::size_t rows;
    int channels;
};

}  // namespace

TEST_CASE("bias_activation adds the bias of each channel, then applies the activation", "[kernels][bias]") {
    const Emulated gpu;
    for (const Matrix m : {Matrix{1, 1}, Matrix{7, 3}, Matrix{50, 5}, Matrix{129, 64}, Matrix{3, 37}})
        for (const Activation act : activations)
            for (const bool with_bias : {true, false}) {
                INFO(m.rows << " x " << m.channels << " " << act.name() << (with_bias ? " with bias" : ""));
                const std::size_t n = m.rows * static_cast<std::size_t>(m.channels);
                const auto y = random_floats(n, 1);
                const auto bias = random_floats(static_cast<std::size_t>(m.channels), 2);
                auto expected = y;
                if (with_bias)
                    for (std::size_t i = 0; i < n; ++i) expected[i] += bias[i % static_cast<std::size_t>(m.channels)];
                cpu::activate(act, expected.data(), expected.data(), n);
                auto actual = y;
                cuda::bias_activation(gpu, act, with_bias ? bias.data() : nullptr, actual.data(), m.rows, m.channels);
                require_close(actual, expected, 0);
            }
}

TEST_CASE("activation_gradient multiplies by the derivative read off the output", "[kernels][bias]") {
    const Emulated gpu;
    for (const std::size_t n : {std::size_t{1}, std::size_t{95}, std::size_t{1000}})
        for (const Activation act : activations) {
            INFO(n << " values, " << act.name());
            auto y = random_floats(n, 3, -2, 2);
            cpu::activate(act, y.data(), y.data(), n);
            const auto dy = random_floats(n, 4);
            std::vector<float> expected(n);
            cpu::activation_gradient(act, y.data(), dy.data(), expected.data(), n);
            std::vector<float> actual(n, -7.0f);
            cuda::activation_gradient(gpu, act, y.data(), dy.data(), actual.data(), n);
            require_close(actual, expected, 0);
            auto in_place = dy;
            cuda::activation_gradient(gpu, act, y.data(), in_place.data(), in_place.data(), n);
            require_close(in_place, expected, 0);
        }
}

TEST_CASE("bias_gradient adds the column sums to db", "[kernels][bias]") {
    const Emulated gpu;
    // Rows beyond the 4096-chunk cap for 3 channels, beyond 1024 chunks for 64, and fewer rows
    // than the plan's chunks.
    for (const Matrix m : {Matrix{1, 1}, Matrix{5, 3}, Matrix{10000, 3}, Matrix{2500, 64}, Matrix{300, 7}}) {
        INFO(m.rows << " x " << m.channels);
        const auto channels = static_cast<std::size_t>(m.channels);
        const auto dz = random_floats(m.rows * channels, 5);
        const auto db = random_floats(channels, 6);
        std::vector<float> expected(channels), magnitude(channels);
        for (std::size_t c = 0; c < channels; ++c) {
            double sum = db[c], absolute = std::abs(db[c]);
            for (std::size_t r = 0; r < m.rows; ++r) {
                sum += dz[r * channels + c];
                absolute += std::abs(dz[r * channels + c]);
            }
            expected[c] = static_cast<float>(sum);
            magnitude[c] = static_cast<float>(absolute);
        }
        cuda::BiasGradientScratch s;
        Workspace<> workspace;
        workspace.plan([&](Arena& arena) { s = cuda::bias_gradient_plan(gpu, arena, m.rows, m.channels); });
        auto actual = db;
        cuda::bias_gradient(gpu, s, dz.data(), actual.data(), m.rows, m.channels);
        require_close(actual, expected, 1e-6, &magnitude);

        // A plan for fewer rows has fewer chunks; the sum is the same.
        Workspace<> small;
        small.plan([&](Arena& arena) { s = cuda::bias_gradient_plan(gpu, arena, 2, m.channels); });
        auto fewer_chunks = db;
        cuda::bias_gradient(gpu, s, dz.data(), fewer_chunks.data(), m.rows, m.channels);
        require_close(fewer_chunks, expected, 1e-6, &magnitude);
    }
}

TEST_CASE("reduction_chunks gives pass 1 about 64k threads and pass 2 at most 4096 steps", "[kernels][bias]") {
    constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();
    for (const std::size_t width : {1, 3, 16, 64, 640, 100000})
        for (const std::size_t rows :
             {std::size_t{0}, std::size_t{1}, std::size_t{10}, std::size_t{1} << 23, unlimited}) {
            INFO(rows << " rows of " << width);
            const std::size_t chunks = cuda::reduction_chunks(rows, width);
            CHECK(chunks >= 1);
            CHECK(chunks <= std::max<std::size_t>(rows, 1));
            CHECK(chunks <= 4096);
            // Fewer chunks only where rows or the 4096 cap stop them; never far more threads than 64k.
            if (chunks < rows && chunks < 4096) CHECK(chunks * width >= 65536);
            CHECK((chunks - 1) * width < 65536);
        }
}
