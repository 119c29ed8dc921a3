// The "softmax" kernels (backend/cuda/softmax.hpp), emulated, against the CPU backend. The
// CPU's exp is Eigen's vectorized one, the kernel's expf: they agree to a few ulp.
#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include "emulator.hpp"
#include "kernel_test_support.hpp"
#include "latentlab/backend/cpu/softmax.hpp"
#include "latentlab/backend/cuda/softmax.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {

struct Case {
    std::size_t pixels;
    int channels;
    std::size_t batch;
};
const Case cases[] = {{1, 1, 1}, {7, 4, 3}, {64, 3, 1}, {5, 64, 3}, {30, 10, 2}};

}  // namespace

TEST_CASE("softmax_forward and softmax_backward match the CPU", "[kernels][softmax]") {
    const Emulated gpu;
    const Cpu cpu;
    for (const Case s : cases)
        for (const double range : {3.0, 80.0}) {  // 80: exp(x) alone would overflow
            INFO(s.batch << " x " << s.pixels << " pixels of " << s.channels << " channels, |x| < " << range);
            const std::size_t n = s.batch * s.pixels * static_cast<std::size_t>(s.channels);
            const auto x = random_floats(n, 1, -range, range), dy = random_floats(n, 2);
            std::vector<float> y(n), actual_y(n, -7.0f);
            cpu::softmax_forward(cpu, x.data(), y.data(), s.pixels, s.channels, s.batch);
            cuda::softmax_forward(gpu, x.data(), actual_y.data(), s.pixels, s.channels, s.batch);
            require_close(actual_y, y, 1e-6);

            std::vector<float> dx(n), actual_dx(n, -7.0f);
            cpu::softmax_backward(cpu, y.data(), dy.data(), dx.data(), s.pixels, s.channels, s.batch);
            cuda::softmax_backward(gpu, y.data(), dy.data(), actual_dx.data(), s.pixels, s.channels, s.batch);
            require_close(actual_dx, dx, 1e-6);
        }
}
