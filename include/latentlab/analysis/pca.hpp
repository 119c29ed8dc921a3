#pragma once
// Principal component analysis with scikit-learn's PCA semantics (sklearn 1.2): components
// are the unit principal axes as rows, explained variance divides by n − 1, and signs follow
// sklearn's svd_flip (for each component, the largest-|value| entry of the projected data
// is positive), so components match sklearn's exactly, not only up to sign.
//
// Solvers. exact: the eigendecomposition (analysis/symmetric_eigen.hpp) of the d × d matrix
// X̃ᵀX̃ of centered cross products when d ≤ n — one GEMM over the data plus a d × d
// eigenproblem, far cheaper than an SVD of a 45,000 × 2,048 X̃ — else of the n × n Gram
// matrix X̃X̃ᵀ, whose eigenvectors are the left singular vectors. Both are accumulated in
// double from data centered in double, so the spectrum is as accurate as a double SVD of the
// float data. randomized: the range finder of Halko, Martinsson & Tropp (2011) with a
// Gaussian test matrix from our Rng and power iterations re-orthonormalized by QR after
// every product, then the SVD of the small projected matrix; float products, double QR and
// SVD. automatic: sklearn's rule (randomized when max(n, d) > 500 and components <
// 0.8·min(n, d)).
//
// Threads: every product over the data is cut into tiles or panels whose shapes depend only
// on the matrix, never on the thread count, and each output element is computed by one of
// them in a fixed order, so results are identical for any cpu.threads. The eigensolver's
// rotations are threaded the same way; the tridiagonalization and the small QR and SVD
// solvers run on the calling thread.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>
#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/matrix.hpp"
#include "latentlab/analysis/standardize.hpp"
#include "latentlab/analysis/symmetric_eigen.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/backend/cpu/gemm.hpp"
#include "latentlab/core/buffer.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"

namespace latentlab::analysis {

enum class PcaSolver { automatic, exact, randomized };

struct PcaOptions {
    std::size_t components = 2;  // 1 … min(samples, features); min(n, d) is "full"
    PcaSolver solver = PcaSolver::automatic;
    std::size_t oversamples = 10;  // randomized: test vectors beyond `components`
    // randomized: power iterations; none = sklearn's choice, 7 when components < 0.1·min(n, d), else 4.
    std::optional<std::size_t> power_iterations{};
    std::uint64_t seed = 0;  // randomized: the Gaussian test matrix
    bool whiten = false;     // transform divides each component by its standard deviation
    Cpu cpu{};
};

namespace pca_detail {

using cpu::Transpose;
using RowMajorDouble = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Budgets in elements: row tiles of projections 1 MB (float); slices of the products that
// sum over the data 16 MB (double), deep enough that a slice's GEMM amortizes one pass over
// the result.
inline constexpr std::size_t tile_elements = std::size_t{1} << 18;
inline constexpr std::size_t slice_elements = std::size_t{1} << 21;
// Results summed over slices are split among the threads by fixed panels of this many
// columns (or rows), so the panels, not the threads, decide how each element is computed.
inline constexpr std::size_t panel_width = 128;
inline constexpr std::uint64_t test_matrix_stream = 0x9CA;  // the randomized solver's Rng stream

inline std::size_t tile_length(std::size_t budget, std::size_t other_extent) {
    return std::clamp<std::size_t>(budget / other_extent, 16, 4096);
}

inline std::size_t panel_count(std::size_t extent) { return (extent + panel_width - 1) / panel_width; }

inline std::size_t panel_size(std::size_t panel, std::size_t extent) {
    return std::min(panel_width, extent - panel * panel_width);
}

inline cpu::GemmSize gemm_size(std::size_t m, std::size_t n, std::size_t k) {
    return {static_cast<std::ptrdiff_t>(m), static_cast<std::ptrdiff_t>(n), static_cast<std::ptrdiff_t>(k)};
}

// The largest GEMM scratch among the products a loop runs.
template <class T>
std::size_t gemm_scratch(std::initializer_list<cpu::GemmSize> sizes) {
    std::size_t largest = 0;
    for (const auto& size : sizes) largest = std::max(largest, cpu::gemm_scratch_elements<T>(size));
    return largest;
}

// Elements rounded up to whole cache lines, so that what follows stays 64-byte aligned.
template <class T>
std::size_t aligned(std::size_t elements) {
    return (elements * sizeof(T) + 63) / 64 * 64 / sizeof(T);
}

// The column means, ready to center blocks of x. Float blocks (the projections) are
// centered in float arithmetic, which Eigen vectorizes at any optimization level: each mean
// is split into two floats, high + low, and (x − high) − low equals the double difference to
// within about one float rounding — even for a feature whose mean dwarfs its spread. Double
// blocks (the cross products) subtract in double.
class Centering {
public:
    explicit Centering(const xt::xtensor<double, 1>& mean)
        : mean_(mean.data(), static_cast<Eigen::Index>(mean.size())),
          high_(mean_.cast<float>()),
          low_((mean_ - high_.cast<double>()).cast<float>()) {}

