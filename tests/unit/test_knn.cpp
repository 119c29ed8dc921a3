// Exact k nearest neighbours (analysis/knn.hpp) against scikit-learn
// (tools/make_embedding_golden.py) and a brute-force reference with ties and duplicates, the
// distance bounds the exactness rests on, and the kNN classifier with its cross-validated
// accuracy (analysis/knn_classifier.hpp).
#include <latentlab/analysis/knn.hpp>
#include <latentlab/analysis/knn_classifier.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include <xtensor/xarray.hpp>

#include "latentlab/core/random.hpp"
#include "analysis_support.hpp"
#include "latentlab/data/npy.hpp"

using namespace latentlab;
using namespace latentlab::analysis;

namespace {

template <class T>
xt::xarray<T> golden(const std::string& name) { return testing::golden_array<T>("embedding", name); }

Matrix golden_matrix(const std::string& name) { return testing::golden_matrix("embedding", name); }

Labels golden_labels(const std::string& name) { return testing::golden_labels("embedding", name); }

// Uniform values in [low, high), or integers in [0, levels) when levels > 0 (many ties).
Matrix random_matrix(std::size_t n, std::size_t d, std::uint64_t seed, double low = -1, double high = 1, int levels = 0) {
    Matrix m = Matrix::from_shape({n, d});
    Rng rng(seed, 11);
    for (float& v : m)
        v = levels > 0 ? static_cast<float>(rng.uniform_int(0, levels - 1)) : static_cast<float>(rng.uniform(low, high));
    return m;
}

// Every pair by direct differences in double, ordered by (distance, the query itself first, index).
KnnGraph brute_knn(const Matrix& queries, const Matrix& points, std::size_t k, bool self_query) {
    KnnGraph graph{xt::xtensor<std::int32_t, 2>::from_shape({rows(queries), k}),
                   xt::xtensor<float, 2>::from_shape({rows(queries), k})};
    for (std::size_t i = 0; i < rows(queries); ++i) {
        std::vector<std::tuple<double, bool, std::size_t>> all;
        for (std::size_t m = 0; m < rows(points); ++m) {
            double sum = 0;
            for (std::size_t c = 0; c < columns(points); ++c) {
                const double diff = double(queries(i, c)) - double(points(m, c));
                sum += diff * diff;
            }
            all.emplace_back(sum, !(self_query && m == i), m);
        }
        std::sort(all.begin(), all.end());
        for (std::size_t j = 0; j < k; ++j) {
            graph.indices(i, j) = static_cast<std::int32_t>(std::get<2>(all[j]));
            graph.distances(i, j) = static_cast<float>(std::sqrt(std::get<0>(all[j])));
        }
    }
    return graph;
}

void check_same(const KnnGraph& ours, const KnnGraph& reference) {
    REQUIRE(ours.indices.shape() == reference.indices.shape());
    REQUIRE(ours.distances.shape() == reference.distances.shape());
    for (std::size_t i = 0; i < ours.indices.shape()[0]; ++i) {
        for (std::size_t j = 0; j < ours.indices.shape()[1]; ++j) {
            INFO("row " << i << ", neighbour " << j);
            REQUIRE(ours.indices(i, j) == reference.indices(i, j));
            REQUIRE(ours.distances(i, j) == Approx(reference.distances(i, j)).epsilon(1e-6).margin(1e-6));
        }
    }
}

}  // namespace

TEST_CASE("exact_knn matches scikit-learn NearestNeighbors", "[knn][golden]") {
    const Matrix points = golden_matrix("knn_points"), queries = golden_matrix("knn_queries");
    const auto check = [](const KnnGraph& ours, const std::string& set) {
        const auto indices = golden<std::int64_t>(set + "_indices");
        const auto distances = golden<double>(set + "_distances");
        REQUIRE(ours.indices.shape()[0] == indices.shape()[0]);
        REQUIRE(ours.indices.shape()[1] == indices.shape()[1]);
        for (std::size_t i = 0; i < indices.shape()[0]; ++i) {
            for (std::size_t j = 0; j < indices.shape()[1]; ++j) {
                INFO(set << " row " << i << ", neighbour " << j);
                CHECK(ours.indices(i, j) == indices(i, j));
                CHECK(ours.distances(i, j) == Approx(distances(i, j)).epsilon(1e-6).margin(1e-5));
            }
        }
    };
    const KnnGraph self = exact_knn(points, 8, Cpu{1});
    check(self, "knn_self");
    for (std::size_t i = 0; i < rows(points); ++i) {
        CHECK(self.indices(i, 0) == static_cast<std::int32_t>(i));
        CHECK(self.distances(i, 0) == 0.0f);  // exactly: recomputed by direct differences
    }
    check(exact_knn(queries, points, 8, Cpu{1}), "knn_query");
}

