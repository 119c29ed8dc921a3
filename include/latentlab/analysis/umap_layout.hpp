#pragma once
// UMAP's layout optimization (umap-learn 0.5's optimize_layout_euclidean): stochastic
// gradient descent on the fuzzy cross-entropy, where an edge of weight w is sampled every
// w_max / w epochs, pulls its two ends together with −2ab·d^(2(b−1)) / (1 + a·d^(2b)), and
// each sample draws negative_sample_rate random points that push its head away with
// 2γb / ((0.001 + d²)(1 + a·d^(2b))); every gradient component is clipped to ±4, and the
// learning rate falls linearly to 0 over the epochs.
//
// Each sampled directed copy of an edge moves both its ends by the same step, as in
// umap-learn, so the pair's midpoint stays put. Moving only the head, pulled twice as hard
// (the graph holds both copies, so each end still moves once per sample), looks equivalent
// but is not: while the learning rate is high a step overshoots the neighbour, which then,
// moved from the head's new position, overshoots back in the same direction, and the two
// leapfrog away together. On E1's NN1 latents that detached small groups as islands (the
// 16-d kNN graph in 24 to 31 components instead of umap-learn's 1, linear-probe F1 at 4-d
// 0.68 to 0.84 instead of 0.98); Fashion-MNIST's scores did not show it. Moving the tail
// costs time (cache lines written by both cores: the 2-thread Fashion-MNIST layout takes
// 3.7 s instead of 2.3 s), and a wrong embedding is not worth that saving.
//
// Negative samples come from a generator seeded by (seed, vertex, epoch). Two schedules:
//   fast           threads take chunks of vertices and update the shared embedding as they
//                  go, tails included (lock-free, as umap-learn's parallel mode): the result
//                  depends on the thread count and timing;
//   deterministic  each epoch computes the attraction from a snapshot of the previous
//                  epoch, and a thread writes only the vertices it owns: the head also makes
//                  the move it gets as the tail of the reverse copy (the same step, from the
//                  same snapshot positions), so a pair still moves symmetrically. The same
//                  output for a seed whatever the thread count.
// In transform() the heads are new points and the tails the fixed training embedding: only
// the heads move, once per sampled edge, whatever the schedule.
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "latentlab/analysis/fuzzy_graph.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/random.hpp"

