// BatchNorm2d's kernels (backend/cuda/batch_norm.hpp), emulated, against the CPU backend.
#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include "emulator.hpp"
#include "kernel_test_support.hpp"
#include "latentlab/backend/cpu/batch_norm.hpp"
#include "latentlab/backend/cuda/batch_norm.hpp"
#include "latentlab/core/workspace.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {

struct BatchShape {
    std::size_t batch;
    int height, width, channels;
};

// The inputs and outputs of one forward and backward, and the scratch of the backend.
template <class Scratch>
struct BatchNormRun {
    Workspace<> workspace;
    Scratch scratch{};
    std::vector<float> running_mean, running_var, y, dgamma, dbeta, dx;
};

template <class Scratch, class Backend>
void run_batch_norm(const Backend& backend, BatchNormRun<Scratch>& run, const BatchShape& b, bool training,
                    bool with_dx) {
    const auto channels = static_cast<std::size_t>(b.channels);
    const std::size_t pixels = static_cast<std::size_t>(b.height) * static_cast<std::size_t>(b.width);
    const std::size_t n = b.batch * pixels * channels;
    const auto x = random_floats(n, 1, 1.5, 4.0);  // off-centre, so the mean matters
    const auto gamma = random_floats(channels, 2, 0.5, 1.5);
    const auto beta = random_floats(channels, 3);
    const auto dy = random_floats(n, 4);
    run.running_mean = random_floats(channels, 5);
    run.running_var = random_floats(channels, 6, 0.5, 2.0);
    run.y.assign(n, -9.0f);
    run.dgamma = random_floats(channels, 7);  // gradients accumulate onto these
    run.dbeta = random_floats(channels, 8);
    run.dx.assign(n, -9.0f);
    run.workspace.plan(
        [&](Arena& arena) { run.scratch = batch_norm_plan<float>(backend, arena, b.channels, b.batch); });
    batch_norm_forward(backend, run.scratch, b.channels, pixels, training, 1e-3, 0.1, x.data(), gamma.data(),
                       beta.data(), run.running_mean.data(), run.running_var.data(), run.y.data(), b.batch);
    batch_norm_backward(backend, run.scratch, b.channels, pixels, training, x.data(), dy.data(), run.dgamma.data(),
                        run.dbeta.data(), with_dx ? run.dx.data() : nullptr, b.batch);
}

}  // namespace

TEST_CASE("batch_norm_forward and batch_norm_backward equal the CPU's", "[kernels][batch_norm]") {
    // Rows beyond the chunk count of 3 channels (4096) and of 64 channels (1024), batch 1 and 3,
    // a single pixel per image.
    const BatchShape shapes[] = {{1, 5, 4, 3}, {3, 7, 6, 5}, {2, 1, 1, 64}, {3, 48, 40, 3}, {2, 24, 24, 64},
                                 {3, 9, 11, 17}};
    for (const auto& b : shapes)
        for (const bool training : {true, false})
            for (const bool with_dx : {true, false}) {
                INFO(b.batch << " x " << b.height << " x " << b.width << " x " << b.channels
                             << (training ? " training" : " evaluation") << (with_dx ? "" : " without dx"));
                BatchNormRun<cpu::BatchNormScratch<float>> expected;
                run_batch_norm(Cpu{}, expected, b, training, with_dx);
                BatchNormRun<cuda::BatchNormScratch<float>> actual;
                run_batch_norm(Emulated{}, actual, b, training, with_dx);
                require_close(actual.running_mean, expected.running_mean, 1e-6);
                require_close(actual.running_var, expected.running_var, 1e-6);
                require_close(actual.y, expected.y, 1e-6);
                require_close(actual.dgamma, expected.dgamma, 1e-6);
                require_close(actual.dbeta, expected.dbeta, 1e-6);
                require_close(actual.dx, expected.dx, 1e-6);
            }
}
