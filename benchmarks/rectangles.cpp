// Throughput of the rectangles generator on 2 threads (LATENTLAB_THREADS overrides):
// uint8 image + mask + parameters per sample through draw(), and fill() into the network's
// float NHWC input and one-hot target at batch 2048, for each preprocessing mode.
// Each iteration takes the next 2048 indices, so no sample is generated twice.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <numeric>
#include <vector>

#include "benchmark_threads.hpp"
#include <latentlab/data/rectangles.hpp>

using namespace latentlab;
using namespace latentlab::data;

namespace {

constexpr std::size_t batch = 2048;

const Rectangles& training_set() {
    static const Rectangles data({.count = 200'000, .delta = 15, .seed = 1});
    return data;
}

void count_images(benchmark::State& state) {
    state.counters["images/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * batch, benchmark::Counter::kIsRate);
}

void draw_images(benchmark::State& state) {
    const Rectangles& data = training_set();
    const Cpu cpu{benchmark_threads()};
    std::vector<std::uint8_t> images(batch * rectangles::image_bytes), masks(batch * rectangles::mask_bytes);
    std::vector<RectangleParams> params(batch * rectangles::max_rectangles);
    std::size_t first = 0;
    for (auto _ : state) {
        cpu::parallel_for(cpu, batch, [&](std::size_t begin, std::size_t end, int) {
            for (std::size_t k = begin; k < end; ++k) {
                data.draw(first + k, images.data() + k * rectangles::image_bytes,
                          masks.data() + k * rectangles::mask_bytes, params.data() + k * rectangles::max_rectangles);
            }
        });
        benchmark::DoNotOptimize(images.data());
        benchmark::ClobberMemory();
        first = (first + batch) % (data.size() - batch);
    }
    count_images(state);
}

void fill_batch(benchmark::State& state, PreprocessMode mode) {
    const Rectangles& data = training_set();
    const Cpu cpu{benchmark_threads()};
    HostTensor<float, rectangles::ImageShape> x(batch);
    HostTensor<float, rectangles::MaskShape> y(batch);
    std::vector<std::size_t> indices(batch);
    std::size_t first = 0;
    for (auto _ : state) {
        std::iota(indices.begin(), indices.end(), first);
        data.fill(indices, x.view(), y.view(), {.mode = mode}, 0, cpu);
        benchmark::DoNotOptimize(x.data());
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
        first = (first + batch) % (data.size() - batch);
    }
    count_images(state);
}

}  // namespace

BENCHMARK(draw_images)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(fill_batch, original, PreprocessMode::original)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(fill_batch, unit, PreprocessMode::unit)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
