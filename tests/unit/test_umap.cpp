// UMAP: the pieces against umap-learn 0.5.3 (tools/make_umap_golden.py) and the whole
// algorithm against what an embedding must do (keep clusters apart, neighbours near, the
// deterministic mode independent of the thread count, new points placed with their kind).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include <xtensor/xbuilder.hpp>

#include "latentlab/analysis/umap.hpp"
#include "latentlab/data/npy.hpp"

using namespace latentlab;
using namespace latentlab::analysis;

namespace {

std::string umap_data(const std::string& name) { return std::string(LATENTLAB_TEST_DATA_DIR) + "/umap/" + name; }

KnnGraph golden_knn() {
    KnnGraph knn;
    knn.indices = load_npy<std::int32_t>(umap_data("knn_indices.npy"));
    knn.distances = load_npy<float>(umap_data("knn_distances.npy"));
    return knn;
}

// `count` points in `clusters` Gaussian clusters of unit spread, centres `separation` apart
// along different axes of a `dim`-dimensional space; labels = cluster.
struct Blobs {
    Matrix x;
    Labels labels;
};
Blobs blobs(std::size_t count, std::size_t clusters, std::size_t dim, double separation, std::uint64_t seed) {
    Blobs b{Matrix::from_shape({count, dim}), Labels::from_shape({count})};
    Rng rng(seed);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t c = i % clusters;
        b.labels(i) = static_cast<int>(c);
        for (std::size_t j = 0; j < dim; ++j)
            b.x(i, j) = static_cast<float>(rng.normal() + (j == c % dim ? separation : 0.0));
    }
    return b;
}

// Fraction of points whose nearest other point in `embedding` has their label.
double nearest_label_agreement(const Matrix& embedding, const Labels& labels) {
    const KnnGraph knn = exact_knn(embedding, 2);
    std::size_t agree = 0;
    for (std::size_t i = 0; i < rows(embedding); ++i) {
        const auto other = static_cast<std::size_t>(knn.indices(i, knn.indices(i, 0) == static_cast<int>(i) ? 1 : 0));
        agree += labels(other) == labels(i);
    }
    return static_cast<double>(agree) / static_cast<double>(rows(embedding));
}

}  // namespace

TEST_CASE("umap curve a and b equal umap-learn's find_ab_params", "[umap]") {
    const auto curve = load_npy<double>(umap_data("curve.npy"));
    for (std::size_t r = 0; r < curve.shape()[0]; ++r) {
        const UmapCurve fitted = fit_umap_curve(curve(r, 0), curve(r, 1));
        CAPTURE(curve(r, 0), curve(r, 1));
        // scipy's curve_fit stops at a relative tolerance of 1.5e-8.
        CHECK(fitted.a == Approx(curve(r, 2)).epsilon(1e-6));
        CHECK(fitted.b == Approx(curve(r, 3)).epsilon(1e-6));
    }
    CHECK_THROWS_AS(fit_umap_curve(1.0, 2.0), Error);
    CHECK_THROWS_AS(fit_umap_curve(0.0, 0.1), Error);
}

TEST_CASE("umap smooth kNN distances equal umap-learn's", "[umap]") {
    const KnnGraph knn = golden_knn();
    const auto sigmas = load_npy<float>(umap_data("sigmas.npy"));
    const auto rhos = load_npy<float>(umap_data("rhos.npy"));
    for (const int threads : {1, 2}) {
        const SmoothKnn smooth = smooth_knn_distances(knn, 15.0, 1.0, Cpu{threads});
        for (std::size_t i = 0; i < smooth.rho.size(); ++i) {
            CAPTURE(i);
            REQUIRE(smooth.rho[i] == rhos(i));
            REQUIRE(smooth.sigma[i] == Approx(sigmas(i)).epsilon(1e-5));
        }
    }
}

