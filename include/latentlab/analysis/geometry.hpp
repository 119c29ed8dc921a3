#pragma once
// The E1 geometry study: does distance along the latent manifold follow distance between
// the generative parameters? The original triangulated the 16-d UMAP embedding (Delaunay),
// which is intractable in 16-d; we build the k-nearest-neighbour graph instead, take
// geodesic (shortest-path) distances from the central node of its largest connected
// component, and compare them with the parameter distance S by rank correlation.
//
// The central node (least eccentricity) is exact but needs far fewer than n Dijkstra runs:
// the bounding algorithm of Takes & Kosters ("Computing the eccentricity distribution of
// large graphs", Algorithms 6, 2013; "Determining the diameter of small world networks",
// CIKM 2011). One run from v gives, for every w, max(d(v,w), ecc(v) − d(v,w)) ≤ ecc(w) ≤
// ecc(v) + d(v,w) — the triangle inequality, so it holds for weighted undirected graphs —
// and a node whose lower bound exceeds the smallest upper bound cannot be the centre. Which
// node to run next decides the count: see central_node.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/components.hpp"
#include "latentlab/analysis/knn.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/data/rectangles.hpp"

namespace latentlab::analysis {

struct Edge {
    std::size_t a = 0, b = 0;
    double weight = 0;
};

// An undirected graph with non-negative edge weights, in compressed rows: each edge is
// stored in both of its nodes' lists.
class Graph {
public:
    Graph() = default;

    // Self loops are dropped (they never shorten a path); an edge given twice, in either
    // direction, is kept once with the smaller weight.
    static Graph from_edges(std::size_t nodes, std::span<const Edge> edges) {
        require(nodes <= std::numeric_limits<std::uint32_t>::max(), "Graph::from_edges: ", nodes,
                " nodes; expected at most 2³² − 1");
        std::vector<std::pair<std::uint64_t, double>> directed;  // (from · 2³² + to, weight)
        directed.reserve(2 * edges.size());
        for (std::size_t e = 0; e < edges.size(); ++e) {
            const Edge& edge = edges[e];
            require(edge.a < nodes && edge.b < nodes, "Graph::from_edges: edge ", e, " joins nodes ", edge.a, " and ",
                    edge.b, "; expected node indices below ", nodes);
            require(std::isfinite(edge.weight) && edge.weight >= 0, "Graph::from_edges: edge ", e, " (", edge.a, ", ",
                    edge.b, ") has weight ", edge.weight, "; expected a finite weight ≥ 0");
            if (edge.a == edge.b) continue;
            directed.push_back({(std::uint64_t{edge.a} << 32) | edge.b, edge.weight});
            directed.push_back({(std::uint64_t{edge.b} << 32) | edge.a, edge.weight});
        }
        std::sort(directed.begin(), directed.end());  // by (from, to), then the smaller weight first
        Graph graph;
        graph.offsets_.assign(nodes + 1, 0);
        for (std::size_t e = 0; e < directed.size(); ++e) {
            if (e > 0 && directed[e].first == directed[e - 1].first) continue;
            ++graph.offsets_[(directed[e].first >> 32) + 1];
            graph.neighbours_.push_back(static_cast<std::uint32_t>(directed[e].first));
            graph.weights_.push_back(directed[e].second);
        }
        std::partial_sum(graph.offsets_.begin(), graph.offsets_.end(), graph.offsets_.begin());
        return graph;
    }

