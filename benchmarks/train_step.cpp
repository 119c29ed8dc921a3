// Training-step throughput of NN1, NN2 and NN3 on the CPU: forward, weighted cross-entropy
// backward and a Nadam update (E1's phase-1 step) at batch 128, plus forward-only and
// forward+backward timings. Threads default to 2 (the CI machine); LATENTLAB_THREADS
// overrides. benchmarks/compare_pytorch.py runs this next to PyTorch and prints ratios.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "benchmark_threads.hpp"
#include <latentlab/latentlab.hpp>
#include <latentlab/models/models.hpp>

using namespace latentlab;

namespace {

enum class Work { forward, forward_backward, train_step };

template <class Spec>
void run(benchmark::State& state, Work work) {
    using In = Shape<64, 64, 3>;
    using Net = Network<Spec, In, Cpu, float>;
    using Out = typename Net::output_shape;
    const auto batch = static_cast<std::size_t>(state.range(0));
    auto net = std::make_unique<Net>(NetworkOptions{.seed = 1}, Cpu{benchmark_threads()});
    net->plan(batch);
    HostTensor<float, In> x(batch);
    HostTensor<float, Out> target(batch), gradient(batch);
    Rng rng(3);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.uniform());
    for (std::size_t p = 0; p < batch * Out::height * Out::width; ++p)
        target.data()[p * Out::channels + rng.uniform_int(0, Out::channels - 1)] = 1.0f;
    losses::WeightedCrossEntropy<4> loss{{4, 4, 4, 1}};
    optim::Nadam nadam;
    nadam.initialize(net->parameters().size());

    for (auto _ : state) {
        auto y = net->forward(x.view(), work == Work::forward ? Mode::eval : Mode::train);
        if (work == Work::forward) {
            benchmark::DoNotOptimize(y.data);
            continue;
        }
        loss.value_and_gradient(net->backend(), y, target.view(), gradient.view());
        net->zero_grad();
        net->backward(gradient.view());
        if (work == Work::train_step) nadam.step(net->parameters(), std::span<const float>(net->gradients()));
        benchmark::ClobberMemory();
    }
    const double images = static_cast<double>(state.iterations()) * static_cast<double>(batch);
    const double flop_per_image = static_cast<double>(Net::flops) * (work == Work::forward ? 1.0 : 3.0);
    state.counters["images/s"] = benchmark::Counter(images, benchmark::Counter::kIsRate);
    state.counters["GFLOP/s"] = benchmark::Counter(images * flop_per_image / 1e9, benchmark::Counter::kIsRate);
}

template <class Spec>
void forward(benchmark::State& state) { run<Spec>(state, Work::forward); }
template <class Spec>
void forward_backward(benchmark::State& state) { run<Spec>(state, Work::forward_backward); }
template <class Spec>
void train_step(benchmark::State& state) { run<Spec>(state, Work::train_step); }

}  // namespace

BENCHMARK(train_step<models::NN1>)->Name("train_step/NN1")->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(train_step<models::NN2>)->Name("train_step/NN2")->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(train_step<models::NN3>)->Name("train_step/NN3")->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(forward<models::NN1>)->Name("forward/NN1")->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(forward<models::NN2>)->Name("forward/NN2")->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(forward<models::NN3>)->Name("forward/NN3")->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(forward_backward<models::NN1>)->Name("forward_backward/NN1")->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(forward_backward<models::NN2>)->Name("forward_backward/NN2")->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(forward_backward<models::NN3>)->Name("forward_backward/NN3")->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