    // out (row_count × column_count, row-major) = the block of x at (first_row, first_column)
    // minus its column means.
    template <class T>
    void block(const Matrix& x, std::size_t first_row, std::size_t row_count, std::size_t first_column,
               std::size_t column_count, T* out) const {
        const std::size_t d = columns(x);
        const auto first = static_cast<Eigen::Index>(first_column), count = static_cast<Eigen::Index>(column_count);
        for (std::size_t i = 0; i < row_count; ++i) {
            const Eigen::Map<const Eigen::ArrayXf> in(x.data() + (first_row + i) * d + first_column, count);
            Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> to(out + i * column_count, count);
            if constexpr (std::is_same_v<T, float>)
                to = (in - high_.segment(first, count)) - low_.segment(first, count);
            else
                to = in.template cast<double>() - mean_.segment(first, count);
        }
    }

private:
    Eigen::Map<const Eigen::ArrayXd> mean_;
    Eigen::ArrayXf high_;
    Eigen::ArrayXf low_;
};

// Runs body(first, count, scratch) over [0, total) cut into tiles of `tile` (the last may be
// shorter), the tiles spread over the threads, each thread with its own scratch.
template <class T, class Body>
void for_each_tile(const Cpu& cpu, std::size_t total, std::size_t tile, std::size_t scratch_elements, Body&& body) {
    cpu::parallel_for(cpu, (total + tile - 1) / tile, [&](std::size_t begin, std::size_t end, int) {
        AlignedBuffer<T> scratch(scratch_elements);
        for (std::size_t t = begin; t < end; ++t)
            body(t * tile, std::min(tile, total - t * tile), scratch.data());
    });
}

// out (n × p) = (x − mean)·op(b), op(b) being d × p: b is stored p × d when transposed (the
// components), d × p otherwise. Each row tile is centered by the thread that multiplies it.
template <class T>
void project_rows(const Matrix& x, const Centering& centering, const T* b, Transpose transpose_b, std::size_t p, T* out,
                  const Cpu& cpu) {
    const std::size_t n = rows(x), d = columns(x), tile = tile_length(tile_elements, d);
    const std::size_t block = aligned<T>(tile * d);
    const std::size_t ldb = transpose_b == Transpose::yes ? d : p;
    const std::size_t scratch = block + gemm_scratch<T>({gemm_size(tile, p, d), gemm_size(n % tile, p, d)});
    for_each_tile<T>(cpu, n, tile, scratch, [&](std::size_t first, std::size_t count, T* s) {
        centering.block(x, first, count, 0, d, s);
        cpu::gemm(gemm_size(count, p, d), Transpose::no, s, static_cast<std::ptrdiff_t>(d), transpose_b, b,
                  static_cast<std::ptrdiff_t>(ldb), out + first * p, static_cast<std::ptrdiff_t>(p), T(1), false,
                  s + block);
    });
}

// Rows per slice of x in the products summed over the samples.
inline std::size_t slice_rows(const Matrix& x) {
    return std::min(tile_length(slice_elements, columns(x)), rows(x));
}

// Products summed over the samples run in one parallel region without barriers: each thread
// takes a fixed range of panels of the result and walks through all slices of x in order,
// centering what it needs itself. On two cores shared with other work, a barrier per slice
// made two threads slower than one.

// out (d × p) = (x − mean)ᵀ·b, b being n × p. A thread's panels are a contiguous range of
// x's columns, which it reads row by row.
template <class T>
void project_columns(const Matrix& x, const Centering& centering, const T* b, std::size_t p, T* out, const Cpu& cpu) {
    const std::size_t n = rows(x), d = columns(x), slice = slice_rows(x), panels = panel_count(d);
    const std::size_t last_slice = n - (n - 1) / slice * slice, last_panel = panel_size(panels - 1, d);
    const std::size_t gemm_elements =
        gemm_scratch<T>({gemm_size(panel_size(0, d), p, slice), gemm_size(last_panel, p, slice),
                         gemm_size(panel_size(0, d), p, last_slice), gemm_size(last_panel, p, last_slice)});
    std::fill(out, out + d * p, T(0));
    cpu::parallel_for(cpu, panels, [&](std::size_t begin, std::size_t end, int) {
        const std::size_t column = begin * panel_width, width = std::min(end * panel_width, d) - column;
        const std::size_t block = aligned<T>(slice * width);
        AlignedBuffer<T> scratch(block + gemm_elements);
        for (std::size_t first = 0; first < n; first += slice) {
            const std::size_t depth = std::min(slice, n - first);
            centering.block(x, first, depth, column, width, scratch.data());
            for (std::size_t panel = begin; panel < end; ++panel) {
                const std::size_t offset = (panel - begin) * panel_width;
                cpu::gemm(gemm_size(panel_size(panel, d), p, depth), Transpose::yes, scratch.data() + offset,
                          static_cast<std::ptrdiff_t>(width), Transpose::no, b + first * p,
                          static_cast<std::ptrdiff_t>(p), out + (column + offset) * p, static_cast<std::ptrdiff_t>(p),
                          T(1), true, scratch.data() + block);
            }
        }
    });
}

// The symmetric matrix of centered cross products in double: X̃ᵀX̃ (d × d) when `features`,
// else the Gram matrix X̃X̃ᵀ (n × n), summed over slices of rows (for the Gram matrix,
// stripes of columns). Work units are panels of columns of the upper triangle, panel u paired
// with panel P − 1 − u so that every unit is the same size; every thread centers each whole
// slice (cheap next to the product: 1/m of its work). We write the row-major upper triangle,
// which read column-major is the lower triangle: the part symmetric_eigen reads.
inline Eigen::MatrixXd cross_products(const Matrix& x, const Centering& centering, bool features, const Cpu& cpu) {
    const std::size_t n = rows(x), d = columns(x);
    const std::size_t m = features ? d : n, extent = features ? n : d;
    const std::size_t slice = features ? slice_rows(x) : std::min(tile_length(slice_elements, n), d);
    const std::size_t last_slice = extent - (extent - 1) / slice * slice;
    const std::size_t panels = panel_count(m), units = (panels + 1) / 2;
    const auto size = [&](std::size_t panel, std::size_t depth) {
        return gemm_size(panel * panel_width + panel_size(panel, m), panel_size(panel, m), depth);
    };
    std::size_t gemm_elements = 0;
    for (std::size_t panel = 0; panel < panels; ++panel)
        gemm_elements = std::max(gemm_elements, gemm_scratch<double>({size(panel, slice), size(panel, last_slice)}));

    Eigen::MatrixXd result = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(m));
    double* c = result.data();
    const auto ld = static_cast<std::ptrdiff_t>(m);
    cpu::parallel_for(cpu, units, [&](std::size_t begin, std::size_t end, int) {
        const std::size_t block = aligned<double>(slice * m);
        AlignedBuffer<double> scratch(block + gemm_elements);
        const double* s = scratch.data();
        for (std::size_t first = 0; first < extent; first += slice) {
            const std::size_t depth = std::min(slice, extent - first);
            const auto ld_slice = static_cast<std::ptrdiff_t>(features ? m : depth);
            if (features) centering.block(x, first, depth, 0, d, scratch.data());
            else centering.block(x, 0, n, first, depth, scratch.data());
            const auto add_panel = [&](std::size_t panel) {
                const std::size_t column = panel * panel_width;
                if (features)  // C[0:h, panel] += S[:, 0:h]ᵀ · S[:, panel], the slice S being depth × d
                    cpu::gemm(size(panel, depth), Transpose::yes, s, ld_slice, Transpose::no, s + column, ld_slice,
                              c + column, ld, 1.0, true, scratch.data() + block);
                else  // C[0:h, panel] += S[0:h, :] · S[panel, :]ᵀ, the slice S being n × depth
                    cpu::gemm(size(panel, depth), Transpose::no, s, ld_slice, Transpose::yes, s + column * depth,
                              ld_slice, c + column, ld, 1.0, true, scratch.data() + block);
            };
            for (std::size_t unit = begin; unit < end; ++unit) {
                add_panel(unit);
                if (panels - 1 - unit != unit) add_panel(panels - 1 - unit);
            }
        }
    });
    return result;
}

// Principal axes (rows, unit length, signs not yet fixed) and their singular values.
struct Axes {
    RowMajorDouble vectors;
    Eigen::VectorXd singular;
};

inline Axes exact_axes(const Matrix& x, const Centering& centering, std::size_t k, const Cpu& cpu) {
    const std::size_t n = rows(x), d = columns(x);
    const bool features = d <= n;
    const SymmetricEigen eigen = symmetric_eigen(cross_products(x, centering, features, cpu), k, cpu);
    const auto kk = static_cast<Eigen::Index>(k);
    Axes axes{RowMajorDouble(), eigen.values.cwiseMax(0.0).cwiseSqrt()};
    if (features) {
        axes.vectors = eigen.vectors.transpose();
        return axes;
    }
    // Gram path: the eigenvectors are the left singular vectors u_j; the axes are X̃ᵀu_j / s_j.
    // QR then restores orthonormality where s_j is small and, for s_j = 0 (centering leaves
    // rank ≤ n − 1, so "full" has one), completes the basis with an orthogonal unit vector.
    const RowMajorDouble u = eigen.vectors;
    RowMajorDouble v(static_cast<Eigen::Index>(d), kk);
    project_columns<double>(x, centering, u.data(), k, v.data(), cpu);
    for (Eigen::Index j = 0; j < kk; ++j) {
        const double s = axes.singular(j);
        if (s > axes.singular(0) * std::numeric_limits<double>::epsilon()) v.col(j) /= s;
        else v.col(j).setZero();
    }
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(v);
    axes.vectors = (qr.householderQ() * Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(d), kk)).transpose();
    return axes;
}

