#pragma once
// Exact k nearest neighbours by Euclidean distance, and the blocked distance computation
// that the embedding-quality metrics reuse.
//
// Speed comes from the GEMM identity ‖q − p‖² = ‖q‖² + ‖p‖² − 2 q·p, evaluated in float for a
// block of query rows against all (centred) points: memory O(block · n), never n × n. The
// identity cancels badly where the norms are large next to the distance, so its values are
// only used to *exclude* points: every approximate value comes with a rigorous bound on its
// error, and whatever the bound cannot decide is recomputed from direct differences
// accumulated in double. Results are therefore exact with respect to the direct differences — the same for
// any thread count or block size, self-distance exactly 0, duplicates exactly tied — and
// ties are broken by the smaller index.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/matrix.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/backend/cpu/gemm.hpp"
#include "latentlab/core/error.hpp"

namespace latentlab::analysis {

// Row i: the k nearest points of sample i, nearest first, and their Euclidean (not squared)
// distances.
struct KnnGraph {
    xt::xtensor<std::int32_t, 2> indices;
    xt::xtensor<float, 2> distances;
};

// ‖a − b‖² from direct differences, accumulated in double with a fixed summation pattern:
// the value every exact decision is taken on. Eight interleaved partial sums keep the
// dependency chain short (and let the compiler vectorize) without making the result depend
// on where the rows lie in memory, so identical rows give identical distances.
inline double squared_distance(std::span<const float> a, std::span<const float> b) {
    constexpr std::size_t lanes = 8;
    double partial[lanes] = {};
    const std::size_t n = a.size(), whole = n / lanes * lanes;
    for (std::size_t k = 0; k < whole; k += lanes) {
        for (std::size_t l = 0; l < lanes; ++l) {
            const double d = static_cast<double>(a[k + l]) - static_cast<double>(b[k + l]);
            partial[l] += d * d;
        }
    }
    for (std::size_t k = whole; k < n; ++k) {
        const double d = static_cast<double>(a[k]) - static_cast<double>(b[k]);
        partial[k - whole] += d * d;
    }
    return ((partial[0] + partial[4]) + (partial[1] + partial[5])) + ((partial[2] + partial[6]) + (partial[3] + partial[7]));
}

// Beyond this the float identity overflows (and a difference of infinities is NaN).
inline void require_distance_range(const Matrix& x, std::string_view who) {
    const std::vector<float> zeros(columns(x), 0.0f);
    for (std::size_t i = 0; i < rows(x); ++i) {
        const double norm = squared_distance(row(x, i), zeros);
        require(norm < 1e36, who, ": sample ", i, " has squared norm ", norm,
                "; expected below 1e36 (values up to about 1e17) for float distance arithmetic — rescale the features");
    }
}

// Rows first … first + count − 1 of x minus `centre`, and their squared norms (in double,
// stored as float).
struct CentredRows {
    Matrix rows;
    std::vector<float> norms;
};

inline CentredRows centred_rows(const Matrix& x, std::size_t first, std::size_t count, std::span<const double> centre) {
    const std::size_t d = columns(x);
    CentredRows out{Matrix::from_shape({count, d}), std::vector<float>(count)};
    for (std::size_t i = 0; i < count; ++i) {
        const float* source = x.data() + (first + i) * d;
        float* target = out.rows.data() + i * d;
        double norm = 0;
        for (std::size_t c = 0; c < d; ++c) {
            target[c] = static_cast<float>(static_cast<double>(source[c]) - centre[c]);
            norm += static_cast<double>(target[c]) * static_cast<double>(target[c]);
        }
        out.norms[i] = static_cast<float>(norm);
    }
    return out;
}

// Approximate squared distances from a block of query rows to every point, with the error
// bound that makes them usable for exact decisions. Both sides are centred on the points'
// mean first: the identity's rounding scales with the norms, and centred norms are the
// smallest (translation leaves distances unchanged). For the pair (r, m), the direct-
// difference value exact(r, m) on the original rows lies within approximate(r)[m] ±
// bound(r, m): with u = 2⁻²⁴ and centred rows q, p, the GEMM's dot products of d terms err by
// at most d·u·Σ|q_k p_k| ≤ d·u·(‖q‖² + ‖p‖²)/2 in any summation order (first order), and
// 24u·(‖q‖² + ‖p‖²) is left for the additions, the norms', the centring's and the double
// value's own rounding.
class DistanceBlock {
public:
    DistanceBlock(const Matrix& queries, const Matrix& points, std::size_t first, std::size_t size,
                  const float* approximate, std::span<const float> query_norms, std::span<const float> point_norms)
        : queries_(&queries), points_(&points), first_(first), size_(size), approximate_(approximate),
          query_norms_(query_norms), point_norms_(point_norms),
          bound_scale_(static_cast<float>(static_cast<double>(columns(points) + 24) * 0x1.0p-24)) {}

