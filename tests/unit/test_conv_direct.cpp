// The direct Conv2d kernels (backend/cpu/conv_direct.hpp) against the im2col + GEMM path
// on the same data: forward, dx, dW, db, for every kernel size and channel count the
// layers specialise, on odd image sizes. Both paths are called at kernel level, whichever
// of them a Conv2d layer with this geometry would pick.
#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;

template <class T, int K, int Cin, int Cout, Padding Pad = Padding::same(), int Height = 7, int Width = 5>
void compare_with_im2col(Activation act, bool bias = true, bool input_gradient = true) {
    static constexpr Window2d g = make_window({Height, Width, Cin}, Cout, K, 1, 1, Pad);
    static_assert(cpu::direct_conv_applies(g));
    INFO("K=" << K << " Cin=" << Cin << " Cout=" << Cout << " " << Pad.name() << " " << act.name()
              << (bias ? "" : " no bias") << (input_gradient ? "" : " no dx"));
    constexpr std::size_t batch = 3;
    const Cpu cpu{2};
    Workspace workspace;
    cpu::DirectConvScratch<T, K, Cin, Cout> direct;
    cpu::ConvScratch<T> im2col;
    workspace.plan([&](Arena& arena) {
        direct = cpu::conv2d_direct_plan<T, K, Cin, Cout>(cpu, arena, g, batch);
        im2col = cpu::conv2d_plan<T>(cpu, arena, g, batch);
    });

    const std::size_t in = batch * g.in().size(), out = batch * g.out().size(), weights = std::size_t(K) * K * Cin * Cout;
    Rng rng(K * 10000 + Cin * 100 + Cout, 5);
    const auto random = [&](std::size_t n) {
        std::vector<T> v(n);
        for (auto& e : v) e = static_cast<T>(rng.uniform(-1.0, 1.0));
        return v;
    };
    const auto x = random(in), w = random(weights), b = random(Cout), dy = random(out);
    const T* b_or_null = bias ? b.data() : nullptr;

    std::vector<T> y_direct(out), y_im2col(out);
    conv2d_forward(cpu, direct, g, act, x.data(), w.data(), b_or_null, y_direct.data(), batch);
    conv2d_forward(cpu, im2col, g, act, x.data(), w.data(), b_or_null, y_im2col.data(), batch);
    CHECK(relative_error(y_direct.data(), y_im2col.data(), out) <= tolerance<T>);

    // Both backward passes read the same y, so that they agree on which ReLUs are active.
    std::vector<T> dx_direct(in, T(7)), dx_im2col(in, T(7));
    std::vector<T> dw_direct(weights, T(1)), dw_im2col(weights, T(1)), db_direct(Cout, T(1)), db_im2col(Cout, T(1));
    conv2d_backward(cpu, direct, g, act, x.data(), y_im2col.data(), dy.data(), w.data(), dw_direct.data(),
                    bias ? db_direct.data() : nullptr, input_gradient ? dx_direct.data() : nullptr, batch);
    conv2d_backward(cpu, im2col, g, act, x.data(), y_im2col.data(), dy.data(), w.data(), dw_im2col.data(),
                    bias ? db_im2col.data() : nullptr, input_gradient ? dx_im2col.data() : nullptr, batch);
    CHECK(relative_error(dx_direct.data(), dx_im2col.data(), in) <= tolerance<T>);
    CHECK(relative_error(dw_direct.data(), dw_im2col.data(), weights) <= tolerance<T>);
    CHECK(relative_error(db_direct.data(), db_im2col.data(), Cout) <= tolerance<T>);
}

// Channel pairs chosen so that every input count (1, 3, 4, 8, 16, 32) meets two output
// counts and every output count (4, 8, 16, 64: quarter, half, one and several packets)
// meets three input counts; the full 6 × 4 grid per kernel size made this file take
// tens of minutes to compile under the sanitizers.
template <class T, int K>
void all_channel_counts() {
    const Activation act = K % 2 ? Activation::relu() : Activation::identity();
    compare_with_im2col<T, K, 1, 4>(act);
    compare_with_im2col<T, K, 1, 64>(act);
    compare_with_im2col<T, K, 3, 8>(act);
    compare_with_im2col<T, K, 3, 16>(act);
    compare_with_im2col<T, K, 4, 4>(act);
    compare_with_im2col<T, K, 4, 64>(act);
    compare_with_im2col<T, K, 8, 8>(act);
    compare_with_im2col<T, K, 8, 16>(act);
    compare_with_im2col<T, K, 16, 4>(act);
    compare_with_im2col<T, K, 16, 64>(act);
    compare_with_im2col<T, K, 32, 8>(act);
    compare_with_im2col<T, K, 32, 16>(act);
}

}  // namespace

TEMPLATE_TEST_CASE("Direct Conv2d kernels match im2col + GEMM", "[conv][direct]", float, double) {
    SECTION("1x1") { all_channel_counts<TestType, 1>(); }
    SECTION("2x2") { all_channel_counts<TestType, 2>(); }
    SECTION("3x3") { all_channel_counts<TestType, 3>(); }
    SECTION("5x5") { all_channel_counts<TestType, 5>(); }
}

TEMPLATE_TEST_CASE("Direct Conv2d kernels: activations, padding, odd channel counts", "[conv][direct]", float,
                   double) {
    using T = TestType;
    compare_with_im2col<T, 3, 8, 16>(Activation::tanh());
    compare_with_im2col<T, 3, 16, 8>(Activation::sigmoid());
    compare_with_im2col<T, 3, 8, 4>(Activation::leaky_relu(0.2f));
    compare_with_im2col<T, 3, 4, 8>(Activation::relu(), /*bias=*/false, /*input_gradient=*/false);
    compare_with_im2col<T, 3, 3, 3>(Activation::relu());
    compare_with_im2col<T, 3, 5, 5>(Activation::identity());
    compare_with_im2col<T, 2, 6, 12>(Activation::relu());
    compare_with_im2col<T, 1, 8, 1>(Activation::identity());
    compare_with_im2col<T, 3, 8, 24>(Activation::relu());
    compare_with_im2col<T, 3, 8, 8, Padding::valid()>(Activation::relu());
    compare_with_im2col<T, 3, 4, 4, Padding::valid()>(Activation::relu());
    compare_with_im2col<T, 3, 16, 4, Padding::explicit_(0, 2, 1, 0)>(Activation::relu());
    compare_with_im2col<T, 2, 8, 16, Padding::explicit_(1, 0, 0, 1)>(Activation::identity());
    // Tiny images: fewer positions than a register block, or than a packet of positions.
    compare_with_im2col<T, 3, 8, 4, Padding::same(), 1, 1>(Activation::relu());
    compare_with_im2col<T, 2, 4, 8, Padding::same(), 2, 1>(Activation::relu());
    compare_with_im2col<T, 3, 32, 64, Padding::same(), 4, 4>(Activation::relu());
}
