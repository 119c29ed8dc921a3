// The "concat" kernels (backend/cuda/concat.hpp), emulated, against the CPU backend.
#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include "emulator.hpp"
#include "kernel_test_support.hpp"
#include "latentlab/backend/cpu/concat.hpp"
#include "latentlab/backend/cuda/concat.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {

struct Channels {
    int a, b;
};
const Channels channel_pairs[] = {{1, 1}, {3, 5}, {16, 3}, {2, 64}};
const std::size_t pixel_counts[] = {1, 7, 100};

}  // namespace

TEST_CASE("concat_channels matches the CPU", "[kernels][concat]") {
    const Emulated gpu;
    for (const Channels c : channel_pairs)
        for (const std::size_t pixels : pixel_counts) {
            INFO(pixels << " pixels of " << c.a << " + " << c.b << " channels");
            const auto a = random_floats(pixels * c.a, 1), b = random_floats(pixels * c.b, 2);
            const std::size_t n = pixels * (c.a + c.b);
            std::vector<float> expected(n), actual(n, -7.0f);
            cpu::concat_channels(Cpu{}, a.data(), c.a, b.data(), c.b, expected.data(), pixels);
            cuda::concat_channels(gpu, a.data(), c.a, b.data(), c.b, actual.data(), pixels);
            require_close(actual, expected, 0);
        }
}

TEST_CASE("split_channels matches the CPU with every part present or null", "[kernels][concat]") {
    const Emulated gpu;
    for (const Channels c : channel_pairs)
        for (const std::size_t pixels : pixel_counts)
            for (const bool with_a : {true, false})
                for (const bool with_add : {true, false})
                    for (const bool with_b : {true, false}) {
                        INFO(pixels << " pixels of " << c.a << " + " << c.b << " channels; da "
                                    << (with_a ? "" : "null ") << "add " << (with_add ? "" : "null ") << "db "
                                    << (with_b ? "" : "null"));
                        const auto dy = random_floats(pixels * (c.a + c.b), 3);
                        const auto add = random_floats(pixels * c.a, 4);
                        std::vector<float> da(pixels * c.a, -7.0f), db(pixels * c.b, -7.0f);
                        auto actual_da = da, actual_db = db;
                        const float* plus = with_add ? add.data() : nullptr;
                        cpu::split_channels<float>(Cpu{}, dy.data(), c.a, c.b, with_a ? da.data() : nullptr, plus,
                                                   with_b ? db.data() : nullptr, pixels);
                        cuda::split_channels<float>(gpu, dy.data(), c.a, c.b, with_a ? actual_da.data() : nullptr,
                                                    plus, with_b ? actual_db.data() : nullptr, pixels);
                        require_close(actual_da, da, 0);
                        require_close(actual_db, db, 0);
                    }
}