// Replaces the columns of the row-major rows × cols matrix a by an orthonormal basis of
// their span (Householder QR in double).
inline void orthonormalize(float* a, std::size_t rows_count, std::size_t cols) {
    using RowMajorFloat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Eigen::Map<RowMajorFloat> map(a, static_cast<Eigen::Index>(rows_count), static_cast<Eigen::Index>(cols));
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(map.cast<double>());
    map = (qr.householderQ() * Eigen::MatrixXd::Identity(map.rows(), map.cols())).cast<float>();
}

inline Axes randomized_axes(const Matrix& x, const Centering& centering, const PcaOptions& options) {
    const std::size_t n = rows(x), d = columns(x), k = options.components, smaller = std::min(n, d);
    const std::size_t width = k + std::min(options.oversamples, smaller - k);
    // sklearn's n_iter='auto', compared in double as sklearn does.
    const std::size_t iterations = options.power_iterations.value_or(
        static_cast<double>(k) < 0.1 * static_cast<double>(smaller) ? 7 : 4);
    const Cpu& cpu = options.cpu;

    std::vector<float> test(d * width);  // Q, d × width
    Rng rng(options.seed, test_matrix_stream);
    for (float& value : test) value = static_cast<float>(rng.normal());
    std::vector<float> range(n * width);  // X̃Q, n × width
    const auto sample_range = [&] {
        project_rows<float>(x, centering, test.data(), Transpose::no, width, range.data(), cpu);
        orthonormalize(range.data(), n, width);
    };
    for (std::size_t iteration = 0; iteration < iterations; ++iteration) {
        sample_range();
        project_columns<float>(x, centering, range.data(), width, test.data(), cpu);
        orthonormalize(test.data(), d, width);
    }
    sample_range();
    // Bᵀ = X̃ᵀQ (d × width); B = Qᵀ X̃ ≈ Q Û Σ Vᵀ, so the axes are the left singular vectors of Bᵀ.
    project_columns<float>(x, centering, range.data(), width, test.data(), cpu);
    using RowMajorFloat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const RowMajorFloat> bt(test.data(), static_cast<Eigen::Index>(d),
                                             static_cast<Eigen::Index>(width));
    const Eigen::JacobiSVD<Eigen::MatrixXd> svd(bt.cast<double>(), Eigen::ComputeThinU);
    const auto kk = static_cast<Eigen::Index>(k);
    return {svd.matrixU().leftCols(kk).transpose(), svd.singularValues().head(kk)};
}

