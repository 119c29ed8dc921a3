// The E1 geometry study (analysis/geometry.hpp): graphs from edges and kNN lists, Dijkstra,
// connected components, the exact central node by eccentricity bounds (against brute force),
// Spearman's rank correlation (against scipy), the generative-parameter distance and the
// study itself on an embedding whose geometry is known.
#include <latentlab/analysis/geometry.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

#include "latentlab/core/random.hpp"
#include "analysis_support.hpp"
#include "latentlab/data/npy.hpp"

using namespace latentlab;
using namespace latentlab::analysis;

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

template <class T>
xt::xarray<T> golden(const std::string& name) { return testing::golden_array<T>("embedding", name); }

// Every node of the largest component run: the least (eccentricity, index).
Centre brute_force_centre(const Graph& graph) {
    const Components components = connected_components(graph);
    Centre best{0, infinity, 0};
    for (std::size_t v = 0; v < graph.nodes(); ++v) {
        if (components.labels[v] != 0) continue;
        const auto distance = dijkstra(graph, v);
        double eccentricity = 0;
        for (std::size_t w = 0; w < graph.nodes(); ++w)
            if (components.labels[w] == 0) eccentricity = std::max(eccentricity, distance[w]);
        ++best.dijkstra_runs;
        if (eccentricity < best.eccentricity) best = {v, eccentricity, best.dijkstra_runs};
    }
    return best;
}

Graph path_graph(std::size_t n) {
    std::vector<Edge> edges;
    for (std::size_t v = 0; v + 1 < n; ++v) edges.push_back({v, v + 1, 1.0});
    return Graph::from_edges(n, edges);
}

}  // namespace

TEST_CASE("Dijkstra on a hand-made graph", "[geometry]") {
    //   0 —1— 1 —2— 2        0–2 also directly at 4 (longer than via 1), given twice: the
    //   |           |        smaller weight 3.5 counts; 2–3 at 1, 3–4 at 0 (a duplicate
    //   7           1        point), 0–4 at 7; node 5 is isolated, with a self loop.
    //   4 —0— 3 ———+
    const std::vector<Edge> edges = {{0, 1, 1.0}, {1, 2, 2.0}, {0, 2, 4.0}, {2, 0, 3.5}, {2, 3, 1.0},
                                     {3, 4, 0.0}, {0, 4, 7.0}, {5, 5, 1.0}};
    const Graph graph = Graph::from_edges(6, edges);
    CHECK(graph.nodes() == 6);
    CHECK(graph.edges() == 6);  // the repeated 0–2 merged, the self loop dropped
    CHECK(graph.degree(5) == 0);
    const auto from0 = dijkstra(graph, 0);
    CHECK(from0 == std::vector<double>{0.0, 1.0, 3.0, 4.0, 4.0, infinity});
    const auto from4 = dijkstra(graph, 4);
    CHECK(from4 == std::vector<double>{4.0, 3.0, 1.0, 0.0, 0.0, infinity});
    const auto from5 = dijkstra(graph, 5);
    CHECK(from5[5] == 0.0);
    CHECK(std::count(from5.begin(), from5.end(), infinity) == 5);
    CHECK_THROWS_WITH(dijkstra(graph, 6), Catch::Contains("source node 6"));
}

TEST_CASE("connected components are labelled by decreasing size", "[geometry]") {
    // Components {0, 4} (2 nodes), {1, 2, 5, 7} (4), {3, 6, 8} (3).
    const std::vector<Edge> edges = {{0, 4, 1.0}, {1, 2, 1.0}, {2, 5, 1.0}, {7, 5, 2.0}, {3, 6, 1.0}, {8, 6, 1.0}};
    const Components components = connected_components(Graph::from_edges(9, edges));
    CHECK(components.sizes == std::vector<std::size_t>{4, 3, 2});
    CHECK(components.labels == std::vector<int>{2, 0, 0, 1, 2, 0, 1, 0, 1});
    // Equal sizes keep the order of their smallest node.
    const Components pairs = connected_components(Graph::from_edges(4, std::vector<Edge>{{3, 1, 1.0}, {2, 0, 1.0}}));
    CHECK(pairs.labels == std::vector<int>{0, 1, 0, 1});
}

TEST_CASE("the central node of a path graph", "[geometry]") {
    const Centre odd = central_node(path_graph(7));
    CHECK(odd.node == 3);
    CHECK(odd.eccentricity == 3.0);
    const Centre even = central_node(path_graph(8));  // nodes 3 and 4 tie at 4: the smaller index
    CHECK(even.node == 3);
    CHECK(even.eccentricity == 4.0);
    CHECK(even.dijkstra_runs < 8);
    const Centre single = central_node(path_graph(1));
    CHECK(single.node == 0);
    CHECK(single.eccentricity == 0.0);
}

TEST_CASE("the central node equals brute force on random graphs", "[geometry]") {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        INFO("seed " << seed);
        // kNN graphs of random points, in 3-d (several components are likely at k = 3) and
        // in 16-d (a narrow eccentricity distribution: the hard case for the bounds).
        for (const std::size_t d : {3, 16}) {
            INFO(d << "-d points");
            const Matrix points = testing::normal_matrix(300, d, seed, 13);
            const Graph knn = knn_graph(exact_knn(points, 4, Cpu{1}));
            const Centre ours = central_node(knn), reference = brute_force_centre(knn);
            CHECK(ours.node == reference.node);
            CHECK(ours.eccentricity == reference.eccentricity);
            CHECK(ours.dijkstra_runs < reference.dijkstra_runs / 3);
        }
        // A sparse random graph with small integer weights: many equal path lengths.
        Rng rng(seed, 14);
        std::vector<Edge> edges;
        for (int e = 0; e < 260; ++e)
            edges.push_back({static_cast<std::size_t>(rng.uniform_int(0, 199)), static_cast<std::size_t>(rng.uniform_int(0, 199)),
                             static_cast<double>(rng.uniform_int(1, 3))});
        const Graph sparse = Graph::from_edges(200, edges);
        const Centre ours_sparse = central_node(sparse), reference_sparse = brute_force_centre(sparse);
        CHECK(ours_sparse.node == reference_sparse.node);
        CHECK(ours_sparse.eccentricity == reference_sparse.eccentricity);
    }
}

