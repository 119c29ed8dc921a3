#pragma once
// How faithfully a low-dimensional embedding keeps the neighbourhoods of the original space
// (trustworthiness, continuity, kNN preservation), and how well classes cluster
// (silhouette) — all in row blocks of the distance matrix (knn.hpp's
// for_each_distance_block), so 45,000 × 2,048 latents never need an n × n matrix.
//
// Neighbours and ranks are exact with respect to direct-difference distances (see knn.hpp),
// with one explicit tie rule everywhere: among equal distances the smaller index comes
// first, and a point is never its own neighbour. scikit-learn sorts tied distances with
// numpy's unstable quicksort and its tree order, so its values agree with these whenever
// its result does not depend on that order.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/knn.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"

namespace latentlab::analysis {

struct EmbeddingQualityOptions {
    std::size_t k = 5;  // neighbourhood size; 1 ≤ k < n/2
    Cpu cpu = {};
};

struct EmbeddingQuality {
    double trustworthiness = 0;   // are the embedding's neighbours true neighbours?
    double continuity = 0;        // are the true neighbours kept as neighbours?
    double knn_preservation = 0;  // mean fraction of the k true neighbours kept
};

namespace quality_detail {

// Rank of point j in the ordering of query row r's other points by (exact distance, index):
// 1 for the nearest. lower/upper are the row's bounds (knn.hpp) with the query itself set to
// +inf, so it is never counted.
inline std::size_t rank_in_row(const DistanceBlock& block, std::size_t r, std::size_t j,
                               const std::vector<float>& lower, const std::vector<float>& upper) {
    const double target = block.exact(r, j);
    // Float thresholds on either side of the target keep the counting loops in float (twice
    // the vector width) and the decisions rigorous.
    const auto rounded = static_cast<float>(target);
    const float below = rounded <= target ? rounded : std::nextafter(rounded, 0.0f);
    const float above = rounded >= target ? rounded : std::nextafter(rounded, std::numeric_limits<float>::infinity());
    const std::size_t n = lower.size();
    std::size_t closer = 0, maybe = 0;
    for (std::size_t m = 0; m < n; ++m) {
        closer += upper[m] < below;  // certainly closer
        maybe += lower[m] <= above;  // not certainly farther
    }
    if (maybe > closer + 1) {  // bounds other than j's own straddle the target: decide exactly
        for (std::size_t m = 0; m < n; ++m) {
            if (upper[m] < below || lower[m] > above) continue;
            const double distance = block.exact(r, m);
            closer += distance < target || (distance == target && m < j);
        }
    }
    return closer + 1;
}

// One pass over the distance rows of a space (each point against all). For every point i:
// when `nearest` is non-null, its k nearest other points are written to row i of it; when
// `ranked` is non-null, the result adds Σ_j max(0, rank_i(j) − k) over the points j of its
// row i, ranks taken in this space.
inline std::uint64_t scan_space(const Matrix& space, std::size_t k, xt::xtensor<std::int32_t, 2>* nearest,
                                const xt::xtensor<std::int32_t, 2>* ranked, const Cpu& cpu) {
    struct Scratch {
        knn_detail::RowScratch row;
        std::vector<std::int32_t> indices;
        std::vector<float> distances;
        std::uint64_t excess = 0;
    };
    std::vector<Scratch> scratch(static_cast<std::size_t>(std::max(cpu.threads, 1)));
    for_each_distance_block(space, space, cpu, [&](const DistanceBlock& block, int thread) {
        Scratch& s = scratch[static_cast<std::size_t>(thread)];
        for (std::size_t r = 0; r < block.size(); ++r) {
            const std::size_t i = block.first() + r;
            block.bounds(r, s.row.lower, s.row.upper);
            if (nearest) {
                // The k + 1 nearest with the point itself first, which is then dropped.
                s.indices.resize(k + 1);
                s.distances.resize(k + 1);
                knn_detail::nearest_of_row(block, r, k + 1, static_cast<std::ptrdiff_t>(i), s.row, s.indices.data(),
                                           s.distances.data());
                std::copy(s.indices.begin() + 1, s.indices.end(), nearest->data() + i * k);
            }
            if (ranked) {
                s.row.lower[i] = s.row.upper[i] = std::numeric_limits<float>::infinity();
                for (std::size_t c = 0; c < ranked->shape()[1]; ++c) {
                    const auto j = static_cast<std::size_t>((*ranked)(i, c));
                    const std::size_t rank = rank_in_row(block, r, j, s.row.lower, s.row.upper);
                    if (rank > k) s.excess += rank - k;
                }
            }
        }
    });
    std::uint64_t excess = 0;
    for (const Scratch& s : scratch) excess += s.excess;
    return excess;
}

inline xt::xtensor<std::int32_t, 2> neighbours(const Matrix& space, std::size_t k, const Cpu& cpu) {
    auto nearest = xt::xtensor<std::int32_t, 2>::from_shape({rows(space), k});
    scan_space(space, k, &nearest, nullptr, cpu);
    return nearest;
}

// 1 − 2/(n k (2n − 3k − 1)) Σ max(0, r − k): scikit-learn's normalization, which maps the
// worst possible ranking to 0.
inline double from_rank_excess(std::uint64_t excess, std::size_t n, std::size_t k) {
    const double nd = static_cast<double>(n), kd = static_cast<double>(k);
    return 1.0 - 2.0 / (nd * kd * (2.0 * nd - 3.0 * kd - 1.0)) * static_cast<double>(excess);
}

inline double overlap(const xt::xtensor<std::int32_t, 2>& a, const xt::xtensor<std::int32_t, 2>& b) {
    const std::size_t n = a.shape()[0], k = a.shape()[1];
    std::size_t shared = 0;
    std::vector<std::int32_t> sorted(k);
    for (std::size_t i = 0; i < n; ++i) {
        std::copy_n(b.data() + i * k, k, sorted.begin());
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t c = 0; c < k; ++c) shared += std::binary_search(sorted.begin(), sorted.end(), a(i, c));
    }
    return static_cast<double>(shared) / static_cast<double>(n * k);
}

// The shared checks; `rank_based` scores need k < n/2 (sklearn's range, where they lie in
// [0, 1]), the overlap only k < n.
inline void require_pair(const Matrix& high, const Matrix& low, std::size_t k, bool rank_based, std::string_view who) {
    require_features(high, std::string(who) + " (high-dimensional data)");
    require_features(low, std::string(who) + " (embedding)");
    const std::size_t n = rows(high);
    require(n == rows(low), who, ": ", n, " high-dimensional samples but ", rows(low),
            " embedded ones; expected the same samples in both");
    if (rank_based)
        require(k >= 1 && 2 * k < n, who, ": k = ", k, "; expected 1 ≤ k < n/2 = ", static_cast<double>(n) / 2,
                " (scikit-learn's range, where the score lies in [0, 1])");
    else
        require(k >= 1 && k < n, who, ": k = ", k, "; expected 1 ≤ k < n = ", n);
}

}  // namespace quality_detail