TEST_CASE("exact_knn equals brute force with ties and duplicates across blocks and threads", "[knn]") {
    // Integer features in [0, 3): nearly every distance is tied, and many rows are duplicates.
    // 600 rows span three 256-row blocks.
    const Matrix points = random_matrix(600, 4, 1, 0, 0, 3);
    const Matrix queries = random_matrix(300, 4, 2, 0, 0, 3);
    const KnnGraph reference = brute_knn(points, points, 12, true);
    const KnnGraph one = exact_knn(points, 12, Cpu{1});
    check_same(one, reference);
    for (std::size_t i = 0; i < rows(points); ++i) REQUIRE(one.indices(i, 0) == static_cast<std::int32_t>(i));
    const KnnGraph two = exact_knn(points, 12, Cpu{2});
    CHECK(two.indices == one.indices);
    CHECK(two.distances == one.distances);
    check_same(exact_knn(queries, points, 12, Cpu{2}), brute_knn(queries, points, 12, false));
    // k = n: the full ordering.
    const Matrix few = random_matrix(9, 3, 3, 0, 0, 2);
    check_same(exact_knn(few, 9, Cpu{1}), brute_knn(few, few, 9, true));
}

TEST_CASE("the GEMM distance bounds hold where the identity cancels badly", "[knn]") {
    // Two clusters at ±1000 in every feature, each of spread 0.01: centring cannot shrink the
    // norms (the mean is near 0), which are about 10¹⁰ times the squared distances within a
    // cluster, so the float identity alone would rank the neighbours at random.
    Matrix points = random_matrix(300, 64, 4, -0.01, 0.01);
    for (std::size_t i = 0; i < rows(points); ++i)
        for (std::size_t c = 0; c < columns(points); ++c) points(i, c) += i % 2 ? 1000.0f : -1000.0f;
    const Matrix queries = random_matrix(50, 64, 5, 999.99, 1000.01);
    std::size_t checked = 0;
    for_each_distance_block(queries, points, Cpu{2}, [&](const DistanceBlock& block, int) {
        for (std::size_t r = 0; r < block.size(); ++r) {
            const auto approximate = block.approximate(r);
            for (std::size_t m = 0; m < block.points(); ++m) {
                const double exact = block.exact(r, m);
                if (std::abs(approximate[m] - exact) > block.bound(r, m)) FAIL("bound violated at " << r << ", " << m);
                ++checked;
            }
        }
    });
    CHECK(checked == rows(queries) * rows(points));
    check_same(exact_knn(queries, points, 7, Cpu{1}), brute_knn(queries, points, 7, false));
    check_same(exact_knn(points, 7, Cpu{2}), brute_knn(points, points, 7, true));
}

TEST_CASE("exact_knn rejects bad input", "[knn][errors]") {
    const Matrix points = random_matrix(10, 3, 6);
    CHECK_THROWS_WITH(exact_knn(points, 0), Catch::Contains("k = 0") && Catch::Contains("1 ≤ k ≤ 10"));
    CHECK_THROWS_WITH(exact_knn(points, 11), Catch::Contains("k = 11"));
    CHECK_THROWS_WITH(exact_knn(random_matrix(4, 2, 7), points, 3), Catch::Contains("2 features, points 3"));
    Matrix bad = points;
    bad(4, 1) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(exact_knn(bad, 3), Catch::Contains("(4, 1)") && Catch::Contains("exact_knn"));
    CHECK_THROWS_WITH(exact_knn(Matrix::from_shape({0, 3}), 1), Catch::Contains("empty"));
    Matrix huge = points;
    huge(2, 0) = 1e30f;
    CHECK_THROWS_WITH(exact_knn(huge, 3), Catch::Contains("sample 2") && Catch::Contains("rescale"));
    CHECK_THROWS_WITH(exact_knn(huge, points, 3), Catch::Contains("(queries): sample 2"));
}

TEST_CASE("KnnClassifier matches scikit-learn KNeighborsClassifier", "[knn][classifier][golden]") {
    const Matrix points = golden_matrix("knn_points"), queries = golden_matrix("knn_queries");
    const Labels labels = golden_labels("knn_labels");
    const auto ks = golden<std::int64_t>("knn_ks");
    const auto expected = golden<int>("knn_predictions");
    REQUIRE(expected.shape()[0] == ks.size());
    for (std::size_t c = 0; c < ks.size(); ++c) {
        const auto k = static_cast<std::size_t>(ks(c));
        for (const int threads : {1, 2}) {
            const Labels predicted = KnnClassifier({.k = k, .cpu = Cpu{threads}}).fit(points, labels).predict(queries);
            for (std::size_t i = 0; i < rows(queries); ++i) {
                INFO("k = " << k << ", threads " << threads << ", query " << i);
                CHECK(predicted(i) == expected(c, i));
            }
        }
    }
}