    std::size_t nodes() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
    std::size_t edges() const { return neighbours_.size() / 2; }
    std::size_t degree(std::size_t v) const { return offsets_[v + 1] - offsets_[v]; }
    std::span<const std::uint32_t> neighbours(std::size_t v) const {
        return {neighbours_.data() + offsets_[v], degree(v)};
    }
    std::span<const double> weights(std::size_t v) const { return {weights_.data() + offsets_[v], degree(v)}; }

private:
    std::vector<std::size_t> offsets_;
    std::vector<std::uint32_t> neighbours_;
    std::vector<double> weights_;
};

// The undirected kNN graph: an edge i–j, weighted by their distance, whenever j is among
// i's neighbours or i among j's; self entries are dropped.
inline Graph knn_graph(const KnnGraph& knn) {
    const std::size_t n = knn.indices.shape()[0], k = knn.indices.shape()[1];
    require(knn.distances.shape() == knn.indices.shape(), "knn_graph: indices are ", n, " × ", k, " but distances ",
            knn.distances.shape()[0], " × ", knn.distances.shape()[1], "; expected the same shape");
    std::vector<Edge> edges;
    edges.reserve(n * k);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < k; ++c) {
            const std::int32_t j = knn.indices(i, c);
            require(j >= 0 && static_cast<std::size_t>(j) < n, "knn_graph: neighbour ", c, " of point ", i, " is ", j,
                    "; expected an index below ", n);
            edges.push_back({i, static_cast<std::size_t>(j), static_cast<double>(knn.distances(i, c))});
        }
    }
    return Graph::from_edges(n, edges);
}

// Shortest-path distances from `source`; +inf for nodes it cannot reach.
inline std::vector<double> dijkstra(const Graph& graph, std::size_t source) {
    require(source < graph.nodes(), "dijkstra: source node ", source, "; expected a node below ", graph.nodes());
    std::vector<double> distance(graph.nodes(), std::numeric_limits<double>::infinity());
    using Entry = std::pair<double, std::uint32_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
    distance[source] = 0;
    queue.push({0.0, static_cast<std::uint32_t>(source)});
    while (!queue.empty()) {
        const auto [d, v] = queue.top();
        queue.pop();
        if (d > distance[v]) continue;  // a stale entry: v was settled closer
        const auto neighbours = graph.neighbours(v);
        const auto weights = graph.weights(v);
        for (std::size_t e = 0; e < neighbours.size(); ++e) {
            const double through = d + weights[e];
            if (through < distance[neighbours[e]]) {
                distance[neighbours[e]] = through;
                queue.push({through, neighbours[e]});
            }
        }
    }
    return distance;
}

struct Centre {
    std::size_t node = 0;       // least eccentricity in the component; ties: smallest index
    double eccentricity = 0;    // its largest geodesic distance within the component
    std::size_t dijkstra_runs = 0;
};

// The central node of component `label` (0 = the largest) of `components`.
inline Centre central_node(const Graph& graph, const Components& components, int label = 0) {
    require(components.labels.size() == graph.nodes(), "central_node: ", components.labels.size(),
            " component labels for ", graph.nodes(), " nodes; expected connected_components of this graph");
    require(label >= 0 && static_cast<std::size_t>(label) < components.sizes.size(), "central_node: component ", label,
            "; expected 0 ≤ component < ", components.sizes.size());
    const std::size_t n = graph.nodes();
    constexpr double infinity = std::numeric_limits<double>::infinity();
    std::vector<std::size_t> candidates;  // not yet run and not excluded, by index
    for (std::size_t v = 0; v < n; ++v)
        if (components.labels[v] == label) candidates.push_back(v);
    std::vector<double> lower(n, 0.0), upper(n, infinity);
    std::vector<bool> run(n, false);

    // Start, as Takes & Kosters, from a node of highest degree (the smallest such index).
    std::size_t next = *std::max_element(candidates.begin(), candidates.end(),
                                         [&](std::size_t a, std::size_t b) { return graph.degree(a) < graph.degree(b); });
    Centre centre{0, infinity, 0};
    double radius_bound = infinity;  // the least upper bound seen: the radius is at most this
    for (bool promising_next = true;; promising_next = !promising_next) {
        const std::size_t v = next;
        const std::vector<double> distance = dijkstra(graph, v);
        run[v] = true;
        ++centre.dijkstra_runs;
        double eccentricity = 0;
        std::size_t farthest = v;  // the smallest index at that distance
        for (std::size_t w = 0; w < n; ++w) {
            if (components.labels[w] == label && distance[w] > eccentricity) {
                eccentricity = distance[w];
                farthest = w;
            }
        }
        if (eccentricity < centre.eccentricity || (eccentricity == centre.eccentricity && v < centre.node)) {
            centre.node = v;
            centre.eccentricity = eccentricity;
        }
        radius_bound = std::min(radius_bound, eccentricity);
        for (const std::size_t w : candidates) {
            lower[w] = std::max({lower[w], distance[w], eccentricity - distance[w]});
            upper[w] = std::min(upper[w], eccentricity + distance[w]);
            radius_bound = std::min(radius_bound, upper[w]);
        }
        // Exclusion leaves a relative margin far above the rounding of path sums, so a node
        // that ties with the centre is always run and compared exactly.
        const double exclude_above = radius_bound * (1.0 + 1e-9);
        std::erase_if(candidates, [&](std::size_t w) { return w == v || lower[w] > exclude_above; });
        if (candidates.empty()) break;
        // Alternate between the most promising centre (least lower bound) and the node
        // farthest from it — run even when it is no candidate itself: a double sweep whose
        // distances, ecc(w) ≥ d(farthest, w), push up the lower bounds of the nodes around
        // the promising one, which share its far side. When that node has run already, the
        // candidate of largest upper bound (Takes & Kosters' other choice) stands in. On a
        // 45,000-node kNN graph of random 16-d points this needs 68 runs where alternating
        // with the largest upper bound needs 3,041.
        if (promising_next)
            next = *std::min_element(candidates.begin(), candidates.end(),
                                     [&](std::size_t a, std::size_t b) { return lower[a] < lower[b]; });
        else if (!run[farthest])
            next = farthest;
        else
            next = *std::max_element(candidates.begin(), candidates.end(),
                                     [&](std::size_t a, std::size_t b) { return upper[a] < upper[b]; });
    }
    return centre;
}

