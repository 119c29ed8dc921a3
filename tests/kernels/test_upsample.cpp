// The "upsample" kernels (backend/cuda/upsample.hpp), emulated, against the CPU backend.
// Nearest is exact; bilinear's products may be fused (FMA) differently, so 1e-6.
#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include "emulator.hpp"
#include "kernel_test_support.hpp"
#include "latentlab/backend/cpu/upsample.hpp"
#include "latentlab/backend/cuda/upsample.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {

// As the Upsample layer calls them: the backend's overloads, found by argument-dependent lookup.
template <class Backend>
void upsample_forward(const Backend& backend, bool bilinear, Dims in, int factor, const float* x, float* y,
                      std::size_t batch) {
    if (bilinear)
        upsample_bilinear_forward(backend, in, factor, x, y, batch);
    else
        upsample_nearest_forward(backend, in, factor, x, y, batch);
}
template <class Backend>
void upsample_backward(const Backend& backend, bool bilinear, Dims in, int factor, const float* dy, float* dx,
                       std::size_t batch) {
    if (bilinear)
        upsample_bilinear_backward(backend, in, factor, dy, dx, batch);
    else
        upsample_nearest_backward(backend, in, factor, dy, dx, batch);
}

void check_upsample(bool bilinear, double tolerance) {
    const Emulated gpu;
    const Cpu cpu;
    for (const Dims in : {Dims{1, 1, 1}, Dims{3, 5, 2}, Dims{4, 4, 17}, Dims{7, 3, 3}, Dims{2, 9, 1}})
        for (const int factor : {1, 2, 3})
            for (const std::size_t batch : {std::size_t{1}, std::size_t{3}}) {
                INFO(batch << " images " << in << ", factor " << factor);
                const std::size_t in_size = in.size() * batch;
                const std::size_t out_size = in_size * static_cast<std::size_t>(factor * factor);
                const auto x = random_floats(in_size, 1), dy = random_floats(out_size, 2);
                std::vector<float> y(out_size), actual_y(out_size, -7.0f);
                upsample_forward(cpu, bilinear, in, factor, x.data(), y.data(), batch);
                upsample_forward(gpu, bilinear, in, factor, x.data(), actual_y.data(), batch);
                require_close(actual_y, y, tolerance);

                std::vector<float> dx(in_size), actual_dx(in_size, -7.0f);
                upsample_backward(cpu, bilinear, in, factor, dy.data(), dx.data(), batch);
                upsample_backward(gpu, bilinear, in, factor, dy.data(), actual_dx.data(), batch);
                require_close(actual_dx, dx, tolerance);
            }
}

}  // namespace

TEST_CASE("upsample nearest forward and backward match the CPU exactly", "[kernels][upsample]") {
    check_upsample(false, 0);
}

TEST_CASE("upsample bilinear forward and backward match the CPU", "[kernels][upsample]") {
    check_upsample(true, 1e-6);
}
