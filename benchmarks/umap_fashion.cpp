// UMAP (fast mode, umap-learn's defaults: 15 neighbours, min_dist 0.1, 2-D, 500 epochs) on
// Fashion-MNIST's 10,000 test images (784 pixels in [0, 1]), the target: the whole
// fit timed, then its quality — trustworthiness (k = 15, all points) and the 5-fold accuracy
// of a 5-nearest-neighbour classifier on the embedding. Threads default to 2
// (LATENTLAB_THREADS overrides); LATENTLAB_UMAP_OUT=file.npy saves the embedding.
// benchmarks/compare_umap.py runs it next to umap-learn on the same data.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "benchmark_threads.hpp"
#include <latentlab/analysis/embedding_quality.hpp>
#include <latentlab/analysis/knn_classifier.hpp>
#include <latentlab/analysis/umap.hpp>
#include <latentlab/data/idx.hpp>
#include <latentlab/data/npy.hpp>

using namespace latentlab;

namespace {

struct Fashion {
    analysis::Matrix pixels;
    analysis::Labels labels;
};

Fashion fashion_test() {
    const auto set = data::load_fashion_mnist(data::fashion_mnist_debian_dir, data::Split::test);
    Fashion f{analysis::Matrix::from_shape({set.size(), 784}), analysis::Labels::from_shape({set.size()})};
    for (std::size_t i = 0; i < f.pixels.size(); ++i) f.pixels.data()[i] = static_cast<float>(set.images.data()[i]) / 255.0f;
    for (std::size_t i = 0; i < set.size(); ++i) f.labels(i) = set.labels(i);
    return f;
}

void umap_fashion(benchmark::State& state, analysis::UmapMode mode) {
    const Fashion fashion = fashion_test();
    const Cpu cpu{benchmark_threads()};
    analysis::Matrix embedding;
    for (auto _ : state) {
        analysis::Umap umap({.mode = mode, .seed = 1, .cpu = cpu});
        umap.initialize(fashion.pixels);
        embedding = umap.run();
        const auto& t = umap.timings();
        state.counters["knn_s"] = t.neighbours;
        state.counters["fuzzy_set_s"] = t.fuzzy_set;
        state.counters["init_s"] = t.initialization;
        state.counters["layout_s"] = t.layout;
    }
    state.counters["trustworthiness_k15"] = analysis::trustworthiness(fashion.pixels, embedding, 15, cpu);
    state.counters["knn5_accuracy_cv5"] = analysis::knn_accuracy_cv(embedding, fashion.labels, 5, 5, 0, cpu);
    if (const char* out = std::getenv("LATENTLAB_UMAP_OUT"); out && mode == analysis::UmapMode::fast)
        save_npy(out, xt::xarray<float>(embedding));
}

}  // namespace

BENCHMARK_CAPTURE(umap_fashion, fast, analysis::UmapMode::fast)
    ->Name("umap_fashion/fast")->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(umap_fashion, deterministic, analysis::UmapMode::deterministic)
    ->Name("umap_fashion/deterministic")->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

BENCHMARK_MAIN();