namespace latentlab::analysis {

enum class UmapMode { fast, deterministic };

struct LayoutOptions {
    std::size_t epochs = 200;
    double a = 1.577;
    double b = 0.895;
    double repulsion = 1.0;     // γ
    double learning_rate = 1.0; // the initial α
    double negative_sample_rate = 5.0;
    UmapMode mode = UmapMode::fast;
    std::uint64_t seed = 0;
    Cpu cpu{};
};

namespace layout_detail {

// SplitMix64 (Steele, Lea & Flood 2014) seeded from Philox: a generator costs one Philox
// block, and each draw a few multiplications, so a fresh stream per (vertex, epoch) is cheap.
class SampleStream {
public:
    SampleStream(std::uint64_t seed, std::uint64_t vertex, std::uint64_t epoch) {
        const auto bits = random_bits(seed, 0x0a0a'0000'0000'0000ull | vertex, epoch);
        state_ = (std::uint64_t{bits[0]} << 32) | bits[1];
    }
    // A vertex in [0, n): the top bits of a 64-bit draw scaled to n (bias below 2^−32).
    std::size_t vertex(std::size_t n) {
        state_ += 0x9E3779B97F4A7C15ull;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        return static_cast<std::size_t>((static_cast<uint128>(z) * n) >> 64);
    }

private:
    std::uint64_t state_;
};

inline float clip(float value) { return std::clamp(value, -4.0f, 4.0f); }

// x^b for x > 0 as 2^(b·log2 x), both by short polynomials (relative error about 1e-5):
// two libm calls per sample were a third of the layout's time, and the gradient needs no
// more precision than the float coordinates carry.
inline float fast_power(float x, float b) {
    const auto bits = std::bit_cast<std::uint32_t>(x);
    const auto exponent = static_cast<float>(static_cast<int>(bits >> 23) - 127);
    const float mantissa = std::bit_cast<float>((bits & 0x007fffffu) | 0x3f800000u);  // [1, 2)
    // log2(m) = (2/ln 2)·atanh(t), t = (m − 1)/(m + 1) ∈ [0, 1/3].
    const float t = (mantissa - 1.0f) / (mantissa + 1.0f);
    const float t2 = t * t;
    const float log2_mantissa =
        t * (2.8853900817779268f + t2 * (0.9617966939259756f + t2 * (0.5770780163555854f +
                                                                     t2 * (0.4121985831111325f + t2 * 0.3205988979753253f))));
    const float y = std::clamp(b * (exponent + log2_mantissa), -126.0f, 126.0f);
    const float whole = std::floor(y);
    const float f = y - whole;  // [0, 1): 2^f by its Taylor polynomial in f·ln 2
    const float p = 1.0f + f * (0.6931471805599453f + f * (0.2402265069591007f + f * (0.0555041086648216f +
                    f * (0.0096181291076285f + f * (0.0013333558146428f + f * 0.0001540353039338f)))));
    return p * std::bit_cast<float>(static_cast<std::uint32_t>(static_cast<int>(whole) + 127) << 23);
}

// Relaxed atomic access: the fast schedule's threads read and write coordinates that other
// threads may be updating (umap-learn's Hogwild!-style races), which plain floats would make
// undefined behaviour; relaxed loads and stores compile to plain moves.
inline float load(const float& x) { return std::atomic_ref<float>(const_cast<float&>(x)).load(std::memory_order_relaxed); }
inline void add(float& x, float delta) {
    std::atomic_ref<float> ref(x);
    ref.store(ref.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

}  // namespace layout_detail

// The sampling period of each edge: w_max / w epochs (edges below w_max / epochs were pruned).
inline std::vector<double> epochs_per_sample(const FuzzyGraph& graph) {
    const double largest = graph.max_weight();
    std::vector<double> period(graph.edges());
    for (std::size_t e = 0; e < period.size(); ++e) period[e] = largest / static_cast<double>(graph.weights[e]);
    return period;
}

// Drops the edges too weak to be sampled even once in `epochs` epochs (umap-learn does this
// before optimizing: weight < w_max / epochs).
inline FuzzyGraph prune_for_epochs(const FuzzyGraph& graph, std::size_t epochs) {
    const float threshold = graph.max_weight() / static_cast<float>(epochs);
    FuzzyGraph pruned;
    pruned.rows = graph.rows;
    pruned.columns = graph.columns;
    pruned.offsets.assign(graph.rows + 1, 0);
    for (std::size_t i = 0; i < graph.rows; ++i) {
        for (std::size_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
            if (graph.weights[e] < threshold) continue;
            pruned.targets.push_back(graph.targets[e]);
            pruned.weights.push_back(graph.weights[e]);
        }
        pruned.offsets[i + 1] = pruned.targets.size();
    }
    return pruned;
}

// Optimizes `head` (graph.rows × dim) in place. With `tail` null the graph is the head's own
// symmetric fuzzy set; otherwise its columns index the fixed points `tail`.
inline void optimize_layout(Matrix& head, const Matrix* tail, const FuzzyGraph& graph, const LayoutOptions& options) {
    using namespace layout_detail;
    const std::size_t dim = columns(head);
    const bool own = tail == nullptr;
    require(rows(head) == graph.rows, "optimize_layout: ", rows(head), " head points for a graph of ", graph.rows,
            " rows");
    require(own || (columns(*tail) == dim && rows(*tail) == graph.columns),
            "optimize_layout: the tail embedding's shape does not match the graph and the head");
    const std::size_t tail_count = graph.columns;
    const std::vector<double> period = epochs_per_sample(graph);
    const double negative_rate = options.negative_sample_rate;
    std::vector<double> next_sample(period);
    std::vector<double> next_negative(period.size());
    for (std::size_t e = 0; e < period.size(); ++e) next_negative[e] = period[e] / negative_rate;

    const auto a = static_cast<float>(options.a);
    const auto b = static_cast<float>(options.b);
    const auto gamma = static_cast<float>(options.repulsion);
    const bool snapshot = own && options.mode == UmapMode::deterministic;
    const bool move_tail = own && !snapshot;
    // The deterministic schedule takes both ends from the snapshot, so that the tail's
    // owner, processing the reverse copy, computes exactly the opposite step: the head makes
    // both moves (the attraction doubled) and the pair still moves symmetrically. From the
    // head's position now (moved since by earlier edges and negatives) the two steps would
    // differ, and a group's common motion would come back reversed and amplified wherever
    // steps overshoot: the leapfrogging above again (E1: 4 to 11 islands).
    const float attraction_scale = snapshot ? 2.0f : 1.0f;
    Matrix previous;
    constexpr std::int64_t group = 8;

    for (std::size_t epoch = 0; epoch < options.epochs; ++epoch) {
        const auto alpha = static_cast<float>(options.learning_rate *
                                              (1.0 - static_cast<double>(epoch) / static_cast<double>(options.epochs)));
        const auto now = static_cast<double>(epoch);
        if (snapshot) previous = head;
        const float* others = own ? (snapshot ? previous.data() : head.data()) : tail->data();
        float* positions = head.data();
        // Vertices have uneven degrees: chunks are handed out as threads finish.
        cpu::parallel_for_dynamic(options.cpu, graph.rows, 256, [&](std::size_t begin, std::size_t end, int) {
            std::vector<float> current(dim), offset(dim);
            for (std::size_t i = begin; i < end; ++i) {
                float* mine = positions + i * dim;
                SampleStream stream(options.seed, i, epoch);
                for (std::size_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
                    if (next_sample[e] > now) continue;
                    const auto j = static_cast<std::size_t>(graph.targets[e]);
                    float* other_live = move_tail ? positions + j * dim : nullptr;
                    const float* other = others + j * dim;
                    const float* from = snapshot ? previous.data() + i * dim : current.data();
                    float d2 = 0.0f;
                    for (std::size_t c = 0; c < dim; ++c) {
                        current[c] = load(mine[c]);
                        offset[c] = from[c] - load(other[c]);
                        d2 += offset[c] * offset[c];
                    }
                    float coefficient = 0.0f;
                    if (d2 > 0.0f) {
                        const float power = fast_power(d2, b);  // d^(2b)
                        coefficient = -2.0f * a * b * (power / d2) / (a * power + 1.0f);
                    }
                    for (std::size_t c = 0; c < dim; ++c) {
                        const float step = clip(coefficient * offset[c]) * alpha;
                        current[c] += attraction_scale * step;
                        add(mine[c], attraction_scale * step);
                        if (move_tail) add(other_live[c], -step);
                    }
                    next_sample[e] += period[e];

                    // (A rate of 0, accepted as by umap-learn, draws none: the period would be
                    // infinite and the count NaN.)
                    const std::int64_t negatives =
                        negative_rate > 0.0
                            ? static_cast<std::int64_t>((now - next_negative[e]) / (period[e] / negative_rate))
                            : 0;
                    // The negatives of one sample are computed from the same position and
                    // applied together, in groups of `group`: umap-learn applies each before
                    // drawing the next, a serial chain of dependent divisions and powers that
                    // left the core waiting; independent, they pipeline and vectorize.
                    for (std::int64_t done = 0; done < negatives; done += group) {
                        const auto size = static_cast<std::size_t>(std::min<std::int64_t>(group, negatives - done));
                        std::array<const float*, group> pushed{};
                        std::array<float, group> n2{};
                        std::array<float, group> repel{};
                        for (std::size_t p = 0; p < size; ++p) {
                            const std::size_t k = stream.vertex(tail_count);
                            // A point does not repel itself (skipped as a null entry).
                            pushed[p] = own && k == i ? nullptr : others + k * dim;
                            if (!pushed[p]) continue;
                            for (std::size_t c = 0; c < dim; ++c) {
                                const float diff = current[c] - load(pushed[p][c]);
                                n2[p] += diff * diff;
                            }
                        }
                        for (std::size_t p = 0; p < group; ++p) {
                            const float d2n = std::max(n2[p], 1e-30f);
                            const float power = fast_power(d2n, b);
                            repel[p] = n2[p] > 0.0f ? 2.0f * gamma * b / ((0.001f + n2[p]) * (a * power + 1.0f)) : 0.0f;
                        }
                        for (std::size_t c = 0; c < dim; ++c) {
                            float total = 0.0f;
                            for (std::size_t p = 0; p < size; ++p) {
                                if (!pushed[p]) continue;
                                // Two points at the same place are pushed apart by the clip bound.
                                total += repel[p] > 0.0f ? clip(repel[p] * (current[c] - load(pushed[p][c]))) : 4.0f;
                            }
                            current[c] += total * alpha;
                            add(mine[c], total * alpha);
                        }
                    }
                    if (negatives > 0) next_negative[e] += static_cast<double>(negatives) * (period[e] / negative_rate);
                }
            }
        });
    }
}

}  // namespace latentlab::analysis