    std::size_t first() const { return first_; }  // index of the block's first query
    std::size_t size() const { return size_; }    // query rows in the block
    std::size_t points() const { return rows(*points_); }

    // ‖q − p_m‖² for every point m of query row r (first() + r), clamped at 0.
    std::span<const float> approximate(std::size_t r) const { return {approximate_ + r * points(), points()}; }
    float bound(std::size_t r, std::size_t m) const { return bound_scale_ * (query_norms_[r] + point_norms_[m]); }
    double exact(std::size_t r, std::size_t m) const {
        return squared_distance(row(*queries_, first_ + r), row(*points_, m));
    }

    // Fills lower[m] ≤ exact(r, m) ≤ upper[m] for every point m.
    void bounds(std::size_t r, std::vector<float>& lower, std::vector<float>& upper) const {
        const std::size_t n = points();
        lower.resize(n);
        upper.resize(n);
        const float* a = approximate_ + r * n;
        const float* p = point_norms_.data();
        const float q = query_norms_[r], scale = bound_scale_;
        for (std::size_t m = 0; m < n; ++m) {
            const float slack = scale * (q + p[m]);
            lower[m] = a[m] - slack;
            upper[m] = a[m] + slack;
        }
    }

private:
    const Matrix* queries_;
    const Matrix* points_;
    std::size_t first_, size_;
    const float* approximate_;
    std::span<const float> query_norms_, point_norms_;
    float bound_scale_;
};

// Query rows per block: 256 rows × n points of float per thread (46 MB at n = 45,000) keeps
// the GEMM efficient and the memory linear in n.
inline constexpr std::size_t distance_block_rows = 256;

// Calls body(const DistanceBlock&, int thread) for consecutive blocks of query rows, the
// blocks spread over cpu.threads threads (thread < max(cpu.threads, 1) indexes per-thread
// scratch; the body runs inside an OpenMP region and must not throw). Both matrices must
// hold finite values (require_features). Memory: a centred copy of the points, and per
// thread one block of distances.
template <class Body>
void for_each_distance_block(const Matrix& queries, const Matrix& points, const Cpu& cpu, Body&& body) {
    require(columns(queries) == columns(points), "for_each_distance_block: queries have ", columns(queries),
            " features, points ", columns(points), "; expected the same feature count");
    require_distance_range(points, "distances (points)");
    if (&queries != &points) require_distance_range(queries, "distances (queries)");
    const std::size_t n = rows(points), d = columns(points);
    std::vector<double> mean(d, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < d; ++c) mean[c] += static_cast<double>(points.data()[i * d + c]);
    for (double& m : mean) m /= static_cast<double>(n);
    const CentredRows centred_points = centred_rows(points, 0, n, mean);
    const std::size_t blocks = (rows(queries) + distance_block_rows - 1) / distance_block_rows;
    cpu::parallel_for(cpu, blocks, [&](std::size_t begin, std::size_t end, int thread) {
        std::vector<float> scratch_storage, approximate(distance_block_rows * n);
        for (std::size_t b = begin; b < end; ++b) {
            const std::size_t first = b * distance_block_rows;
            const std::size_t size = std::min(distance_block_rows, rows(queries) - first);
            const CentredRows block = centred_rows(queries, first, size, mean);
            const cpu::GemmSize gemm_size{static_cast<std::ptrdiff_t>(size), static_cast<std::ptrdiff_t>(n),
                                          static_cast<std::ptrdiff_t>(d)};
            // The GEMM's packing panels must start on a 64-byte boundary.
            scratch_storage.resize(std::max(scratch_storage.size(), cpu::gemm_scratch_elements<float>(gemm_size) + 16));
            float* scratch = scratch_storage.data();
            while (reinterpret_cast<std::uintptr_t>(scratch) % 64 != 0) ++scratch;
            cpu::gemm<float>(gemm_size, cpu::Transpose::no, block.rows.data(), static_cast<std::ptrdiff_t>(d),
                             cpu::Transpose::yes, centred_points.rows.data(), static_cast<std::ptrdiff_t>(d),
                             approximate.data(), static_cast<std::ptrdiff_t>(n), -2.0f, false, scratch);
            for (std::size_t r = 0; r < size; ++r) {
                float* a = approximate.data() + r * n;
                const float q = block.norms[r];
                const float* p = centred_points.norms.data();
                for (std::size_t m = 0; m < n; ++m) a[m] = std::max(0.0f, a[m] + q + p[m]);
            }
            body(DistanceBlock(queries, points, first, size, approximate.data(), block.norms, centred_points.norms),
                 thread);
        }
    });
}

namespace knn_detail {

// Per-thread buffers of the row selection, kept between rows to avoid reallocating.
struct RowScratch {
    std::vector<float> lower, upper, largest;
    struct Candidate {
        double squared;
        bool other;  // not the query itself: the query sorts before any point at its distance
        std::int32_t index;
        friend bool operator<(const Candidate& a, const Candidate& b) {
            if (a.squared != b.squared) return a.squared < b.squared;
            if (a.other != b.other) return !a.other;
            return a.index < b.index;
        }
    };
    std::vector<Candidate> candidates;
};

// The k nearest points of block row r in (exact squared distance, the query itself first,
// index) order, written to indices[0, k) and distances[0, k). `self` is the query's index
// among the points, or −1 when the queries are not the points; s.lower and s.upper must hold
// the row's bounds (DistanceBlock::bounds).
inline void nearest_of_row(const DistanceBlock& block, std::size_t r, std::size_t k, std::ptrdiff_t self,
                           RowScratch& s, std::int32_t* indices, float* distances) {
    const std::size_t n = block.points();
    // The k-th smallest upper bound: at least k points are that close, so a point whose
    // lower bound exceeds it cannot be among the k nearest.
    s.largest.assign(s.upper.begin(), s.upper.begin() + static_cast<std::ptrdiff_t>(k));
    std::make_heap(s.largest.begin(), s.largest.end());
    for (std::size_t m = k; m < n; ++m) {
        if (s.upper[m] < s.largest.front()) {
            std::pop_heap(s.largest.begin(), s.largest.end());
            s.largest.back() = s.upper[m];
            std::push_heap(s.largest.begin(), s.largest.end());
        }
    }
    const float cutoff = s.largest.front();
    s.candidates.clear();
    for (std::size_t m = 0; m < n; ++m) {
        if (s.lower[m] <= cutoff)
            s.candidates.push_back({block.exact(r, m), static_cast<std::ptrdiff_t>(m) != self, static_cast<std::int32_t>(m)});
    }
    std::partial_sort(s.candidates.begin(), s.candidates.begin() + static_cast<std::ptrdiff_t>(k), s.candidates.end());
    for (std::size_t j = 0; j < k; ++j) {
        indices[j] = s.candidates[j].index;
        distances[j] = static_cast<float>(std::sqrt(s.candidates[j].squared));
    }
}

inline void require_k(std::size_t k, std::size_t points, std::string_view who) {
    require(k >= 1 && k <= points, who, ": k = ", k, "; expected 1 ≤ k ≤ ", points, " (the number of points)");
    require(points <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()), who, ": ", points,
            " points; expected at most 2³¹ − 1 (int32 neighbour indices)");
}

inline KnnGraph knn(const Matrix& queries, const Matrix& points, std::size_t k, bool self_query, const Cpu& cpu) {
    KnnGraph graph{xt::xtensor<std::int32_t, 2>::from_shape({rows(queries), k}),
                   xt::xtensor<float, 2>::from_shape({rows(queries), k})};
    std::vector<RowScratch> scratch(static_cast<std::size_t>(std::max(cpu.threads, 1)));
    for_each_distance_block(queries, points, cpu, [&](const DistanceBlock& block, int thread) {
        RowScratch& s = scratch[static_cast<std::size_t>(thread)];
        for (std::size_t r = 0; r < block.size(); ++r) {
            const std::size_t i = block.first() + r;
            block.bounds(r, s.lower, s.upper);
            nearest_of_row(block, r, k, self_query ? static_cast<std::ptrdiff_t>(i) : -1, s,
                           graph.indices.data() + i * k, graph.distances.data() + i * k);
        }
    });
    return graph;
}

}  // namespace knn_detail

// The k nearest of each point among all points, the point itself included as the first
// neighbour at distance 0 (even when it has duplicates) — the convention of umap-learn and
// pynndescent. Ties at equal distance are broken by the smaller index.
inline KnnGraph exact_knn(const Matrix& points, std::size_t k, const Cpu& cpu = {}) {
    require_features(points, "exact_knn (points)");
    knn_detail::require_k(k, rows(points), "exact_knn");
    return knn_detail::knn(points, points, k, true, cpu);
}

// The k nearest points of each query row (new points: no neighbour is special).
inline KnnGraph exact_knn(const Matrix& queries, const Matrix& points, std::size_t k, const Cpu& cpu = {}) {
    require_features(queries, "exact_knn (queries)");
    require_features(points, "exact_knn (points)");
    require(columns(queries) == columns(points), "exact_knn: queries have ", columns(queries), " features, points ",
            columns(points), "; expected the same feature count");
    knn_detail::require_k(k, rows(points), "exact_knn");
    return knn_detail::knn(queries, points, k, false, cpu);
}

}  // namespace latentlab::analysis
