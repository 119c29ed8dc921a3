#pragma once
// UMAP's fuzzy simplicial set (McInnes, Healy & Melville 2018, §3; umap-learn 0.5's
// smooth_knn_dist, compute_membership_strengths and fuzzy_simplicial_set):
//   1. per point i, rho_i = distance to the nearest neighbour at distance > 0 (local
//      connectivity 1) and sigma_i such that Σ_j exp(−(d_ij − rho_i)/sigma_i) = log2(k);
//   2. directed memberships w_ij = exp(−(d_ij − rho_i)/sigma_i) (1 when d_ij ≤ rho_i; 0 for
//      the point itself);
//   3. the fuzzy union W = r(P + Pᵀ − P∘Pᵀ) + (1 − r) P∘Pᵀ with the mix ratio r (1: union).
// The float/double mix follows umap-learn, so graphs agree with it to float rounding.
// Rows are independent, so every step runs in parallel and gives the same result for any
// thread count.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "latentlab/analysis/knn.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"

namespace latentlab::analysis {

// A sparse weighted graph in CSR form: row i's edges are targets/weights[offsets[i] ..
// offsets[i + 1]), sorted by target. Square and symmetric for a data set's own fuzzy set;
// rows = new points and columns = training points for transform().
struct FuzzyGraph {
    std::size_t rows = 0;
    std::size_t columns = 0;
    std::vector<std::size_t> offsets{0};
    std::vector<std::int32_t> targets;
    std::vector<float> weights;

