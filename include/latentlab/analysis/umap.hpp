#pragma once
// UMAP (McInnes, Healy & Melville 2018), the whole algorithm with umap-learn 0.5's defaults:
// kNN graph (exact, or approximate with HNSW for large inputs), smooth kNN distances, fuzzy
// union, a and b fitted from min_dist and spread, spectral initialization, and SGD with
// negative sampling for 500 epochs up to 10,000 points (200 above).
//
//   analysis::Umap umap({.components = 2, .seed = 1});
//   umap.initialize(latents);            // neighbours, fuzzy set, initial layout
//   const auto& embedding = umap.run();  // n × 2
//   auto placed = umap.transform(new_latents);
//
// Modes (see umap_layout.hpp): `fast` (default: approximate kNN above 4,096 points,
// lock-free multi-threaded SGD) and `deterministic` (exact kNN, epoch-synchronous SGD): the
// same output for a seed whatever the thread count.
// Initialization: spectral up to 32 output dimensions; above, the Lanczos basis needed for
// dim + 1 eigenvectors (≥ 2·dim + 1 vectors of length n) costs more than the layout itself,
// so PCA of the data is used instead (random when the data have fewer dimensions than the
// output); `initialization()` says which one ran and why.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "latentlab/analysis/approximate_knn.hpp"
#include "latentlab/analysis/fuzzy_graph.hpp"
#include "latentlab/analysis/knn.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/analysis/pca.hpp"
#include "latentlab/analysis/spectral_layout.hpp"
#include "latentlab/analysis/umap_curve.hpp"
#include "latentlab/analysis/umap_layout.hpp"
#include "latentlab/core/random.hpp"

namespace latentlab::analysis {

enum class UmapInit { automatic, spectral, pca, random };
enum class KnnMethod { automatic, exact, approximate };

struct UmapOptions {
    std::size_t components = 2;
    std::size_t neighbors = 15;        // the point itself included, as in umap-learn
    double min_dist = 0.1;
    double spread = 1.0;
    std::size_t epochs = 0;            // 0: 500 up to 10,000 points, 200 above
    double learning_rate = 1.0;
    double repulsion = 1.0;            // weight of the negative samples (γ)
    double negative_sample_rate = 5.0;
    double local_connectivity = 1.0;
    double set_op_mix_ratio = 1.0;     // 1: fuzzy union, 0: fuzzy intersection
    UmapInit init = UmapInit::automatic;
    UmapMode mode = UmapMode::fast;
    KnnMethod knn = KnnMethod::automatic;  // exact up to 4,096 points and in deterministic mode
    HnswOptions hnsw{};
    std::uint64_t seed = 0;
    Cpu cpu{};

    // Output dimensions up to which the spectral initialization is used by default.
    static constexpr std::size_t spectral_limit = 32;
    // Inputs up to this size get exact neighbours by default (umap-learn's small-data rule).
    static constexpr std::size_t exact_knn_limit = 4096;
};

struct UmapTimings {
    double neighbours = 0.0;  // seconds
    double fuzzy_set = 0.0;
    double initialization = 0.0;
    double layout = 0.0;
};

class Umap {
public:
    explicit Umap(const UmapOptions& options = {}) : options_(options) { validate(); }

    // Finds the neighbours of every row of x, builds the fuzzy set and the initial layout.
    // Keeps a copy of x (and the neighbour index) for transform().
    void initialize(const Matrix& x) {
        require_features(x, "Umap::initialize");
        check_size(rows(x));
        data_ = x;
        const auto start = Clock::now();
        KnnGraph knn;
        if (use_exact(rows(x))) {
            index_.reset();
            knn = exact_knn(data_, options_.neighbors, options_.cpu);
        } else {
            HnswOptions hnsw = options_.hnsw;
            hnsw.cpu = options_.cpu;
            index_ = std::make_unique<HnswIndex>(data_, hnsw);
            knn = index_->query(data_, options_.neighbors, true);
        }
        timings_.neighbours = seconds_since(start);
        build(knn, &data_);
    }

    // The same from neighbours found elsewhere (each row starting with the point itself);
    // without data, PCA initialization and transform() are unavailable.
    void initialize(const KnnGraph& knn) {
        require(knn.indices.shape() == knn.distances.shape() && knn.indices.shape()[1] == options_.neighbors,
                "Umap::initialize: the neighbour graph is ", knn.indices.shape()[0], " × ", knn.indices.shape()[1],
                " (distances ", knn.distances.shape()[0], " × ", knn.distances.shape()[1],
                "); expected n × neighbors = ", options_.neighbors, " for both");
        check_size(knn.indices.shape()[0]);
        data_ = Matrix();
        index_.reset();
        timings_.neighbours = 0.0;
        build(knn, nullptr);
    }

