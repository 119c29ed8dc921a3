// UMAP's layout step (analysis/umap_layout.hpp) on hand-made graphs: the attraction moves
// both ends of an edge by opposite steps, as umap-learn's does, so without negative samples
// the centroid of the points cannot move. Moving only the head of each directed copy, pulled
// twice as hard, broke this: pairs leapfrogged away together while the steps overshot, and
// on E1's latents small groups drifted off as islands.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "latentlab/analysis/umap_layout.hpp"
#include "latentlab/core/finite.hpp"

using namespace latentlab;
using namespace latentlab::analysis;

namespace {

// A symmetric graph from undirected weighted edges, rows sorted by target as
// fuzzy_simplicial_set leaves them.
FuzzyGraph symmetric_graph(std::size_t n, const std::vector<std::pair<std::array<int, 2>, float>>& edges) {
    std::vector<std::vector<std::pair<std::int32_t, float>>> rows(n);
    for (const auto& [ends, weight] : edges) {
        rows[static_cast<std::size_t>(ends[0])].emplace_back(ends[1], weight);
        rows[static_cast<std::size_t>(ends[1])].emplace_back(ends[0], weight);
    }
    FuzzyGraph graph;
    graph.rows = graph.columns = n;
    graph.offsets.assign(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        std::sort(rows[i].begin(), rows[i].end());
        for (const auto& [target, weight] : rows[i]) {
            graph.targets.push_back(target);
            graph.weights.push_back(weight);
        }
        graph.offsets[i + 1] = graph.targets.size();
    }
    return graph;
}

std::array<double, 2> centroid(const Matrix& points) {
    std::array<double, 2> sum{0.0, 0.0};
    for (std::size_t i = 0; i < rows(points); ++i)
        for (std::size_t c = 0; c < 2; ++c) sum[c] += points(i, c) / static_cast<double>(rows(points));
    return sum;
}

}  // namespace

TEST_CASE("umap layout attraction keeps the centroid of the points in place", "[umap]") {
    // A ring of six points with a chord; weights of 1 to 0.3, so edges are sampled at
    // different periods. Neighbours start 0.3 to 1.7 apart: in the first epochs (learning
    // rate near 1) the step along an edge shorter than about 1 overshoots the neighbour.
    const FuzzyGraph graph = symmetric_graph(6, {{{0, 1}, 1.0f}, {{1, 2}, 0.8f}, {{2, 3}, 0.5f}, {{3, 4}, 1.0f},
                                                 {{4, 5}, 0.3f}, {{5, 0}, 0.9f}, {{0, 3}, 0.6f}});
    Matrix start = Matrix::from_shape({6, 2});
    const float xy[6][2] = {{5.0f, 5.0f}, {5.3f, 5.1f}, {5.9f, 5.6f}, {6.0f, 6.4f}, {5.2f, 6.5f}, {4.6f, 5.8f}};
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t c = 0; c < 2; ++c) start(i, c) = xy[i][c];
    const auto before = centroid(start);

    for (const UmapMode mode : {UmapMode::fast, UmapMode::deterministic}) {
        for (const int threads : {1, 2}) {
            CAPTURE(mode == UmapMode::fast ? "fast" : "deterministic", threads);
            Matrix layout = start;
            // No negative samples: the attraction alone.
            optimize_layout(layout, nullptr, graph,
                            {.epochs = 200, .negative_sample_rate = 0.0, .mode = mode, .seed = 3, .cpu = Cpu{threads}});
            REQUIRE(all_finite(std::span<const float>(layout.data(), layout.size())));
            const auto after = centroid(layout);
            // Float rounding of a few thousand steps; head-only moves drifted 0.6 to 6 units.
            CHECK(std::abs(after[0] - before[0]) < 1e-3);
            CHECK(std::abs(after[1] - before[1]) < 1e-3);
            // And the attraction alone pulled the ring (0.75 from its centroid on average)
            // together to about a point.
            double spread = 0.0;
            for (std::size_t i = 0; i < 6; ++i) spread += std::hypot(layout(i, 0) - after[0], layout(i, 1) - after[1]);
            CHECK(spread / 6.0 < 0.01);
        }
    }
}

TEST_CASE("umap layout: a pair alone stays where it is with either schedule", "[umap]") {
    // One edge, sampled every epoch: umap-learn swings the two points about their midpoint;
    // moving one end at a time (fast schedule) sent the pair 90 units off in 100 epochs.
    const FuzzyGraph graph = symmetric_graph(2, {{{0, 1}, 1.0f}});
    for (const UmapMode mode : {UmapMode::fast, UmapMode::deterministic}) {
        CAPTURE(mode == UmapMode::fast ? "fast" : "deterministic");
        Matrix layout = Matrix::from_shape({2, 2});
        layout(0, 0) = 0.0f, layout(0, 1) = 0.0f, layout(1, 0) = 0.5f, layout(1, 1) = 0.1f;
        optimize_layout(layout, nullptr, graph, {.epochs = 100, .negative_sample_rate = 0.0, .mode = mode, .seed = 1});
        CHECK((layout(0, 0) + layout(1, 0)) / 2.0f == Approx(0.25f).margin(1e-4));
        CHECK((layout(0, 1) + layout(1, 1)) / 2.0f == Approx(0.05f).margin(1e-4));
    }
}
