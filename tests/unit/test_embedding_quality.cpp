// Embedding quality (analysis/embedding_quality.hpp): trustworthiness, continuity and kNN
// preservation against scikit-learn and, on data where nearly every distance is tied,
// against sklearn's formulas with the tie rule made explicit (tools/make_embedding_golden.py);
// silhouette against sklearn; invariants, thread-count independence and bad input.
#include <latentlab/analysis/embedding_quality.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include <xtensor/xarray.hpp>
#include <xtensor/xview.hpp>

#include "latentlab/core/random.hpp"
#include "analysis_support.hpp"
#include "latentlab/data/npy.hpp"

using namespace latentlab;
using namespace latentlab::analysis;

namespace {

template <class T>
xt::xarray<T> golden(const std::string& name) { return testing::golden_array<T>("embedding", name); }

Matrix golden_matrix(const std::string& name) { return testing::golden_matrix("embedding", name); }

Matrix random_matrix(std::size_t n, std::size_t d, std::uint64_t seed) { return testing::normal_matrix(n, d, seed, 12); }

// Checks the three neighbourhood scores of one golden set (quality or ties) for each k.
void check_neighbourhood_scores(const std::string& prefix, const std::string& high_name, const std::string& low_name,
                                const std::string& ks_name) {
    const Matrix high = golden_matrix(high_name), low = golden_matrix(low_name);
    const auto ks = golden<std::int64_t>(ks_name);
    const auto trust = golden<double>(prefix + "trustworthiness");
    const auto cont = golden<double>(prefix + "continuity");
    const auto preserved = golden<double>(prefix + "knn_preservation");
    for (std::size_t c = 0; c < ks.size(); ++c) {
        const auto k = static_cast<std::size_t>(ks(c));
        INFO(high_name << ", k = " << k);
        // Ranks are exact integers: only the final normalization rounds.
        CHECK(trustworthiness(high, low, k, Cpu{1}) == Approx(trust(c)).epsilon(1e-13));
        CHECK(continuity(high, low, k, Cpu{1}) == Approx(cont(c)).epsilon(1e-13));
        CHECK(knn_preservation(high, low, k, Cpu{1}) == Approx(preserved(c)).epsilon(1e-13));
        const EmbeddingQuality all = embedding_quality(high, low, {.k = k, .cpu = Cpu{2}});
        CHECK(all.trustworthiness == trustworthiness(high, low, k, Cpu{1}));
        CHECK(all.continuity == continuity(high, low, k, Cpu{1}));
        CHECK(all.knn_preservation == knn_preservation(high, low, k, Cpu{1}));
    }
}

}  // namespace

TEST_CASE("trustworthiness and continuity match scikit-learn", "[embedding_quality][golden]") {
    check_neighbourhood_scores("", "quality_high", "quality_low", "quality_ks");
}

TEST_CASE("neighbourhood scores break distance ties by the smaller index", "[embedding_quality][golden]") {
    check_neighbourhood_scores("ties_", "ties_high", "ties_low", "ties_ks");
}

TEST_CASE("neighbourhood scores of a perfect and of a destroyed embedding", "[embedding_quality]") {
    const Matrix high = random_matrix(300, 6, 1);
    // A scaled copy keeps every neighbourhood: all three scores are exactly 1.
    Matrix scaled = high * 3.0f;
    const EmbeddingQuality perfect = embedding_quality(high, scaled, {.k = 7});
    CHECK(perfect.trustworthiness == 1.0);
    CHECK(perfect.continuity == 1.0);
    CHECK(perfect.knn_preservation == 1.0);
    // An unrelated embedding keeps almost nothing: preservation near k/n, trustworthiness
    // near 0.5 (the expectation for random neighbours under sklearn's normalization).
    const EmbeddingQuality random = embedding_quality(high, random_matrix(300, 2, 2), {.k = 7});
    CHECK(random.knn_preservation < 0.1);
    CHECK(random.trustworthiness == Approx(0.5).margin(0.06));
    CHECK(random.continuity == Approx(0.5).margin(0.06));
}

TEST_CASE("neighbourhood scores do not depend on the thread count", "[embedding_quality]") {
    // 700 rows span three distance blocks; 1 and 2 threads must agree exactly.
    Matrix high = random_matrix(700, 20, 3);
    xt::view(high, xt::all(), xt::range(0, 2)) *= 4.0f;  // structure a 2-d embedding can keep
    Matrix low = xt::view(high, xt::all(), xt::range(0, 2));
    low += random_matrix(700, 2, 4) * 0.5f;
    const EmbeddingQuality one = embedding_quality(high, low, {.k = 10, .cpu = Cpu{1}});
    const EmbeddingQuality two = embedding_quality(high, low, {.k = 10, .cpu = Cpu{2}});
    CHECK(one.trustworthiness == two.trustworthiness);
    CHECK(one.continuity == two.continuity);
    CHECK(one.knn_preservation == two.knn_preservation);
    CHECK(one.trustworthiness > 0.7);
    CHECK(one.trustworthiness < 1.0);
}