TEST_CASE("umap fuzzy simplicial set equals umap-learn's graph edge by edge", "[umap]") {
    const auto golden = load_npy<double>(umap_data("graph.npy"));
    const FuzzyGraph graph = fuzzy_simplicial_set(golden_knn());
    REQUIRE(graph.edges() == golden.shape()[0]);
    std::size_t e = 0;
    for (std::size_t i = 0; i < graph.rows; ++i) {
        for (std::size_t k = graph.offsets[i]; k < graph.offsets[i + 1]; ++k, ++e) {
            CAPTURE(i, e);
            REQUIRE(static_cast<double>(i) == golden(e, 0));
            REQUIRE(static_cast<double>(graph.targets[k]) == golden(e, 1));
            REQUIRE(graph.weights[k] == Approx(golden(e, 2)).margin(2e-6));
        }
    }
    // The union is symmetric.
    const FuzzyGraph t = transpose(graph);
    CHECK(t.targets == graph.targets);
    CHECK(t.weights == graph.weights);
}

TEST_CASE("umap spectral initialization spans umap-learn's eigenvectors", "[umap]") {
    const auto golden = load_npy<double>(umap_data("spectral.npy"));
    const FuzzyGraph graph = fuzzy_simplicial_set(golden_knn());
    const auto layout = spectral_layout(graph, 2, nullptr, 0);
    REQUIRE(layout.has_value());
    for (Eigen::Index c = 0; c < 2; ++c) {
        Eigen::VectorXd ours = layout->col(c);
        Eigen::VectorXd theirs(ours.size());
        for (Eigen::Index i = 0; i < theirs.size(); ++i) theirs(i) = golden(static_cast<std::size_t>(i), static_cast<std::size_t>(c));
        // Each eigenvector is defined up to sign; both solvers stop at tolerance 1e-4.
        const double cosine = std::abs(ours.dot(theirs)) / (ours.norm() * theirs.norm());
        CAPTURE(c);
        CHECK(cosine > 0.999);
    }
}

TEST_CASE("umap keeps separated clusters apart and neighbours together", "[umap]") {
    const Blobs b = blobs(1200, 4, 12, 8.0, 3);
    Umap umap({.seed = 5, .cpu = Cpu{2}});
    umap.initialize(b.x);
    CHECK(umap.initialization() == "spectral");
    const Matrix& embedding = umap.run();
    REQUIRE(embedding.shape()[0] == 1200);
    REQUIRE(embedding.shape()[1] == 2);
    REQUIRE(all_finite(std::span<const float>(embedding.data(), embedding.size())));
    CHECK(nearest_label_agreement(embedding, b.labels) > 0.99);

    // Cluster centres in the embedding are far apart compared with the clusters' spread.
    std::vector<std::array<double, 3>> sums(4, {0, 0, 0});
    for (std::size_t i = 0; i < 1200; ++i) {
        auto& s = sums[static_cast<std::size_t>(b.labels(i))];
        s[0] += embedding(i, 0);
        s[1] += embedding(i, 1);
        s[2] += 1;
    }
    double spread = 0.0;
    for (std::size_t i = 0; i < 1200; ++i) {
        const auto& s = sums[static_cast<std::size_t>(b.labels(i))];
        spread += std::hypot(embedding(i, 0) - s[0] / s[2], embedding(i, 1) - s[1] / s[2]) / 1200.0;
    }
    for (std::size_t p = 0; p < 4; ++p)
        for (std::size_t q = p + 1; q < 4; ++q)
            CHECK(std::hypot(sums[p][0] / sums[p][2] - sums[q][0] / sums[q][2],
                             sums[p][1] / sums[p][2] - sums[q][1] / sums[q][2]) > 3.0 * spread);
}

TEST_CASE("umap deterministic mode gives the same embedding for any thread count", "[umap]") {
    const Blobs b = blobs(600, 3, 10, 5.0, 11);
    Matrix reference;
    for (const int threads : {1, 2, 3}) {
        const Matrix embedding = umap(b.x, {.epochs = 60, .mode = UmapMode::deterministic, .seed = 9, .cpu = Cpu{threads}});
        if (threads == 1) {
            reference = embedding;
            CHECK(nearest_label_agreement(embedding, b.labels) > 0.97);
        } else {
            CAPTURE(threads);
            CHECK(embedding == reference);
        }
    }
    // Another seed gives another layout.
    const Matrix other = umap(b.x, {.epochs = 60, .mode = UmapMode::deterministic, .seed = 10, .cpu = Cpu{2}});
    CHECK_FALSE(other == reference);
}