// sklearn 1.2's svd_solver='auto', compared in double as sklearn does.
inline PcaSolver resolve(PcaSolver solver, std::size_t n, std::size_t d, std::size_t k) {
    if (solver != PcaSolver::automatic) return solver;
    const bool randomized =
        std::max(n, d) > 500 && static_cast<double>(k) < 0.8 * static_cast<double>(std::min(n, d));
    return randomized ? PcaSolver::randomized : PcaSolver::exact;
}

}  // namespace pca_detail

class Pca {
public:
    using Options = PcaOptions;
    using Solver = PcaSolver;

    explicit Pca(Options options = {}) : options_(options) {
        require(options_.components >= 1, "Pca: option components is 0; expected 1 … min(samples, features)");
        require(options_.solver == Solver::automatic || options_.solver == Solver::exact ||
                    options_.solver == Solver::randomized,
                "Pca: option solver is ", static_cast<int>(options_.solver),
                "; expected Solver::automatic, exact or randomized");
        standardize_detail::require_threads(options_.cpu, "Pca");
    }

    Pca& fit(const Matrix& x) {
        fit_projecting(x, false);
        return *this;
    }

    // The same as fit(x).transform(x), without projecting twice.
    Matrix fit_transform(const Matrix& x) { return fit_projecting(x, true); }