TEST_CASE("KnnClassifier gives a tied vote to the smallest class", "[knn][classifier]") {
    // 1-d training points 0, 1, 2, 3 of classes 2, 1, 1, 2: with k = 4 every query sees all
    // four, a 2–2 tie, which goes to class 1.
    Matrix x = Matrix::from_shape({4, 1});
    x(0, 0) = 0, x(1, 0) = 1, x(2, 0) = 2, x(3, 0) = 3;
    Labels y = Labels::from_shape({4});
    y(0) = 2, y(1) = 1, y(2) = 1, y(3) = 2;
    Matrix query = Matrix::from_shape({2, 1});
    query(0, 0) = 1.5f, query(1, 0) = -0.4f;
    const Labels k4 = KnnClassifier({.k = 4}).fit(x, y).predict(query);
    CHECK(k4(0) == 1);
    CHECK(k4(1) == 1);
    // Query −0.4 with k = 2: neighbours 0 (class 2) and 1 (class 1): tie → class 1.
    CHECK(KnnClassifier({.k = 2}).fit(x, y).predict(query)(1) == 1);
    CHECK(KnnClassifier({.k = 1}).fit(x, y).predict(query)(1) == 2);
}

TEST_CASE("knn_accuracy_cv follows its documented split", "[knn][classifier]") {
    // Overlapping classes, so the accuracy depends on every detail of the split.
    const std::size_t n = 103, folds = 5, k = 3;
    const Matrix x = random_matrix(n, 4, 8);
    Labels y = Labels::from_shape({n});
    for (std::size_t i = 0; i < n; ++i) y(i) = (x(i, 0) + 0.5f * x(i, 1) > 0) + (x(i, 2) > 0.6f);
    // Reference: Fisher–Yates with Rng(seed), contiguous folds, brute-force majority vote
    // (ties in distance by sample index, in votes by the smaller class).
    const std::uint64_t seed = 42;
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    Rng rng(seed);
    for (std::size_t i = n - 1; i > 0; --i) std::swap(order[i], order[static_cast<std::size_t>(rng.uniform_int(0, std::int64_t(i)))]);
    std::vector<int> fold_of(n);
    for (std::size_t f = 0; f < folds; ++f)
        for (std::size_t p = f * n / folds; p < (f + 1) * n / folds; ++p) fold_of[order[p]] = int(f);
    std::size_t correct = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<std::pair<double, std::size_t>> others;
        for (std::size_t m = 0; m < n; ++m) {
            if (fold_of[m] == fold_of[i]) continue;
            double sum = 0;
            for (std::size_t c = 0; c < 4; ++c) sum += std::pow(double(x(i, c)) - double(x(m, c)), 2);
            others.emplace_back(sum, m);
        }
        std::sort(others.begin(), others.end());
        int votes[3] = {0, 0, 0};
        for (std::size_t j = 0; j < k; ++j) ++votes[y(others[j].second)];
        correct += int(std::max_element(votes, votes + 3) - votes) == y(i);
    }
    const double expected = double(correct) / double(n);
    CHECK(knn_accuracy_cv(x, y, k, folds, seed, Cpu{1}) == expected);
    CHECK(knn_accuracy_cv(x, y, k, folds, seed, Cpu{2}) == expected);
    CHECK(expected > 0.5);  // better than chance: the classes are learnable
    CHECK(expected < 1.0);  // but overlap, so the split matters

    // Well-separated classes are classified perfectly.
    Matrix separated = random_matrix(60, 2, 9, 0, 0.1);
    Labels classes = Labels::from_shape({60});
    for (std::size_t i = 0; i < 60; ++i) {
        classes(i) = int(i % 3);
        separated(i, 0) += 10.0f * float(i % 3);
    }
    CHECK(knn_accuracy_cv(separated, classes, 5, 5, 1) == 1.0);
}

TEST_CASE("KnnClassifier and knn_accuracy_cv reject bad input", "[knn][classifier][errors]") {
    const Matrix x = random_matrix(10, 2, 10);
    Labels y = Labels::from_shape({10});
    for (std::size_t i = 0; i < 10; ++i) y(i) = int(i % 2);
    CHECK_THROWS_WITH(KnnClassifier({.k = 0}), Catch::Contains("option k = 0"));
    CHECK_THROWS_WITH(KnnClassifier().predict(x), Catch::Contains("not fitted"));
    CHECK_THROWS_WITH(KnnClassifier({.k = 11}).fit(x, y), Catch::Contains("option k = 11"));
    CHECK_THROWS_WITH(KnnClassifier().fit(x, Labels::from_shape({9})), Catch::Contains("9 labels for 10 samples"));
    KnnClassifier fitted({.k = 3});
    fitted.fit(x, y);
    CHECK_THROWS_WITH(fitted.predict(random_matrix(3, 5, 11)), Catch::Contains("5 features; expected 2"));
    CHECK_THROWS_WITH(knn_accuracy_cv(x, y, 3, 1), Catch::Contains("folds = 1"));
    CHECK_THROWS_WITH(knn_accuracy_cv(x, y, 3, 11), Catch::Contains("folds = 11"));
    CHECK_THROWS_WITH(knn_accuracy_cv(x, y, 9, 5), Catch::Contains("k = 9") && Catch::Contains("1 ≤ k ≤ 8"));
}
