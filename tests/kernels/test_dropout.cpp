// The "dropout" kernel (backend/cuda/dropout.hpp), emulated, against the CPU backend: the
// masks must be identical bit for bit.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "emulator.hpp"
#include "kernel_test_support.hpp"
#include "latentlab/backend/cpu/dropout.hpp"
#include "latentlab/backend/cuda/dropout.hpp"
#include "latentlab/layers/dropout.hpp"

using namespace latentlab;
using namespace latentlab::testing;

TEST_CASE("dropout_apply keeps and scales the same elements as the CPU", "[kernels][dropout]") {
    const Emulated gpu;
    const Cpu cpu;
    for (const double rate : {0.1, 0.5, 0.9})
        for (const std::size_t image_size : {std::size_t{1}, std::size_t{3}, std::size_t{17}, std::size_t{1000}})
            for (const std::size_t batch : {std::size_t{1}, std::size_t{3}})
                for (const bool active : {true, false}) {
                    INFO(batch << " x " << image_size << " values, rate " << rate << (active ? "" : ", inactive"));
                    const std::size_t n = image_size * batch;
                    auto in = random_floats(n, 1);
                    in[0] = std::numeric_limits<float>::infinity();  // a dropped inf gives NaN on both
                    const std::uint64_t seed = 12345, stream = dropout_stream(2, 77);
                    const std::uint32_t threshold = dropout_threshold(rate);
                    const auto scale = static_cast<float>(1.0 / (1.0 - rate));
                    std::vector<float> out(n), actual(n, -7.0f);
                    cpu::dropout_apply(cpu, active, seed, stream, threshold, scale, in.data(), out.data(), image_size,
                                       batch);
                    cuda::dropout_apply(gpu, active, seed, stream, threshold, scale, in.data(), actual.data(),
                                        image_size, batch);
                    REQUIRE(std::memcmp(actual.data(), out.data(), n * sizeof(float)) == 0);
                    if (active && n >= 1000) {  // and the mask is a real one: about `rate` dropped
                        std::size_t dropped = 0;
                        for (std::size_t i = 1; i < n; ++i) dropped += actual[i] == 0.0f;
                        CHECK(static_cast<double>(dropped) / static_cast<double>(n - 1) == Approx(rate).margin(0.05));
                    }
                }
}