TEST_CASE("silhouette matches scikit-learn", "[embedding_quality][silhouette][golden]") {
    const auto labels_array = golden<int>("quality_labels");
    Labels labels = Labels::from_shape({labels_array.size()});
    std::copy(labels_array.begin(), labels_array.end(), labels.begin());
    for (const std::string space : {"high", "low"}) {
        const Matrix x = golden_matrix("quality_" + space);
        const auto expected = golden<double>("silhouette_" + space + "_samples");
        const auto expected_score = golden<double>("silhouette_" + space);
        const auto samples = silhouette_samples(x, labels, Cpu{1});
        REQUIRE(samples.size() == expected.size());
        for (std::size_t i = 0; i < samples.size(); ++i) {
            INFO(space << " sample " << i);
            CHECK(samples(i) == Approx(expected(i)).epsilon(1e-5).margin(1e-6));
        }
        CHECK(samples(57) == 0.0);  // the singleton class
        CHECK(silhouette(x, labels, Cpu{2}) == Approx(expected_score(0)).epsilon(1e-6));
        const auto two = silhouette_samples(x, labels, Cpu{2});
        CHECK(std::equal(two.begin(), two.end(), samples.begin()));
    }
}

TEST_CASE("silhouette keeps small within-class distances accurate", "[embedding_quality][silhouette]") {
    // Three tight classes (spread 1) far from each other and from the origin (500 apart), with
    // duplicated rows: 1 − s ≈ a/b depends on within-class distances about 10⁻⁵ of the squared
    // norms. Reference: every pair by direct differences in double.
    const std::size_t n = 90, d = 32;
    Matrix x = random_matrix(n, d, 5);
    Labels labels = Labels::from_shape({n});
    for (std::size_t i = 0; i < n; ++i) {
        labels(i) = int(i % 3);
        x(i, static_cast<std::size_t>(labels(i))) += 500.0f;
        if (i >= 80) std::copy_n(&x(i - 12, 0), d, &x(i, 0));  // same class (i − 12 ≡ i mod 3)
    }
    const auto samples = silhouette_samples(x, labels, Cpu{2});
    for (std::size_t i = 0; i < n; ++i) {
        double sums[3] = {0, 0, 0};
        for (std::size_t m = 0; m < n; ++m) {
            double squared = 0;
            for (std::size_t c = 0; c < d; ++c) squared += std::pow(double(x(i, c)) - double(x(m, c)), 2);
            sums[labels(m)] += std::sqrt(squared);
        }
        const auto own = static_cast<std::size_t>(labels(i));
        const double a = sums[own] / 29.0;
        const double b = std::min(sums[(own + 1) % 3], sums[(own + 2) % 3]) / 30.0;
        INFO("sample " << i);
        CHECK(1.0 - samples(i) == Approx(a / b).epsilon(1e-5));
    }
}

TEST_CASE("embedding quality rejects bad input", "[embedding_quality][errors]") {
    const Matrix high = random_matrix(20, 4, 6), low = random_matrix(20, 2, 7);
    CHECK_THROWS_WITH(trustworthiness(high, low, 10), Catch::Contains("k = 10") && Catch::Contains("k < n/2"));
    CHECK_THROWS_WITH(continuity(high, low, 0), Catch::Contains("k = 0"));
    // The overlap needs only k < n: with k = n − 1 both lists hold every other point.
    CHECK(knn_preservation(high, low, 19) == 1.0);
    CHECK_THROWS_WITH(knn_preservation(high, low, 20), Catch::Contains("k = 20") && Catch::Contains("k < n = 20"));
    CHECK_THROWS_WITH(knn_preservation(high, random_matrix(19, 2, 8), 3),
                      Catch::Contains("20 high-dimensional samples but 19"));
    Matrix bad = low;
    bad(3, 1) = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(embedding_quality(high, bad), Catch::Contains("embedding") && Catch::Contains("(3, 1)"));
    Labels one_class = Labels::from_shape({20});
    one_class.fill(0);
    CHECK_THROWS_WITH(silhouette(high, one_class), Catch::Contains("1 classes among 20"));
    Labels all_distinct = Labels::from_shape({20});
    for (std::size_t i = 0; i < 20; ++i) all_distinct(i) = int(i);
    CHECK_THROWS_WITH(silhouette_samples(high, all_distinct), Catch::Contains("20 classes among 20"));
    CHECK_THROWS_WITH(silhouette(high, Labels::from_shape({3})), Catch::Contains("3 labels for 20 samples"));
}