TEST_CASE("umap transform places new points with their own cluster", "[umap]") {
    const Blobs train = blobs(900, 3, 10, 8.0, 21);
    const Blobs fresh = blobs(150, 3, 10, 8.0, 22);
    Umap umap({.epochs = 200, .seed = 2, .cpu = Cpu{2}});
    umap.initialize(train.x);
    const Matrix& embedding = umap.run();
    const Matrix placed = umap.transform(fresh.x);
    REQUIRE(placed.shape()[0] == 150);
    const KnnGraph nearest = exact_knn(placed, embedding, 1);
    std::size_t agree = 0;
    for (std::size_t i = 0; i < 150; ++i) agree += train.labels(nearest.indices(i, 0)) == fresh.labels(i);
    CHECK(agree >= 147);
}

TEST_CASE("umap to many dimensions starts from PCA and says so", "[umap]") {
    const Blobs b = blobs(400, 2, 48, 6.0, 4);
    Umap umap({.components = 40, .epochs = 30, .seed = 1, .cpu = Cpu{2}});
    umap.initialize(b.x);
    CHECK(umap.initialization().rfind("pca (spectral needs 41", 0) == 0);
    const Matrix& embedding = umap.run();
    CHECK(embedding.shape()[1] == 40);
    CHECK(nearest_label_agreement(embedding, b.labels) > 0.97);
    // More output dimensions than the data have: PCA cannot, random it is.
    Umap wide({.components = 50, .epochs = 5, .seed = 1});
    wide.initialize(b.x);
    CHECK(wide.initialization().rfind("random", 0) == 0);
}

TEST_CASE("umap approximate neighbours agree with the exact ones", "[umap]") {
    const Blobs b = blobs(2000, 5, 32, 3.0, 8);
    const KnnGraph exact = exact_knn(b.x, 15, Cpu{2});
    const KnnGraph approximate = approximate_knn(b.x, 15, {.cpu = Cpu{2}});
    std::size_t found = 0;
    for (std::size_t i = 0; i < 2000; ++i) {
        REQUIRE(approximate.indices(i, 0) == static_cast<int>(i));
        for (std::size_t j = 0; j < 15; ++j)
            for (std::size_t m = 0; m < 15; ++m) found += approximate.indices(i, j) == exact.indices(i, m);
    }
    CHECK(static_cast<double>(found) / (2000.0 * 15.0) > 0.98);
}

TEST_CASE("umap rejects bad options and input with clear errors", "[umap]") {
    CHECK_THROWS_WITH(Umap({.components = 0}), Catch::Contains("components is 0"));
    CHECK_THROWS_WITH(Umap({.neighbors = 1}), Catch::Contains("neighbors is 1"));
    CHECK_THROWS_WITH(Umap({.min_dist = 3.0}), Catch::Contains("min_dist"));
    CHECK_THROWS_WITH(Umap({.mode = UmapMode::deterministic, .knn = KnnMethod::approximate}),
                      Catch::Contains("deterministic mode needs exact"));
    Umap umap({.neighbors = 15});
    CHECK_THROWS_WITH(umap.run(), Catch::Contains("initialize() first"));
    // Zeros, not uninitialized memory: a NaN there would be reported first.
    CHECK_THROWS_WITH(umap.initialize(Matrix(xt::zeros<float>({10, 3}))), Catch::Contains("more points than neighbours"));
    Matrix bad = blobs(100, 2, 4, 3.0, 1).x;
    bad(7, 2) = std::nanf("");
    CHECK_THROWS_WITH(umap.initialize(bad), Catch::Contains("(7, 2)"));
    const Blobs b = blobs(100, 2, 4, 3.0, 1);
    umap.initialize(b.x);
    CHECK_THROWS_WITH(umap.transform(b.x), Catch::Contains("run() first"));
    umap.run();
    CHECK_THROWS_WITH(umap.transform(Matrix(xt::zeros<float>({5, 3}))),
                      Catch::Contains("have 3 features; the embedding was fitted on 4"));
}