TEST_CASE("knn_graph joins both directions and drops self entries", "[geometry]") {
    KnnGraph knn{xt::xtensor<std::int32_t, 2>::from_shape({3, 2}), xt::xtensor<float, 2>::from_shape({3, 2})};
    // Each point lists itself first; 0 → 1, 1 → 0, 2 → 1 (1 does not list 2).
    knn.indices = {{0, 1}, {1, 0}, {2, 1}};
    knn.distances = {{0.0f, 0.5f}, {0.0f, 0.5f}, {0.0f, 2.0f}};
    const Graph graph = knn_graph(knn);
    CHECK(graph.edges() == 2);
    CHECK(graph.degree(1) == 2);
    CHECK(dijkstra(graph, 0) == std::vector<double>{0.0, 0.5, 2.5});
    knn.indices(2, 1) = 3;
    CHECK_THROWS_WITH(knn_graph(knn), Catch::Contains("neighbour 1 of point 2 is 3"));
    CHECK_THROWS_WITH(Graph::from_edges(2, std::vector<Edge>{{0, 1, -1.0}}), Catch::Contains("weight -1"));
}

TEST_CASE("spearman matches scipy, ties included", "[geometry][golden]") {
    const auto a = golden<double>("spearman_a"), b = golden<double>("spearman_b");
    const auto rho = golden<double>("spearman_rho");
    CHECK(spearman(std::span<const double>(a.data(), a.size()), std::span<const double>(b.data(), b.size())) ==
          Approx(rho(0)).epsilon(1e-12));
    const std::vector<double> up = {1, 2, 2, 5}, down = {9, 3, 3, 1}, flat = {2, 2, 2, 2};
    CHECK(spearman(up, down) == Approx(-1.0).epsilon(1e-15));
    CHECK_THROWS_WITH(spearman(up, flat), Catch::Contains("second series is constant"));
    CHECK_THROWS_WITH(spearman(up, std::vector<double>{1, 2}), Catch::Contains("4 and 2 values"));
}

TEST_CASE("parameter_distance weights colour by 1/170 and geometry by 1/64", "[geometry]") {
    const std::vector<float> a = {10, 20, 30, 5, 6, 7, 8}, b = {180, 20, 0, 5, 70, 7, 0};
    CHECK(parameter_distance(a, b) == Approx((170.0 + 30.0) / 170.0 + (64.0 + 8.0) / 64.0).epsilon(1e-15));
    CHECK(parameter_distance(a, a) == 0.0);
    CHECK_THROWS_WITH(parameter_distance(a, std::vector<float>(10)), Catch::Contains("expected 7"));
    // Rows picked from Rectangles::parameters' layout (class, r, g, b, l, h, x, y, order, area).
    xt::xtensor<float, 3> parameters = xt::xtensor<float, 3>::from_shape({2, 1, 10});
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t f = 0; f < 10; ++f) parameters(i, 0, f) = static_cast<float>(100 * i + f);
    const Matrix rows_out = generative_parameters(parameters);
    REQUIRE(rows_out.shape()[1] == 7);
    for (std::size_t f = 0; f < 7; ++f) CHECK(rows_out(1, f) == static_cast<float>(101 + f));
    CHECK_THROWS_WITH(generative_parameters(xt::xtensor<float, 3>::from_shape({2, 2, 10})),
                      Catch::Contains("2 × 2 × 10"));
}

TEST_CASE("geodesic_study on an embedding whose geometry is known", "[geometry]") {
    // 41 points on a line (the parameter x grows along it) and 6 far away: the graph has two
    // components, the centre is the line's middle, and the geodesic distance grows with the
    // parameter distance exactly (ρ = 1).
    Matrix embedding = Matrix::from_shape({47, 2});
    Matrix params = Matrix::from_shape({47, 7});
    params.fill(0.0f);
    for (std::size_t i = 0; i < 47; ++i) {
        const bool far = i >= 41;
        embedding(i, 0) = far ? 1000.0f + static_cast<float>(i) : static_cast<float>(i) * 0.5f;
        embedding(i, 1) = far ? 1000.0f : 0.0f;
        params(i, 5) = static_cast<float>(i);
    }
    const GeodesicStudy study = geodesic_study(embedding, params, 2, Cpu{1});
    CHECK(study.components.sizes == std::vector<std::size_t>{41, 6});
    CHECK(study.centre.node == 20);
    CHECK(study.centre.eccentricity == Approx(10.0));
    for (std::size_t i = 0; i < 41; ++i) {
        INFO("node " << i);
        CHECK(study.geodesic(i) == Approx(0.5 * std::abs(double(i) - 20.0)));
        CHECK(study.parameter(i) == Approx(std::abs(double(i) - 20.0) / 64.0));
    }
    for (std::size_t i = 41; i < 47; ++i) CHECK(study.geodesic(i) == infinity);
    CHECK(study.spearman == Approx(1.0).epsilon(1e-12));
    CHECK_THROWS_WITH(geodesic_study(embedding, Matrix::from_shape({47, 10}), 2), Catch::Contains("47 × 10"));
    CHECK_THROWS_WITH(geodesic_study(embedding, params, 47), Catch::Contains("k = 47"));
}