// Trustworthiness (Venna & Kaski), exactly as sklearn.manifold.trustworthiness: each point's
// k nearest neighbours in the embedding are penalized by how far beyond k they rank in the
// high-dimensional space.
inline double trustworthiness(const Matrix& high, const Matrix& low, std::size_t k = 5, const Cpu& cpu = {}) {
    quality_detail::require_pair(high, low, k, true, "trustworthiness");
    const auto low_neighbours = quality_detail::neighbours(low, k, cpu);
    return quality_detail::from_rank_excess(quality_detail::scan_space(high, k, nullptr, &low_neighbours, cpu),
                                            rows(high), k);
}

// Continuity: trustworthiness with the roles of the spaces swapped (the high-dimensional
// neighbours ranked in the embedding).
inline double continuity(const Matrix& high, const Matrix& low, std::size_t k = 5, const Cpu& cpu = {}) {
    quality_detail::require_pair(high, low, k, true, "continuity");
    const auto high_neighbours = quality_detail::neighbours(high, k, cpu);
    return quality_detail::from_rank_excess(quality_detail::scan_space(low, k, nullptr, &high_neighbours, cpu),
                                            rows(high), k);
}

// Mean over points of the fraction of its k high-dimensional neighbours (itself excluded)
// that are also among its k neighbours in the embedding.
inline double knn_preservation(const Matrix& high, const Matrix& low, std::size_t k = 5, const Cpu& cpu = {}) {
    quality_detail::require_pair(high, low, k, false, "knn_preservation");
    return quality_detail::overlap(quality_detail::neighbours(high, k, cpu), quality_detail::neighbours(low, k, cpu));
}

