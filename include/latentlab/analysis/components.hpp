#pragma once
// Connected components of an undirected graph, for any graph type that offers nodes() and
// neighbours(v) (a range of node indices): the geometry study's distance graph and UMAP's
// fuzzy set (whose disconnected pieces get separate spectral layouts) share it.
#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

namespace latentlab::analysis {

// Component labels by decreasing size (0 = the largest; equal sizes in the order of their
// smallest node) and the sizes in that order.
struct Components {
    std::vector<int> labels;
    std::vector<std::size_t> sizes;
};

template <class G>
Components connected_components(const G& graph) {
    const std::size_t n = graph.nodes();
    std::vector<int> found(n, -1);  // in order of discovery = order of smallest node
    std::vector<std::size_t> sizes, stack;
    for (std::size_t start = 0; start < n; ++start) {
        if (found[start] >= 0) continue;
        const int label = static_cast<int>(sizes.size());
        sizes.push_back(0);
        found[start] = label;
        stack.assign(1, start);
        while (!stack.empty()) {
            const std::size_t v = stack.back();
            stack.pop_back();
            ++sizes.back();
            for (const auto neighbour : graph.neighbours(v)) {
                const auto w = static_cast<std::size_t>(neighbour);
                if (found[w] < 0) {
                    found[w] = label;
                    stack.push_back(w);
                }
            }
        }
    }
    std::vector<std::size_t> order(sizes.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });
    std::vector<int> relabel(sizes.size());
    Components components;
    for (std::size_t rank = 0; rank < order.size(); ++rank) {
        relabel[order[rank]] = static_cast<int>(rank);
        components.sizes.push_back(sizes[order[rank]]);
    }
    components.labels.resize(n);
    for (std::size_t v = 0; v < n; ++v) components.labels[v] = relabel[static_cast<std::size_t>(found[v])];
    return components;
}
}  // namespace latentlab::analysis
