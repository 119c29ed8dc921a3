// The "unpool" kernels (backend/cuda/unpool.hpp), emulated, against the CPU backend, with
// argmaxes from the CPU's max pool; exact.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "emulator.hpp"
#include "kernel_test_support.hpp"
#include "latentlab/backend/cpu/pool.hpp"
#include "latentlab/backend/cpu/unpool.hpp"
#include "latentlab/backend/cuda/unpool.hpp"

using namespace latentlab;
using namespace latentlab::testing;

TEST_CASE("max_unpool_forward and max_unpool_backward match the CPU exactly", "[kernels][unpool]") {
    const Emulated gpu;
    const Cpu cpu;
    struct Case {
        Window2d pool;
        bool overlapping;
    };
    const Case cases[] = {
        {make_window({6, 6, 3}, 3, 2, 2, 1, Padding::valid()), false},
        {make_window({5, 7, 17}, 17, 2, 2, 1, Padding::same()), false},
        {make_window({5, 6, 2}, 2, 3, 1, 1, Padding::valid()), true},
        {make_window({7, 6, 5}, 5, 3, 2, 1, Padding::same()), true},
    };
    for (const auto& [g, overlapping] : cases)
        for (const std::size_t batch : {std::size_t{1}, std::size_t{3}}) {
            INFO(batch << " images " << g.in() << ", " << g.rows.kernel << "x" << g.cols.kernel << " stride "
                       << g.rows.stride);
            const std::size_t in_size = g.out().size() * batch, out_size = g.in().size() * batch;
            // The pool's argmax over values with ties (overlapping windows then often share a maximum).
            auto image = random_floats(out_size, 1);
            for (auto& v : image) v = std::round(v * 2.0f);
            std::vector<float> pooled(in_size);
            std::vector<std::int32_t> argmax(in_size);
            cpu::max_pool_forward(cpu, g, image.data(), pooled.data(), argmax.data(), batch);
            if (overlapping) {  // the case that needs summing: some values share a position
                auto positions = argmax;
                std::sort(positions.begin(), positions.end());
                CHECK(std::adjacent_find(positions.begin(), positions.end()) != positions.end());
            }

            const auto x = random_floats(in_size, 2), dy = random_floats(out_size, 3);
            std::vector<float> y(out_size), actual_y(out_size, -7.0f);
            cpu::max_unpool_forward(cpu, g, x.data(), argmax.data(), y.data(), batch);
            cuda::max_unpool_forward(gpu, g, x.data(), argmax.data(), actual_y.data(), batch);
            require_close(actual_y, y, 0);

            std::vector<float> dx(in_size), actual_dx(in_size, -7.0f);
            cpu::max_unpool_backward(cpu, g, dy.data(), argmax.data(), dx.data(), batch);
            cuda::max_unpool_backward(gpu, g, dy.data(), argmax.data(), actual_dx.data(), batch);
            require_close(actual_dx, dx, 0);
        }
}