    // Optimizes the layout (once per initialize()) and returns it: n × components.
    const Matrix& run() {
        require(initialized_, "Umap::run: call initialize() first");
        if (done_) return embedding_;
        const auto start = Clock::now();
        const std::size_t epochs = epochs_for(graph_.rows);
        const FuzzyGraph pruned = prune_for_epochs(graph_, epochs);
        optimize_layout(embedding_, nullptr, pruned, layout_options(epochs, options_.learning_rate));
        timings_.layout = seconds_since(start);
        done_ = true;
        return embedding_;
    }

    Matrix fit_transform(const Matrix& x) {
        initialize(x);
        return run();
    }

    // Places new points into the finished embedding (umap-learn's transform): their
    // neighbours among the training points, a fuzzy set with local connectivity reduced by
    // one, a start at the membership-weighted mean of the neighbours' positions, then a third
    // of the epochs (100 up to 10,000 new points, 30 above) at a quarter of the learning rate
    // with the training embedding held fixed.
    Matrix transform(const Matrix& x) const {
        require(done_, "Umap::transform: call initialize() and run() first");
        require(data_.size() != 0,
                "Umap::transform: this embedding was built from a neighbour graph without the data; "
                "initialize(const Matrix&) keeps what transform needs");
        require_features(x, "Umap::transform");
        require(columns(x) == columns(data_), "Umap::transform: the new points have ", columns(x),
                " features; the embedding was fitted on ", columns(data_));
        const KnnGraph knn = index_ ? index_->query(x, options_.neighbors)
                                    : exact_knn(x, data_, options_.neighbors, options_.cpu);
        const SmoothKnn smooth = smooth_knn_distances(knn, static_cast<double>(options_.neighbors),
                                                      std::max(0.0, options_.local_connectivity - 1.0), options_.cpu);
        const FuzzyGraph graph = membership_strengths(knn, smooth, rows(data_), true);

        Matrix placed = xt::zeros<float>({rows(x), options_.components});
        for (std::size_t i = 0; i < graph.rows; ++i) {
            double total = 0.0;
            for (std::size_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) total += graph.weights[e];
            for (std::size_t e = graph.offsets[i]; e < graph.offsets[i + 1]; ++e) {
                const auto j = static_cast<std::size_t>(graph.targets[e]);
                const double share = graph.weights[e] == 1.0f ? 1.0 : graph.weights[e] / total;
                for (std::size_t c = 0; c < options_.components; ++c) {
                    const float at = embedding_(j, c);
                    placed(i, c) = graph.weights[e] == 1.0f ? at : placed(i, c) + static_cast<float>(share * at);
                }
                if (graph.weights[e] == 1.0f) break;  // a duplicate of a training point sits on it
            }
        }
        const std::size_t epochs =
            options_.epochs == 0 ? (rows(x) <= 10'000 ? 100 : 30) : std::max<std::size_t>(1, options_.epochs / 3);
        optimize_layout(placed, &embedding_, prune_for_epochs(graph, epochs),
                        layout_options(epochs, options_.learning_rate / 4.0));
        return placed;
    }

    const Matrix& embedding() const {
        require(done_, "Umap::embedding: call initialize() and run() first");
        return embedding_;
    }
    const FuzzyGraph& graph() const { return graph_; }
    UmapCurve curve() const { return curve_; }
    // Which initialization ran, and why when it is not the one asked for.
    const std::string& initialization() const { return initialization_; }
    const UmapTimings& timings() const { return timings_; }
    const UmapOptions& options() const { return options_; }

private:
    using Clock = std::chrono::steady_clock;
    static double seconds_since(Clock::time_point start) {
        return std::chrono::duration<double>(Clock::now() - start).count();
    }

    void validate() const {
        const UmapOptions& o = options_;
        require(o.components >= 1, "Umap: components is 0; expected ≥ 1");
        require(o.neighbors >= 2, "Umap: neighbors is ", o.neighbors, "; expected ≥ 2 (the point itself and one more)");
        require(o.learning_rate > 0.0 && std::isfinite(o.learning_rate), "Umap: learning_rate is ", o.learning_rate,
                "; expected > 0");
        require(o.repulsion >= 0.0 && std::isfinite(o.repulsion), "Umap: repulsion is ", o.repulsion, "; expected ≥ 0");
        require(o.negative_sample_rate >= 0.0 && std::isfinite(o.negative_sample_rate),
                "Umap: negative_sample_rate is ", o.negative_sample_rate, "; expected ≥ 0");
        require(o.local_connectivity >= 0.0, "Umap: local_connectivity is ", o.local_connectivity, "; expected ≥ 0");
        require(o.set_op_mix_ratio >= 0.0 && o.set_op_mix_ratio <= 1.0, "Umap: set_op_mix_ratio is ",
                o.set_op_mix_ratio, "; expected a value in [0, 1]");
        require(o.cpu.threads >= 1, "Umap: cpu.threads is ", o.cpu.threads, "; expected ≥ 1");
        require(o.mode == UmapMode::fast || o.knn != KnnMethod::approximate,
                "Umap: the deterministic mode needs exact neighbours (knn = exact or automatic); the approximate "
                "search depends on the thread count");
        (void)fit_umap_curve(o.spread, o.min_dist);  // checks spread and min_dist
    }

    void check_size(std::size_t n) const {
        require(n > options_.neighbors, "Umap: ", n, " points for neighbors = ", options_.neighbors,
                "; expected more points than neighbours");
        require(n > options_.components + 1, "Umap: ", n, " points cannot be laid out in ", options_.components,
                " dimensions; expected more than components + 1 points");
    }

    bool use_exact(std::size_t n) const {
        if (options_.knn == KnnMethod::automatic)
            return options_.mode == UmapMode::deterministic || n <= UmapOptions::exact_knn_limit;
        return options_.knn == KnnMethod::exact;
    }

    std::size_t epochs_for(std::size_t n) const {
        if (options_.epochs != 0) return options_.epochs;
        return n <= 10'000 ? 500 : 200;
    }

    LayoutOptions layout_options(std::size_t epochs, double learning_rate) const {
        return {.epochs = epochs,
                .a = curve_.a,
                .b = curve_.b,
                .repulsion = options_.repulsion,
                .learning_rate = learning_rate,
                .negative_sample_rate = options_.negative_sample_rate,
                .mode = options_.mode,
                .seed = options_.seed,
                .cpu = options_.cpu};
    }

    void build(const KnnGraph& knn, const Matrix* data) {
        auto start = Clock::now();
        curve_ = fit_umap_curve(options_.spread, options_.min_dist);
        graph_ = fuzzy_simplicial_set(knn, options_.local_connectivity, options_.set_op_mix_ratio, options_.cpu);
        timings_.fuzzy_set = seconds_since(start);
        start = Clock::now();
        embedding_ = initial_layout(data);
        timings_.initialization = seconds_since(start);
        initialized_ = true;
        done_ = false;
    }

    // The initial layout, scaled as umap-learn does: the spectral (or PCA) coordinates
    // stretched to a largest magnitude of 10 plus N(0, 10⁻⁴) noise, then every dimension mapped
    // onto [0, 10].
    Matrix initial_layout(const Matrix* data) {
        const std::size_t n = graph_.rows;
        const std::size_t dim = options_.components;
        Rng rng(options_.seed, 0x1a1);
        UmapInit init = options_.init;
        std::string fallback;
        if (init == UmapInit::automatic) init = dim <= UmapOptions::spectral_limit ? UmapInit::spectral : UmapInit::pca;
        if (init == UmapInit::pca && (data == nullptr || dim > std::min(n, columns(*data)))) {
            require(options_.init != UmapInit::pca, "Umap: PCA initialization needs the data (initialize(Matrix)) and "
                                                    "at most min(points, features) components");
            fallback = "random (PCA cannot give " + std::to_string(dim) + " dimensions here)";
            init = UmapInit::random;
        }
        Matrix layout = Matrix::from_shape({n, dim});
        std::optional<Eigen::MatrixXd> start;
        if (init == UmapInit::spectral) {
            start = spectral_layout(graph_, dim, data, options_.seed, options_.cpu);
            initialization_ = start ? "spectral" : "random (the spectral eigensolver did not converge)";
        } else if (init == UmapInit::pca) {
            const Matrix projected = pca(*data, dim, {.seed = options_.seed, .cpu = options_.cpu});
            start = as_eigen(projected).cast<double>();
            initialization_ = options_.init == UmapInit::pca
                                  ? "pca"
                                  : "pca (spectral needs " + std::to_string(dim + 1) +
                                        " Laplacian eigenvectors, more than it is worth above " +
                                        std::to_string(UmapOptions::spectral_limit) + " dimensions)";
        } else {
            initialization_ = fallback.empty() ? "random" : fallback;
        }
        if (start) {
            const double expansion = 10.0 / std::max(start->cwiseAbs().maxCoeff(), 1e-300);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t c = 0; c < dim; ++c)
                    layout(i, c) = static_cast<float>((*start)(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) *
                                                      expansion) + static_cast<float>(rng.normal(0.0, 1e-4));
        } else {
            for (float& v : layout) v = static_cast<float>(rng.uniform(-10.0, 10.0));
        }
        for (std::size_t c = 0; c < dim; ++c) {
            float low = layout(0, c);
            float high = layout(0, c);
            for (std::size_t i = 1; i < n; ++i) {
                low = std::min(low, layout(i, c));
                high = std::max(high, layout(i, c));
            }
            const float range = high > low ? high - low : 1.0f;
            for (std::size_t i = 0; i < n; ++i) layout(i, c) = 10.0f * (layout(i, c) - low) / range;
        }
        return layout;
    }

    UmapOptions options_;
    Matrix data_;
    std::unique_ptr<HnswIndex> index_;
    FuzzyGraph graph_;
    UmapCurve curve_{};
    Matrix embedding_;
    std::string initialization_;
    UmapTimings timings_{};
    bool initialized_ = false;
    bool done_ = false;
};

// One call: the UMAP embedding of the rows of x.
inline Matrix umap(const Matrix& x, const UmapOptions& options = {}) { return Umap(options).fit_transform(x); }

}  // namespace latentlab::analysis