    // (x − mean) · componentsᵀ, divided by √explained_variance when whitening.
    Matrix transform(const Matrix& x) const {
        constexpr std::string_view who = "Pca::transform";
        require_fitted(who);
        standardize_detail::require_columns(x, mean_.size(), who);
        require_features(x, who);
        Matrix z = Matrix::from_shape({rows(x), components_count()});
        pca_detail::project_rows<float>(x, pca_detail::Centering(mean_), components_.data(), cpu::Transpose::yes,
                                        components_count(), z.data(), options_.cpu);
        if (options_.whiten) whiten(z, explained_variance_, options_.cpu);
        return z;
    }

    // z · components (times √explained_variance when whitening) + mean: back to the feature
    // space; exact for components = min(n, d), the projection onto the kept axes otherwise.
    Matrix inverse_transform(const Matrix& z) const {
        constexpr std::string_view who = "Pca::inverse_transform";
        require_fitted(who);
        const std::size_t k = components_count(), d = mean_.size(), n = rows(z);
        require(columns(z) == k, who, ": the matrix has ", columns(z), " columns; expected ", k,
                " (one per component)");
        require_features(z, who);
        Matrix axes = components_;
        if (options_.whiten)
            for (std::size_t j = 0; j < k; ++j)
                for (std::size_t c = 0; c < d; ++c)
                    axes(j, c) = static_cast<float>(axes(j, c) * std::sqrt(explained_variance_(j)));
        Matrix x = Matrix::from_shape({n, d});
        const std::size_t tile = pca_detail::tile_length(pca_detail::tile_elements, d);
        const auto size = [&](std::size_t count) { return pca_detail::gemm_size(count, d, k); };
        pca_detail::for_each_tile<float>(
            options_.cpu, n, tile, pca_detail::gemm_scratch<float>({size(tile), size(n % tile)}),
            [&](std::size_t first, std::size_t count, float* scratch) {
                float* out = x.data() + first * d;
                cpu::gemm(size(count), cpu::Transpose::no, z.data() + first * k, static_cast<std::ptrdiff_t>(k),
                          cpu::Transpose::no, axes.data(), static_cast<std::ptrdiff_t>(d), out,
                          static_cast<std::ptrdiff_t>(d), 1.0f, false, scratch);
                for (std::size_t i = 0; i < count; ++i)
                    for (std::size_t c = 0; c < d; ++c)
                        out[i * d + c] = static_cast<float>(static_cast<double>(out[i * d + c]) + mean_(c));
            });
        return x;
    }

