// DepthwiseConv2d's kernels (backend/cuda/depthwise.hpp), emulated, against the CPU backend.
#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "emulator.hpp"
#include "kernel_test_support.hpp"
#include "latentlab/backend/cpu/depthwise.hpp"
#include "latentlab/backend/cuda/depthwise.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/core/workspace.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {

struct DepthwiseCase {
    Dims in;
    int multiplier, kernel, stride, dilation;
    Padding padding;
    Activation activation;
    bool bias;

    Window2d window() const {
        return make_window(in, in.channels * multiplier, kernel, stride, dilation, padding);
    }
    std::string name() const {
        return std::to_string(in.height) + "x" + std::to_string(in.width) + "x" + std::to_string(in.channels) +
               " multiplier " + std::to_string(multiplier) + " kernel " + std::to_string(kernel) + " stride " +
               std::to_string(stride) + " dilation " + std::to_string(dilation) + " " + padding.name() + " " +
               activation.name() + (bias ? " with bias" : "");
    }
};

struct DepthwiseInputs {
    std::vector<float> x, w, b, dy, dw, db;  // dw, db: what the gradients accumulate onto
};

struct DepthwiseResults {
    std::vector<float> y, dw, db, dx;
};

// Forward and backward on one backend. The output y is an input of backward (f' is read off
// it); given, it replaces the computed one, so that a magnitude run can use the real y.
template <class Scratch, class Backend>
DepthwiseResults run_depthwise(const Backend& backend, const DepthwiseCase& t, const DepthwiseInputs& in,
                               std::size_t batch, bool with_dx, const std::vector<float>* given_y = nullptr) {
    const Window2d g = t.window();
    Workspace<> workspace;
    Scratch s{};
    workspace.plan([&](Arena& arena) { s = depthwise_plan<float>(backend, arena, g, batch); });
    DepthwiseResults r;
    r.y.assign(batch * g.out().size(), -9.0f);
    r.dx.assign(batch * g.in().size(), -9.0f);
    r.dw = in.dw;
    r.db = in.db;
    const float* bias = t.bias ? in.b.data() : nullptr;
    depthwise_forward(backend, s, g, t.activation, in.x.data(), in.w.data(), bias, r.y.data(), batch);
    if (given_y) r.y = *given_y;
    depthwise_backward(backend, s, g, t.activation, in.x.data(), r.y.data(), in.dy.data(), in.w.data(), r.dw.data(),
                       t.bias ? r.db.data() : nullptr, with_dx ? r.dx.data() : nullptr, batch);
    return r;
}

}  // namespace

TEST_CASE("depthwise_forward and depthwise_backward equal the CPU's", "[kernels][depthwise]") {
    const DepthwiseCase cases[] = {
        {{7, 6, 3}, 1, 3, 1, 1, Padding::same(), Activation::identity(), true},
        {{7, 6, 3}, 2, 3, 2, 1, Padding::same(), Activation::relu(), true},
        {{7, 6, 3}, 2, 4, 2, 1, Padding::same(), Activation::tanh(), true},  // 'same' padding asymmetric
        {{7, 6, 3}, 1, 3, 1, 2, Padding::valid(), Activation::sigmoid(), true},
        {{7, 6, 3}, 1, 4, 2, 1, Padding::explicit_(1, 2, 0, 1), Activation::identity(), false},
        {{5, 4, 9}, 3, 1, 1, 1, Padding::same(), Activation::leaky_relu(0.1), true},
        {{6, 5, 45}, 1, 3, 1, 1, Padding::same(), Activation::relu(), true},  // the CPU's 32 + 8 + 5 channel blocks
        {{5, 7, 2}, 1, 2, 3, 2, Padding::explicit_(2, 0, 1, 3), Activation::tanh(), false},
        {{40, 36, 16}, 2, 3, 1, 1, Padding::same(), Activation::sigmoid(), true},  // several pixels per chunk
    };
    for (const auto& t : cases)
        for (const std::size_t batch : {std::size_t{1}, std::size_t{3}})
            for (const bool with_dx : {true, false}) {
                INFO(t.name() << ", batch " << batch << (with_dx ? "" : " without dx"));
                const Window2d g = t.window();
                const auto channels = static_cast<std::size_t>(g.out_channels);
                const auto weights = static_cast<std::size_t>(g.kernel_area()) * channels;
                DepthwiseInputs in{random_floats(batch * g.in().size(), 1), random_floats(weights, 2),
                                   random_floats(channels, 3),          random_floats(batch * g.out().size(), 4),
                                   random_floats(weights, 5),           random_floats(channels, 6)};
                const auto expected = run_depthwise<cpu::DepthwiseScratch<float>>(Cpu{}, t, in, batch, with_dx);
                const auto actual = run_depthwise<cuda::DepthwiseScratch<float>>(Emulated{}, t, in, batch, with_dx);

                // The parameter gradients are sums in another order than the CPU's; the same sums
                // of absolute values (f' ≥ 0 for every activation) bound what the order can change.
                DepthwiseInputs absolute{absolute_values(in.x),  absolute_values(in.w),  in.b,
                                         absolute_values(in.dy), absolute_values(in.dw), absolute_values(in.db)};
                const auto magnitude =
                    run_depthwise<cpu::DepthwiseScratch<float>>(Cpu{}, t, absolute, batch, with_dx, &expected.y);

                // y and dx add the same products in the same order as the CPU: bit-equal.
                require_close(actual.y, expected.y, 0);
                require_close(actual.dx, expected.dx, 0);
                require_close(actual.dw, expected.dw, 1e-6, &magnitude.dw);
                require_close(actual.db, expected.db, 1e-6, &magnitude.db);
            }
}
