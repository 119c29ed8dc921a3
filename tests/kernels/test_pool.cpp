// The "pool" kernels (backend/cuda/pool.hpp), emulated, against the CPU backend. Everything
// is exact but avg_pool_backward, whose products may be fused (FMA) differently: 1e-6.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "emulator.hpp"
#include "kernel_test_support.hpp"
#include "latentlab/backend/cpu/pool.hpp"
#include "latentlab/backend/cuda/pool.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {

// Non-overlapping, 'same' with the odd row and column padded, overlapping (stride 1 and 2),
// explicit asymmetric padding, a 1×1 window, and channels beyond one SIMD packet of the CPU.
const Window2d windows[] = {
    make_window({4, 6, 3}, 3, 2, 2, 1, Padding::valid()),
    make_window({5, 7, 3}, 3, 2, 2, 1, Padding::same()),
    make_window({5, 6, 2}, 2, 3, 1, 1, Padding::valid()),
    make_window({6, 5, 17}, 17, 3, 2, 1, Padding::same()),
    make_window({7, 7, 9}, 9, 3, 2, 1, Padding::explicit_(2, 0, 1, 2)),
    make_window({1, 1, 1}, 1, 1, 1, 1, Padding::valid()),
};

// Values on a grid of 9 levels, so that windows hold ties.
std::vector<float> tied_floats(std::size_t n, std::uint64_t seed) {
    auto values = random_floats(n, seed);
    for (auto& v : values) v = std::round(v * 4.0f) / 4.0f;
    return values;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("max_pool_forward and max_pool_backward match the CPU exactly", "[kernels][pool]") {
    const Emulated gpu;
    const Cpu cpu;
    for (const Window2d& g : windows)
        for (const std::size_t batch : {std::size_t{1}, std::size_t{3}})
            for (const bool with_nan : {false, true}) {
                INFO(batch << " images " << g.in() << ", " << g.rows.kernel << "x" << g.cols.kernel << " stride "
                           << g.rows.stride << " pad " << g.rows.pad_before << "," << g.cols.pad_before
                           << (with_nan ? ", with NaNs" : ""));
                const std::size_t in_size = g.in().size() * batch, out_size = g.out().size() * batch;
                auto x = tied_floats(in_size, 1);
                if (with_nan)  // a NaN wins its windows and stays
                    for (std::size_t i = 0; i < in_size; i += 7) x[i] = std::numeric_limits<float>::quiet_NaN();
                std::vector<float> y(out_size), actual_y(out_size, -7.0f);
                std::vector<std::int32_t> argmax(out_size), actual_argmax(out_size, -1);
                cpu::max_pool_forward(cpu, g, x.data(), y.data(), argmax.data(), batch);
                cuda::max_pool_forward(gpu, g, x.data(), actual_y.data(), actual_argmax.data(), batch);
                CHECK(same_bits(actual_y, y));
                REQUIRE(actual_argmax == argmax);

                const auto dy = random_floats(out_size, 2);
                std::vector<float> dx(in_size), actual_dx(in_size, -7.0f);
                cpu::max_pool_backward(cpu, g, dy.data(), argmax.data(), dx.data(), batch);
                cuda::max_pool_backward(gpu, g, dy.data(), argmax.data(), actual_dx.data(), batch);
                require_close(actual_dx, dx, 0);
            }
}

TEST_CASE("avg_pool_forward and avg_pool_backward match the CPU", "[kernels][pool]") {
    const Emulated gpu;
    const Cpu cpu;
    for (const Window2d& g : windows)
        for (const std::size_t batch : {std::size_t{1}, std::size_t{3}}) {
            INFO(batch << " images " << g.in() << ", " << g.rows.kernel << "x" << g.cols.kernel << " stride "
                       << g.rows.stride << " pad " << g.rows.pad_before << "," << g.cols.pad_before);
            const std::size_t in_size = g.in().size() * batch, out_size = g.out().size() * batch;
            const auto x = random_floats(in_size, 3), dy = random_floats(out_size, 4);
            std::vector<float> y(out_size), actual_y(out_size, -7.0f);
            cpu::avg_pool_forward(cpu, g, x.data(), y.data(), batch);
            cuda::avg_pool_forward(gpu, g, x.data(), actual_y.data(), batch);
            require_close(actual_y, y, 0);

            std::vector<float> dx(in_size), actual_dx(in_size, -7.0f);
            cpu::avg_pool_backward(cpu, g, dy.data(), dx.data(), batch);
            cuda::avg_pool_backward(gpu, g, dy.data(), actual_dx.data(), batch);
            require_close(actual_dx, dx, 1e-6);
        }
}

TEST_CASE("global_avg_pool_forward and global_avg_pool_backward match the CPU exactly", "[kernels][pool]") {
    const Emulated gpu;
    const Cpu cpu;
    for (const std::size_t pixels : {std::size_t{1}, std::size_t{9}, std::size_t{4096}})
        for (const int channels : {1, 3, 64})
            for (const std::size_t batch : {std::size_t{1}, std::size_t{3}}) {
                INFO(batch << " images of " << pixels << " pixels x " << channels << " channels");
                const std::size_t in_size = batch * pixels * static_cast<std::size_t>(channels);
                const std::size_t out_size = batch * static_cast<std::size_t>(channels);
                const auto x = random_floats(in_size, 5), dy = random_floats(out_size, 6);
                std::vector<float> y(out_size), actual_y(out_size, -7.0f);
                cpu::global_avg_pool_forward(cpu, x.data(), y.data(), pixels, channels, batch);
                cuda::global_avg_pool_forward(gpu, x.data(), actual_y.data(), pixels, channels, batch);
                require_close(actual_y, y, 0);

                std::vector<float> dx(in_size), actual_dx(in_size, -7.0f);
                cpu::global_avg_pool_backward(cpu, dy.data(), dx.data(), pixels, channels, batch);
                cuda::global_avg_pool_backward(gpu, dy.data(), actual_dx.data(), pixels, channels, batch);
                require_close(actual_dx, dx, 0);
            }
}