    bool fitted() const { return components_.size() > 0; }
    const Options& options() const { return options_; }
    // exact or randomized: what `automatic` resolved to in the last fit.
    Solver solver_used() const {
        require_fitted("Pca::solver_used");
        return solver_used_;
    }
    // components × features; rows are the unit principal axes by decreasing variance.
    const Matrix& components() const {
        require_fitted("Pca::components");
        return components_;
    }
    // Variance along each axis, ddof 1 (s² / (n − 1)).
    const xt::xtensor<double, 1>& explained_variance() const {
        require_fitted("Pca::explained_variance");
        return explained_variance_;
    }
    // Fraction of the total variance (the sum over all columns, ddof 1) along each axis.
    const xt::xtensor<double, 1>& explained_variance_ratio() const {
        require_fitted("Pca::explained_variance_ratio");
        return explained_variance_ratio_;
    }
    // Singular values of the centered data.
    const xt::xtensor<double, 1>& singular_values() const {
        require_fitted("Pca::singular_values");
        return singular_values_;
    }
    const xt::xtensor<double, 1>& mean() const {
        require_fitted("Pca::mean");
        return mean_;
    }
    // Probabilistic PCA's noise variance: the mean variance along the discarded axes (0 when
    // none are discarded).
    double noise_variance() const {
        require_fitted("Pca::noise_variance");
        return noise_variance_;
    }

private:
    std::size_t components_count() const { return components_.shape()[0]; }

    void require_fitted(std::string_view who) const {
        require(fitted(), who, " called before fit; call fit(x) first");
    }

    static void whiten(Matrix& z, const xt::xtensor<double, 1>& variance, const Cpu& cpu) {
        const std::size_t k = columns(z);
        std::vector<double> deviation(k);
        for (std::size_t j = 0; j < k; ++j) deviation[j] = std::sqrt(variance(j));
        float* data = z.data();
        cpu::parallel_for(cpu, rows(z), [&](std::size_t first, std::size_t last, int) {
            for (std::size_t i = first; i < last; ++i)
                for (std::size_t j = 0; j < k; ++j)
                    data[i * k + j] = static_cast<float>(static_cast<double>(data[i * k + j]) / deviation[j]);
        });
    }

