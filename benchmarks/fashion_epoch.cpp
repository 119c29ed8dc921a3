// One training epoch of E2's lecture CNN on Fashion-MNIST (60,000 images, batch 64, Adam
// lr 1e-3, softmax cross-entropy) through train::fit, data loading included: what the
// lecture's loop does per epoch. Threads default to 2 (LATENTLAB_THREADS overrides).
// benchmarks/compare_pytorch_fashion.py runs it next to the same epoch in PyTorch.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "benchmark_threads.hpp"
#include <latentlab/latentlab.hpp>
#include <latentlab/models/models.hpp>

using namespace latentlab;

namespace {

void fashion_epoch(benchmark::State& state) {
    using Image = Shape<28, 28, 1>;
    const auto images = data::load_fashion_mnist(data::fashion_mnist_debian_dir, data::Split::train);
    const data::ImageDataset<Image, data::OneHotLabels<10>> train_set(images);
    const losses::SoftmaxCrossEntropy<10> loss{};
    const auto batch = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
        auto net = std::make_unique<Network<models::LectureCnn, Image>>(NetworkOptions{.seed = 1}, Cpu{benchmark_threads()});
        const auto result =
            train::fit(*net, loss, train_set, {train::Phase(optim::Adam({.lr = 1e-3}), {.epochs = 1, .batch = batch})},
                       {.progress = train::ProgressMode::quiet, .cpu = Cpu{benchmark_threads()}});
        state.counters["train_loss"] = result.history.last("loss");
        state.counters["train_accuracy"] = result.history.last("accuracy");
    }
    state.counters["images/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * 60000.0, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(fashion_epoch)->Name("fashion_epoch/LectureCnn")->Arg(64)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

BENCHMARK_MAIN();
