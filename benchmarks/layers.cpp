// Forward and forward+backward time of every layer kind on the shapes NN1/NN2/NN3 use, at
// batch 128 on 2 threads (LATENTLAB_THREADS overrides). Each layer runs as a one-layer
// Network, so the numbers include the input copy and finiteness check that Network::forward
// does (a few percent for convolutions; the bulk of the time for the cheap layers).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "benchmark_threads.hpp"
#include <latentlab/latentlab.hpp>

using namespace latentlab;

namespace {

template <class Spec, class In>
void run(benchmark::State& state, bool with_backward) {
    using Net = Network<Spec, In, Cpu, float>;
    constexpr std::size_t batch = 128;
    auto net = std::make_unique<Net>(NetworkOptions{.seed = 1}, Cpu{benchmark_threads()});
    net->plan(batch);
    HostTensor<float, In> x(batch), dx(batch);
    HostTensor<float, typename Net::output_shape> dy(batch);
    Rng rng(3);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.uniform(-1, 1));
    for (std::size_t i = 0; i < dy.size(); ++i) dy.data()[i] = static_cast<float>(rng.uniform(-1, 1));
    for (auto _ : state) {
        auto y = net->forward(x.view(), Mode::train);
        benchmark::DoNotOptimize(y.data);
        if (with_backward) net->backward(dy.view(), dx.view());
        benchmark::ClobberMemory();
    }
    const double images = static_cast<double>(state.iterations()) * batch;
    state.counters["images/s"] = benchmark::Counter(images, benchmark::Counter::kIsRate);
    state.counters["GFLOP/s"] =
        benchmark::Counter(images * Net::flops * (with_backward ? 3.0 : 1.0) / 1e9, benchmark::Counter::kIsRate);
}

template <class Spec, class In>
void forward(benchmark::State& state) {
    run<Spec, In>(state, false);
}
template <class Spec, class In>
void forward_backward(benchmark::State& state) {
    run<Spec, In>(state, true);
}

constexpr ConvOptions relu{.activation = Activation::relu()};
constexpr SeparableOptions separable_relu{.activation = Activation::relu()};

}  // namespace

// One layer on one input shape, forward and forward+backward.
#define LAYER(...)                                                          \
    BENCHMARK_TEMPLATE(forward, __VA_ARGS__)->Unit(benchmark::kMicrosecond); \
    BENCHMARK_TEMPLATE(forward_backward, __VA_ARGS__)->Unit(benchmark::kMicrosecond)

// NN1
LAYER(Conv2d<8, 3, relu>, Shape<64, 64, 3>);
LAYER(Conv2d<16, 3, relu>, Shape<32, 32, 8>);
LAYER(Conv2d<32, 3, relu>, Shape<16, 16, 16>);
LAYER(Conv2d<32, 3, relu>, Shape<8, 8, 32>);
LAYER(Conv2d<4, 3>, Shape<64, 64, 8>);
LAYER(MaxPool2d<2>, Shape<64, 64, 8>);
LAYER(Upsample<2, Interpolation::nearest>, Shape<32, 32, 8>);
LAYER(Softmax, Shape<64, 64, 4>);
// NN2
LAYER(Conv2d<4, 3, relu>, Shape<64, 64, 3>);
LAYER(Conv2d<64, 3, relu>, Shape<4, 4, 32>);
LAYER(Conv2d<4, 2, relu>, Shape<64, 64, 8>);
LAYER(Conv2d<16, 3, relu>, Shape<64, 64, 8>);
LAYER(Conv2d<8, 3, relu>, Shape<64, 64, 16>);
LAYER(Conv2d<4, 1>, Shape<64, 64, 8>);
LAYER(Dropout<0.5f>, Shape<8, 8, 32>);
// NN3
LAYER(SeparableConv2d<4, 3, separable_relu>, Shape<64, 64, 3>);
LAYER(SeparableConv2d<8, 3, separable_relu>, Shape<64, 64, 16>);
LAYER(SeparableConv2d<64, 3, separable_relu>, Shape<4, 4, 32>);
LAYER(SeparableConv2d<4, 2, separable_relu>, Shape<64, 64, 8>);

BENCHMARK_MAIN();
