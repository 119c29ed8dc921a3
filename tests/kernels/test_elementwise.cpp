// The "elementwise" kernels (backend/cuda/elementwise.hpp), emulated, against the CPU backend.
#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include "emulator.hpp"
#include "kernel_test_support.hpp"
#include "latentlab/backend/cpu/activations.hpp"
#include "latentlab/backend/cpu/concat.hpp"
#include "latentlab/backend/cpu/elementwise.hpp"
#include "latentlab/backend/cuda/elementwise.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {

const Activation activations[] = {Activation::identity(), Activation::relu(), Activation::leaky_relu(0.3),
                                  Activation::sigmoid(), Activation::tanh()};

// (values per image, images): one value, odd sizes, more values than the emulated grid's threads.
struct Batch {
    std::size_t image_size, batch;
};
const Batch batches[] = {{1, 1}, {37, 3}, {1000, 1}, {5, 64}};

}  // namespace

TEST_CASE("copy_values and add match the CPU", "[kernels][elementwise]") {
    const Emulated gpu;
    for (const std::size_t n : {std::size_t{1}, std::size_t{95}, std::size_t{1000}}) {
        INFO(n << " values");
        const auto a = random_floats(n, 1), b = random_floats(n, 2);
        std::vector<float> copied(n, -7.0f);
        cuda::copy_values(gpu, a.data(), n, copied.data());
        require_close(copied, a, 0);

        std::vector<float> expected(n), actual(n, -7.0f);
        cpu::add(Cpu{}, a.data(), b.data(), expected.data(), n);
        cuda::add(gpu, a.data(), b.data(), actual.data(), n);
        require_close(actual, expected, 0);
    }
}

TEST_CASE("activation_forward and activation_backward match the CPU", "[kernels][elementwise]") {
    const Emulated gpu;
    const Cpu cpu;
    for (const Batch s : batches)
        for (const Activation act : activations) {
            INFO(s.batch << " x " << s.image_size << " values, " << act.name());
            const std::size_t n = s.image_size * s.batch;
            const auto x = random_floats(n, 3, -3, 3), dy = random_floats(n, 4);
            std::vector<float> y(n), actual_y(n, -7.0f);
            cpu::activation_forward(cpu, act, x.data(), y.data(), s.image_size, s.batch);
            cuda::activation_forward(gpu, act, x.data(), actual_y.data(), s.image_size, s.batch);
            require_close(actual_y, y, 0);

            std::vector<float> dx(n), actual_dx(n, -7.0f);
            cpu::activation_backward(cpu, act, y.data(), dy.data(), dx.data(), s.image_size, s.batch);
            cuda::activation_backward(gpu, act, y.data(), dy.data(), actual_dx.data(), s.image_size, s.batch);
            require_close(actual_dx, dx, 0);
        }
}

TEST_CASE("activation_forward runs in place", "[kernels][elementwise]") {
    const Emulated gpu;
    for (const Activation act : activations) {
        INFO(act.name());
        const auto x = random_floats(300, 5, -3, 3);
        std::vector<float> expected(x.size());
        cpu::activation_forward(Cpu{}, act, x.data(), expected.data(), 100, 3);
        auto in_place = x;
        cuda::activation_forward(gpu, act, in_place.data(), in_place.data(), 100, 3);
        require_close(in_place, expected, 0);
    }
}