    std::size_t edges() const { return targets.size(); }
    std::size_t nodes() const { return rows; }
    std::span<const std::int32_t> neighbours(std::size_t v) const {
        return {targets.data() + offsets[v], offsets[v + 1] - offsets[v]};
    }
    float max_weight() const { return weights.empty() ? 0.0f : *std::max_element(weights.begin(), weights.end()); }
};

struct SmoothKnn {
    std::vector<float> sigma;  // the kernel width of each point
    std::vector<float> rho;    // the distance each point is connected at for sure
};

namespace fuzzy_detail {
inline constexpr double tolerance = 1e-5;       // umap-learn's SMOOTH_K_TOLERANCE
inline constexpr double min_scale = 1e-3;       // MIN_K_DIST_SCALE
inline constexpr int search_iterations = 64;
}  // namespace fuzzy_detail

// Step 1. `k` is the neighbour count the fuzzy set aims at (umap-learn passes n_neighbors,
// the self-neighbour included); the first column of each row is skipped in the sum, as in
// umap-learn, because it holds the point itself.
inline SmoothKnn smooth_knn_distances(const KnnGraph& knn, double k, double local_connectivity = 1.0,
                                      const Cpu& cpu = {}) {
    const std::size_t n = knn.distances.shape()[0];
    const std::size_t width = knn.distances.shape()[1];
    require(local_connectivity >= 0.0, "smooth_knn_distances: local_connectivity is ", local_connectivity,
            "; expected ≥ 0");
    const double target = std::log2(k);
    double total = 0.0;
    for (std::size_t i = 0; i < knn.distances.size(); ++i) total += knn.distances.data()[i];
    const double mean_all = total / static_cast<double>(std::max<std::size_t>(1, knn.distances.size()));

    SmoothKnn result{std::vector<float>(n), std::vector<float>(n)};
    cpu::parallel_for(cpu, n, [&](std::size_t begin, std::size_t end, int) {
        std::vector<float> nonzero;
        nonzero.reserve(width);
        for (std::size_t i = begin; i < end; ++i) {
            const float* d = knn.distances.data() + i * width;
            nonzero.clear();
            double row_total = 0.0;
            for (std::size_t j = 0; j < width; ++j) {
                row_total += d[j];
                if (d[j] > 0.0f) nonzero.push_back(d[j]);
            }
            float rho = 0.0f;
            if (!nonzero.empty() && static_cast<double>(nonzero.size()) >= local_connectivity) {
                const auto index = static_cast<std::size_t>(std::floor(local_connectivity));
                const double interpolation = local_connectivity - static_cast<double>(index);
                if (index > 0) {
                    rho = nonzero[index - 1];
                    if (interpolation > fuzzy_detail::tolerance && index < nonzero.size())
                        rho += static_cast<float>(interpolation * (nonzero[index] - nonzero[index - 1]));
                } else {
                    rho = static_cast<float>(interpolation * nonzero[0]);
                }
            } else if (!nonzero.empty()) {
                rho = *std::max_element(nonzero.begin(), nonzero.end());
            }

            // Binary search (doubling while no upper bound is known) for the width sigma.
            double low = 0.0;
            double high = std::numeric_limits<double>::infinity();
            double mid = 1.0;
            for (int iteration = 0; iteration < fuzzy_detail::search_iterations; ++iteration) {
                double sum = 0.0;
                for (std::size_t j = 1; j < width; ++j) {
                    const float excess = d[j] - rho;
                    sum += excess > 0.0f ? std::exp(-(excess / mid)) : 1.0;
                }
                if (std::fabs(sum - target) < fuzzy_detail::tolerance) break;
                if (sum > target) {
                    high = mid;
                    mid = (low + high) / 2.0;
                } else {
                    low = mid;
                    mid = std::isinf(high) ? mid * 2.0 : (low + high) / 2.0;
                }
            }
            // A floor keeps sigma from collapsing where all neighbours sit at the same distance.
            const double mean = rho > 0.0f ? row_total / static_cast<double>(width) : mean_all;
            result.sigma[i] = static_cast<float>(std::max(mid, fuzzy_detail::min_scale * mean));
            result.rho[i] = rho;
        }
    });
    return result;
}

// Step 2: the directed membership graph P (rows = the kNN rows). With `bipartite` the
// neighbours index another point set, so no entry is the row's own point.
inline FuzzyGraph membership_strengths(const KnnGraph& knn, const SmoothKnn& smooth, std::size_t columns,
                                       bool bipartite) {
    const std::size_t n = knn.indices.shape()[0];
    const std::size_t width = knn.indices.shape()[1];
    FuzzyGraph graph;
    graph.rows = n;
    graph.columns = columns;
    graph.offsets.assign(n + 1, 0);
    std::vector<std::pair<std::int32_t, float>> row;
    for (std::size_t i = 0; i < n; ++i) {
        row.clear();
        for (std::size_t j = 0; j < width; ++j) {
            const std::int32_t target = knn.indices(i, j);
            if (target < 0) continue;  // an approximate search that found fewer than k
            if (!bipartite && static_cast<std::size_t>(target) == i) continue;
            const float excess = knn.distances(i, j) - smooth.rho[i];
            const float weight =
                excess <= 0.0f || smooth.sigma[i] == 0.0f ? 1.0f : std::exp(-(excess / smooth.sigma[i]));
            if (weight > 0.0f) row.emplace_back(target, weight);
        }
        std::sort(row.begin(), row.end());
        for (std::size_t e = 0; e < row.size(); ++e) {
            // A neighbour listed twice (possible from an approximate search) counts once, as
            // scipy's sum_duplicates would add them; keep the larger membership instead of a
            // sum above 1.
            if (e > 0 && row[e].first == row[e - 1].first) {
                graph.weights.back() = std::max(graph.weights.back(), row[e].second);
                continue;
            }
            graph.targets.push_back(row[e].first);
            graph.weights.push_back(row[e].second);
        }
        graph.offsets[i + 1] = graph.targets.size();
    }
    return graph;
}

// Pᵀ of a square graph, rows sorted by target (a counting sort keeps them sorted).
inline FuzzyGraph transpose(const FuzzyGraph& graph) {
    FuzzyGraph result;
    result.rows = graph.columns;
    result.columns = graph.rows;
    result.offsets.assign(graph.columns + 1, 0);
    for (const std::int32_t t : graph.targets) ++result.offsets[static_cast<std::size_t>(t) + 1];
    for (std::size_t i = 0; i < graph.columns; ++i) result.offsets[i + 1] += result.offsets[i];
    result.targets.resize(graph.edges());
    result.weights.resize(graph.edges());
    std::vector<std::size_t> next(result.offsets.begin(), result.offsets.end() - 1);
    for (std::size_t i = 0; i < graph.rows; ++i) {
        for (std::size_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
            const std::size_t slot = next[static_cast<std::size_t>(graph.targets[e])]++;
            result.targets[slot] = static_cast<std::int32_t>(i);
            result.weights[slot] = graph.weights[e];
        }
    }
    return result;
}

// Step 3: W = r(P + Pᵀ − P∘Pᵀ) + (1 − r) P∘Pᵀ; entries that come out 0 are dropped.
inline FuzzyGraph fuzzy_union(const FuzzyGraph& p, double mix_ratio) {
    require(p.rows == p.columns, "fuzzy_union: the graph is ", p.rows, " × ", p.columns, "; expected square");
    require(mix_ratio >= 0.0 && mix_ratio <= 1.0, "fuzzy_union: set_op_mix_ratio is ", mix_ratio,
            "; expected a value in [0, 1]");
    const FuzzyGraph pt = transpose(p);
    FuzzyGraph w;
    w.rows = w.columns = p.rows;
    w.offsets.assign(p.rows + 1, 0);
    w.targets.reserve(2 * p.edges());
    w.weights.reserve(2 * p.edges());
    const auto r = static_cast<float>(mix_ratio);
    for (std::size_t i = 0; i < p.rows; ++i) {
        std::size_t a = p.offsets[i];
        std::size_t b = pt.offsets[i];
        const std::size_t a_end = p.offsets[i + 1];
        const std::size_t b_end = pt.offsets[i + 1];
        while (a < a_end || b < b_end) {
            std::int32_t target;
            float forward = 0.0f;
            float backward = 0.0f;
            if (b == b_end || (a < a_end && p.targets[a] < pt.targets[b])) {
                target = p.targets[a];
                forward = p.weights[a++];
            } else if (a == a_end || pt.targets[b] < p.targets[a]) {
                target = pt.targets[b];
                backward = pt.weights[b++];
            } else {
                target = p.targets[a];
                forward = p.weights[a++];
                backward = pt.weights[b++];
            }
            const float product = forward * backward;
            const float weight = r * (forward + backward - product) + (1.0f - r) * product;
            if (weight > 0.0f) {
                w.targets.push_back(target);
                w.weights.push_back(weight);
            }
        }
        w.offsets[i + 1] = w.targets.size();
    }
    return w;
}

// Steps 1–3 for a data set's own kNN graph (each row listing the point itself first).
inline FuzzyGraph fuzzy_simplicial_set(const KnnGraph& knn, double local_connectivity = 1.0,
                                       double mix_ratio = 1.0, const Cpu& cpu = {}) {
    const std::size_t n = knn.indices.shape()[0];
    const SmoothKnn smooth =
        smooth_knn_distances(knn, static_cast<double>(knn.indices.shape()[1]), local_connectivity, cpu);
    return fuzzy_union(membership_strengths(knn, smooth, n, false), mix_ratio);
}

}  // namespace latentlab::analysis