inline Centre central_node(const Graph& graph) { return central_node(graph, connected_components(graph)); }

// Spearman's rank correlation: Pearson's correlation of the ranks, tied values sharing
// their average rank (scipy.stats.spearmanr).
inline double spearman(std::span<const double> a, std::span<const double> b) {
    const std::size_t n = a.size();
    require(b.size() == n, "spearman: ", a.size(), " and ", b.size(), " values; expected two series of equal length");
    require(n >= 2, "spearman: ", n, " values; expected at least 2");
    const auto ranks = [n](std::span<const double> x, std::string_view which) {
        for (std::size_t i = 0; i < n; ++i)
            require(std::isfinite(x[i]), "spearman: value ", i, " of the ", which, " series is ", x[i], "; expected finite values");
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t p, std::size_t q) { return x[p] < x[q]; });
        std::vector<double> rank(n);
        for (std::size_t first = 0; first < n;) {
            std::size_t last = first;
            while (last + 1 < n && x[order[last + 1]] == x[order[first]]) ++last;
            const double average = 0.5 * static_cast<double>(first + last) + 1.0;
            for (std::size_t p = first; p <= last; ++p) rank[order[p]] = average;
            first = last + 1;
        }
        return rank;
    };
    const std::vector<double> ra = ranks(a, "first"), rb = ranks(b, "second");
    const double mean = 0.5 * static_cast<double>(n + 1);  // of ranks 1..n, ties included
    double covariance = 0, variance_a = 0, variance_b = 0;
    for (std::size_t i = 0; i < n; ++i) {
        covariance += (ra[i] - mean) * (rb[i] - mean);
        variance_a += (ra[i] - mean) * (ra[i] - mean);
        variance_b += (rb[i] - mean) * (rb[i] - mean);
    }
    require(variance_a > 0 && variance_b > 0, "spearman: the ", variance_a > 0 ? "second" : "first",
            " series is constant; the rank correlation is undefined");
    return covariance / std::sqrt(variance_a * variance_b);
}

// The rows of the generative-parameter distance: (r, g, b, l, h, x, y), a subset of
// data::parameter_fields in the same order.
inline constexpr std::array<std::string_view, 7> generative_fields = {"r", "g", "b", "l", "h", "x", "y"};