    Matrix fit_projecting(const Matrix& x, bool keep_projection) {
        constexpr std::string_view who = "Pca::fit";
        require_features(x, who);
        const std::size_t n = rows(x), d = columns(x), k = options_.components, smaller = std::min(n, d);
        require(n >= 2, who, ": the matrix has 1 sample; expected at least 2 (explained variance divides by n − 1)");
        require(k <= smaller, who, ": option components is ", k, "; expected at most min(samples, features) = min(",
                n, ", ", d, ") = ", smaller);
        const Cpu& cpu = options_.cpu;
        auto moments = column_moments(x, cpu);
        double total = 0;
        for (const double variance : moments.variance) total += variance;
        total *= static_cast<double>(n) / static_cast<double>(n - 1);
        require(total > 0, who, ": every column of the ", n, " × ", d,
                " matrix is constant; expected some variance to analyse");

        const Solver solver = pca_detail::resolve(options_.solver, n, d, k);
        const pca_detail::Centering centering(moments.mean);
        const pca_detail::Axes axes = solver == Solver::exact
                                          ? pca_detail::exact_axes(x, centering, k, cpu)
                                          : pca_detail::randomized_axes(x, centering, options_);
        Matrix components = Matrix::from_shape({k, d});
        as_eigen(components) = axes.vectors.cast<float>();

        // svd_flip: U's columns are the projected data divided by s_j; the first largest |entry|
        // of each is made positive (a column of zeros keeps its sign).
        Matrix z = Matrix::from_shape({n, k});
        pca_detail::project_rows<float>(x, centering, components.data(), cpu::Transpose::yes, k, z.data(),
                                        cpu);
        float* projected = z.data();
        std::vector<float> largest(k, 0.0f);
        std::vector<float> sign(k, 1.0f);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < k; ++j)
                if (std::abs(projected[i * k + j]) > largest[j]) {
                    largest[j] = std::abs(projected[i * k + j]);
                    sign[j] = projected[i * k + j] < 0 ? -1.0f : 1.0f;
                }
        for (std::size_t j = 0; j < k; ++j)
            for (std::size_t c = 0; c < d; ++c) components.data()[j * d + c] *= sign[j];

        auto explained = xt::xtensor<double, 1>::from_shape({k});
        auto ratio = xt::xtensor<double, 1>::from_shape({k});
        auto singular = xt::xtensor<double, 1>::from_shape({k});
        double kept = 0;
        for (std::size_t j = 0; j < k; ++j) {
            singular(j) = axes.singular(static_cast<Eigen::Index>(j));
            explained(j) = singular(j) * singular(j) / static_cast<double>(n - 1);
            ratio(j) = explained(j) / total;
            kept += explained(j);
        }
        if (options_.whiten) {
            // Dividing by a singular value at the float rounding level of the data would blow
            // rounding noise up into unit-variance garbage.
            const double floor = singular(0) * static_cast<double>(std::max(n, d)) *
                                 static_cast<double>(std::numeric_limits<float>::epsilon());
            for (std::size_t j = 0; j < k; ++j)
                require(singular(j) > floor, who, ": option whiten is set but component ", j,
                        " has singular value ", singular(j), ", at the float rounding level of the data (≤ ", floor,
                        "): the data have fewer than ", k, " independent directions; ask for fewer components",
                        " or set whiten = false");
        }

        components_ = std::move(components);
        mean_ = std::move(moments.mean);
        explained_variance_ = std::move(explained);
        explained_variance_ratio_ = std::move(ratio);
        singular_values_ = std::move(singular);
        noise_variance_ = k < smaller ? std::max(0.0, (total - kept) / static_cast<double>(smaller - k)) : 0.0;
        solver_used_ = solver;
        if (!keep_projection) return {};
        cpu::parallel_for(cpu, n, [&](std::size_t first, std::size_t last, int) {
            for (std::size_t i = first; i < last; ++i)
                for (std::size_t j = 0; j < k; ++j) projected[i * k + j] *= sign[j];
        });
        if (options_.whiten) whiten(z, explained_variance_, cpu);
        return z;
    }

    Options options_;
    Solver solver_used_ = Solver::exact;
    Matrix components_;
    xt::xtensor<double, 1> mean_;
    xt::xtensor<double, 1> explained_variance_;
    xt::xtensor<double, 1> explained_variance_ratio_;
    xt::xtensor<double, 1> singular_values_;
    double noise_variance_ = 0;
};

// The data projected on their first `components` principal axes:
// auto z16 = analysis::pca(z, 16);
inline Matrix pca(const Matrix& x, std::size_t components, PcaOptions options = {}) {
    options.components = components;
    return Pca(options).fit_transform(x);
}

}  // namespace latentlab::analysis
