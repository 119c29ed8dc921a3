#pragma once
// Spectral initialization of a UMAP layout (umap-learn 0.5's spectral_layout and
// multi_component_layout): the eigenvectors of the normalized Laplacian
// L = I − D^(−1/2) W D^(−1/2) with the smallest eigenvalues after the trivial one.
// Computed as the largest eigenvalues of D^(−1/2) W D^(−1/2) by Lanczos (Spectra), from the
// all-ones start vector as umap-learn does, tolerance 1e-4. A graph with several connected
// components gets one layout per component, each scaled to half the distance between the
// components' anchor points (± unit axes while there are at most 2·dim components, else a
// spectral layout of the components' centroids).
// Returns nothing when Lanczos does not converge: the caller falls back and says so.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <Eigen/Dense>
#include <Spectra/SymEigsSolver.h>

#include "latentlab/analysis/components.hpp"
#include "latentlab/analysis/fuzzy_graph.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/random.hpp"

namespace latentlab::analysis {

namespace spectral_detail {

// y = D^(−1/2) W D^(−1/2) x over one component's vertices (rows of the subgraph in local
// numbering). Rows are independent, so the product is the same for any thread count.
class NormalizedAdjacency {
public:
    using Scalar = double;

    NormalizedAdjacency(const FuzzyGraph& graph, const Cpu& cpu) : graph_(graph), cpu_(cpu), scale_(graph.rows) {
        for (std::size_t i = 0; i < graph.rows; ++i) {
            double degree = 0.0;
            for (std::size_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) degree += graph.weights[e];
            scale_[i] = degree > 0.0 ? 1.0 / std::sqrt(degree) : 0.0;
        }
    }
    Eigen::Index rows() const { return static_cast<Eigen::Index>(graph_.rows); }
    Eigen::Index cols() const { return rows(); }
    void perform_op(const double* x, double* y) const {
        cpu::parallel_for(cpu_, graph_.rows, [&](std::size_t begin, std::size_t end, int) {
            for (std::size_t i = begin; i < end; ++i) {
                double sum = 0.0;
                for (std::size_t e = graph_.offsets[i]; e < graph_.offsets[i + 1]; ++e) {
                    const auto j = static_cast<std::size_t>(graph_.targets[e]);
                    sum += static_cast<double>(graph_.weights[e]) * scale_[j] * x[j];
                }
                y[i] = scale_[i] * sum;
            }
        });
    }

private:
    const FuzzyGraph& graph_;
    Cpu cpu_;
    std::vector<double> scale_;
};

// The `dim` non-trivial eigenvectors (n × dim), or nothing when Lanczos fails to converge.
inline std::optional<Eigen::MatrixXd> laplacian_eigenvectors(const FuzzyGraph& graph, std::size_t dim,
                                                             const Cpu& cpu) {
    const auto n = static_cast<Eigen::Index>(graph.rows);
    const auto k = static_cast<Eigen::Index>(dim + 1);
    const auto ncv = std::min(n, std::max<Eigen::Index>(2 * k + 1, static_cast<Eigen::Index>(std::sqrt(double(n)))));
    if (k >= n || ncv <= k) return std::nullopt;
    NormalizedAdjacency op(graph, cpu);
    Spectra::SymEigsSolver<NormalizedAdjacency> solver(op, k, ncv);
    const Eigen::VectorXd start = Eigen::VectorXd::Ones(n);
    solver.init(start.data());
    solver.compute(Spectra::SortRule::LargestAlge, 5 * n, 1e-4, Spectra::SortRule::LargestAlge);
    if (solver.info() != Spectra::CompInfo::Successful) return std::nullopt;
    // Sorted by decreasing eigenvalue of D^(−1/2) W D^(−1/2) = increasing eigenvalue of L;
    // the first is the trivial one.
    return Eigen::MatrixXd(solver.eigenvectors().rightCols(k - 1));
}

// The subgraph on the vertices with the given component label, renumbered 0 … m − 1.
inline FuzzyGraph component_subgraph(const FuzzyGraph& graph, const Components& components,
                                     std::int32_t component, std::vector<std::size_t>& members) {
    members.clear();
    std::vector<std::int32_t> local(graph.rows, -1);
    for (std::size_t v = 0; v < graph.rows; ++v) {
        if (components.labels[v] == component) {
            local[v] = static_cast<std::int32_t>(members.size());
            members.push_back(v);
        }
    }
    FuzzyGraph sub;
    sub.rows = sub.columns = members.size();
    sub.offsets.assign(members.size() + 1, 0);
    for (std::size_t i = 0; i < members.size(); ++i) {
        const std::size_t v = members[i];
        for (std::size_t e = graph.offsets[v]; e < graph.offsets[v + 1]; ++e) {
            sub.targets.push_back(local[static_cast<std::size_t>(graph.targets[e])]);
            sub.weights.push_back(graph.weights[e]);
        }
        sub.offsets[i + 1] = sub.targets.size();
    }
    return sub;
}

// Anchor points of the components: ± unit axes while they fit (2·dim of them), else a
// spectral layout of the affinities exp(−‖centroid_a − centroid_b‖²) between the
// components' centroids in the data (umap-learn's component_layout).
inline Eigen::MatrixXd component_anchors(const Matrix* data, const Components& components, std::size_t dim,
                                         Rng& rng) {
    const auto count = static_cast<Eigen::Index>(components.sizes.size());
    const auto d = static_cast<Eigen::Index>(dim);
    Eigen::MatrixXd anchors = Eigen::MatrixXd::Zero(count, d);
    if (components.sizes.size() <= 2 * dim || data == nullptr) {
        if (components.sizes.size() <= 2 * dim) {
            const Eigen::Index half = (count + 1) / 2;
            for (Eigen::Index c = 0; c < count; ++c) anchors(c, c % half) = c < half ? 1.0 : -1.0;
        } else {
            for (Eigen::Index c = 0; c < count; ++c)
                for (Eigen::Index j = 0; j < d; ++j) anchors(c, j) = rng.uniform(-1.0, 1.0);
        }
        return anchors;
    }
    const auto x = as_eigen(*data);
    Eigen::MatrixXd centroids = Eigen::MatrixXd::Zero(count, x.cols());
    Eigen::VectorXd sizes = Eigen::VectorXd::Zero(count);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const auto c = components.labels[static_cast<std::size_t>(i)];
        centroids.row(c) += x.row(i).cast<double>();
        sizes(c) += 1.0;
    }
    for (Eigen::Index c = 0; c < count; ++c) centroids.row(c) /= sizes(c);
    Eigen::MatrixXd affinity(count, count);
    for (Eigen::Index a = 0; a < count; ++a)
        for (Eigen::Index b = 0; b < count; ++b) affinity(a, b) = std::exp(-(centroids.row(a) - centroids.row(b)).squaredNorm());
    const Eigen::VectorXd scale = affinity.rowwise().sum().cwiseSqrt().cwiseInverse();
    const Eigen::MatrixXd normalized = scale.asDiagonal() * affinity * scale.asDiagonal();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(normalized);
    // Eigenvalues ascend: the trivial one is last; take the dim before it.
    anchors = eigen.eigenvectors().middleCols(count - 1 - d, d).rowwise().reverse();
    return anchors / anchors.cwiseAbs().maxCoeff();
}

}  // namespace spectral_detail