// All three with one pass over the high-dimensional distances (the expensive space) instead
// of three.
inline EmbeddingQuality embedding_quality(const Matrix& high, const Matrix& low,
                                          const EmbeddingQualityOptions& options = {}) {
    const std::size_t k = options.k;
    quality_detail::require_pair(high, low, k, true, "embedding_quality");
    const auto low_neighbours = quality_detail::neighbours(low, k, options.cpu);
    auto high_neighbours = xt::xtensor<std::int32_t, 2>::from_shape({rows(high), k});
    const std::uint64_t high_excess = quality_detail::scan_space(high, k, &high_neighbours, &low_neighbours, options.cpu);
    const std::uint64_t low_excess = quality_detail::scan_space(low, k, nullptr, &high_neighbours, options.cpu);
    return {quality_detail::from_rank_excess(high_excess, rows(high), k),
            quality_detail::from_rank_excess(low_excess, rows(high), k),
            quality_detail::overlap(high_neighbours, low_neighbours)};
}

// Per-sample silhouette (b − a) / max(a, b), as sklearn.metrics.silhouette_samples with the
// Euclidean metric: a = mean distance to the other members of the sample's class, b = the
// smallest mean distance to the members of another class; 0 for a class of one sample.
// Requires 2 ≤ (classes present) ≤ n − 1.
//
// Distances come from the float GEMM identity, one class at a time with everything centred
// on that class's mean: then the identity's rounding scales with the distances that matter
// (a tight class far from the others keeps its small within-class distances accurate, which
// one global centring would drown in the between-class norms). Pairs whose error bound still
// exceeds 1/1024 of the value (near duplicates) are recomputed exactly; sums are in double.
inline xt::xtensor<double, 1> silhouette_samples(const Matrix& x, const Labels& labels, const Cpu& cpu = {}) {
    require_features(x, "silhouette_samples");
    const std::size_t n = rows(x), d = columns(x);
    const auto classes = static_cast<std::size_t>(class_count(labels, n, "silhouette_samples"));
    std::vector<std::size_t> sizes(classes, 0);
    for (std::size_t i = 0; i < n; ++i) ++sizes[static_cast<std::size_t>(labels(i))];
    const auto present = static_cast<std::size_t>(std::count_if(sizes.begin(), sizes.end(), [](std::size_t s) { return s > 0; }));
    require(present >= 2 && present <= n - 1, "silhouette_samples: ", present, " classes among ", n,
            " samples; expected 2 ≤ classes ≤ n − 1 (the silhouette is undefined otherwise)");

    auto sums = xt::xtensor<double, 2>::from_shape({n, classes});  // Σ distances from i to class c
    std::vector<std::vector<float>> distances(static_cast<std::size_t>(std::max(cpu.threads, 1)));
    for (std::size_t c = 0; c < classes; ++c) {
        if (sizes[c] == 0) continue;
        Matrix members = Matrix::from_shape({sizes[c], d});
        for (std::size_t i = 0, m = 0; i < n; ++i)
            if (static_cast<std::size_t>(labels(i)) == c) std::copy_n(row(x, i).data(), d, members.data() + d * m++);
        for_each_distance_block(x, members, cpu, [&](const DistanceBlock& block, int thread) {
            std::vector<float>& distance = distances[static_cast<std::size_t>(thread)];
            distance.resize(sizes[c]);
            for (std::size_t r = 0; r < block.size(); ++r) {
                const std::span<const float> approximate = block.approximate(r);
                for (std::size_t m = 0; m < sizes[c]; ++m) distance[m] = std::sqrt(approximate[m]);
                for (std::size_t m = 0; m < sizes[c]; ++m) {
                    if (approximate[m] < 1024.0f * block.bound(r, m))
                        distance[m] = static_cast<float>(std::sqrt(block.exact(r, m)));
                }
                double sum = 0;
                for (const float value : distance) sum += value;
                sums(block.first() + r, c) = sum;
            }
        });
    }
    auto scores = xt::xtensor<double, 1>::from_shape({n});
    for (std::size_t i = 0; i < n; ++i) {
        const auto own = static_cast<std::size_t>(labels(i));
        const double a = sizes[own] > 1 ? sums(i, own) / static_cast<double>(sizes[own] - 1) : 0.0;
        double b = std::numeric_limits<double>::infinity();
        for (std::size_t c = 0; c < classes; ++c)
            if (c != own && sizes[c] > 0) b = std::min(b, sums(i, c) / static_cast<double>(sizes[c]));
        const double scale = std::max(a, b);
        scores(i) = sizes[own] > 1 && scale > 0 ? (b - a) / scale : 0.0;
    }
    return scores;
}

// Mean silhouette over all samples, as sklearn.metrics.silhouette_score (Euclidean).
inline double silhouette(const Matrix& x, const Labels& labels, const Cpu& cpu = {}) {
    const auto samples = silhouette_samples(x, labels, cpu);
    double sum = 0;
    for (const double s : samples) sum += s;
    return sum / static_cast<double>(samples.size());
}

}  // namespace latentlab::analysis