// E1's generative distance S = Σ_{r,g,b} |Δ|/170 + Σ_{l,h,x,y} |Δ|/64 between two rows laid
// out as generative_fields (colour channels span about 170 levels, geometry 64 pixels).
inline double parameter_distance(std::span<const float> a, std::span<const float> b) {
    require(a.size() == generative_fields.size() && b.size() == generative_fields.size(), "parameter_distance: rows of ",
            a.size(), " and ", b.size(), " values; expected ", generative_fields.size(), " (r, g, b, l, h, x, y)");
    double colour = 0, geometry = 0;
    for (std::size_t f = 0; f < 3; ++f) colour += std::abs(static_cast<double>(a[f]) - static_cast<double>(b[f]));
    for (std::size_t f = 3; f < 7; ++f) geometry += std::abs(static_cast<double>(a[f]) - static_cast<double>(b[f]));
    return colour / 170.0 + geometry / 64.0;
}

// The n × 7 generative rows of single-rectangle images from data::Rectangles::parameters
// (n × 1 × parameter_fields), picked by field name.
inline Matrix generative_parameters(const xt::xtensor<float, 3>& rectangle_parameters) {
    const auto& shape = rectangle_parameters.shape();
    require(shape[1] == 1 && shape[2] == data::parameter_fields.size(), "generative_parameters: parameters are ",
            shape[0], " × ", shape[1], " × ", shape[2], "; expected n × 1 × ", data::parameter_fields.size(),
            " (Rectangles::parameters of single-rectangle images)");
    Matrix rows_out = Matrix::from_shape({shape[0], generative_fields.size()});
    for (std::size_t f = 0; f < generative_fields.size(); ++f) {
        const auto field = static_cast<std::size_t>(
            std::find(data::parameter_fields.begin(), data::parameter_fields.end(), generative_fields[f]) -
            data::parameter_fields.begin());
        for (std::size_t i = 0; i < shape[0]; ++i) rows_out(i, f) = rectangle_parameters(i, 0, field);
    }
    return rows_out;
}

struct GeodesicStudy {
    Components components;           // of the kNN graph
    Centre centre;                   // of the largest component
    xt::xtensor<double, 1> geodesic;   // per node: graph distance from the centre (+inf outside its component)
    xt::xtensor<double, 1> parameter;  // per node: parameter_distance to the centre's parameters
    double spearman = 0;             // rank correlation of the two over the centre's component (centre included)
};

// The study on an embedding (n × d, e.g. UMAP to 16-d) with the generative rows of its
// samples (n × 7, generative_fields): the graph joins each point to its k nearest others.
inline GeodesicStudy geodesic_study(const Matrix& embedding, const Matrix& params, std::size_t k = 15,
                                    const Cpu& cpu = {}) {
    require_features(embedding, "geodesic_study (embedding)");
    require_features(params, "geodesic_study (parameters)");
    const std::size_t n = rows(embedding);
    require(rows(params) == n && columns(params) == generative_fields.size(), "geodesic_study: parameters are ",
            rows(params), " × ", columns(params), "; expected ", n, " × ", generative_fields.size(),
            " (one (r, g, b, l, h, x, y) row per embedded sample)");
    require(k >= 1 && k < n, "geodesic_study: k = ", k, "; expected 1 ≤ k < ", n, " (the sample count)");
    const Graph graph = knn_graph(exact_knn(embedding, k + 1, cpu));
    GeodesicStudy study;
    study.components = connected_components(graph);
    study.centre = central_node(graph, study.components);
    const std::vector<double> distance = dijkstra(graph, study.centre.node);
    study.geodesic = xt::xtensor<double, 1>::from_shape({n});
    study.parameter = xt::xtensor<double, 1>::from_shape({n});
    std::vector<double> reachable_geodesic, reachable_parameter;
    for (std::size_t i = 0; i < n; ++i) {
        study.geodesic(i) = distance[i];
        study.parameter(i) = parameter_distance(row(params, i), row(params, study.centre.node));
        if (std::isfinite(distance[i])) {
            reachable_geodesic.push_back(distance[i]);
            reachable_parameter.push_back(study.parameter(i));
        }
    }
    study.spearman = spearman(reachable_geodesic, reachable_parameter);
    return study;
}

}  // namespace latentlab::analysis