// The spectral layout (n × dim, double), or nothing when an eigensolve fails. `data` (may be
// null) places the components of a disconnected graph.
inline std::optional<Eigen::MatrixXd> spectral_layout(const FuzzyGraph& graph, std::size_t dim, const Matrix* data,
                                                      std::uint64_t seed, const Cpu& cpu = {}) {
    const Components components = connected_components(graph);
    if (components.sizes.size() == 1) return spectral_detail::laplacian_eigenvectors(graph, dim, cpu);

    Rng rng(seed, 0x5bec);
    const Eigen::MatrixXd anchors = spectral_detail::component_anchors(data, components, dim, rng);
    Eigen::MatrixXd layout(static_cast<Eigen::Index>(graph.rows), static_cast<Eigen::Index>(dim));
    std::vector<std::size_t> members;
    for (std::size_t c = 0; c < components.sizes.size(); ++c) {
        const auto component = static_cast<std::int32_t>(c);
        const FuzzyGraph sub = spectral_detail::component_subgraph(graph, components, component, members);
        double nearest = std::numeric_limits<double>::infinity();
        for (Eigen::Index other = 0; other < anchors.rows(); ++other) {
            const double distance = (anchors.row(other) - anchors.row(component)).norm();
            if (distance > 0.0) nearest = std::min(nearest, distance);
        }
        const double range = std::isfinite(nearest) ? nearest / 2.0 : 1.0;
        std::optional<Eigen::MatrixXd> local;
        if (members.size() > dim + 1 && members.size() >= 2 * dim) {
            local = spectral_detail::laplacian_eigenvectors(sub, dim, cpu);
            if (!local) return std::nullopt;
            *local *= range / local->cwiseAbs().maxCoeff();
        }
        for (std::size_t i = 0; i < members.size(); ++i) {
            const auto row = static_cast<Eigen::Index>(members[i]);
            for (Eigen::Index j = 0; j < layout.cols(); ++j) {
                const double offset = local ? (*local)(static_cast<Eigen::Index>(i), j) : rng.uniform(-range, range);
                layout(row, j) = anchors(component, j) + offset;
            }
        }
    }
    return layout;
}

}  // namespace latentlab::analysis
