#pragma once
// Standardization with scikit-learn's StandardScaler semantics: every column is centered on
// its mean and divided by its population standard deviation (ddof 0); a constant column
// keeps scale 1, so it maps to zeros instead of NaN. Latent features are often ReLU
// outputs with a large mean and a small spread, so the statistics are accumulated in double
// (two passes: mean, then squared deviations) and the transform subtracts in double.
//
// column_moments is also what Pca centers with (analysis/pca.hpp).
#include <cmath>
#include <cstddef>
#include <limits>
#include <string_view>

#include <Eigen/Core>
#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/matrix.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"

namespace latentlab::analysis {

// Per-column mean and population variance (ddof 0).
struct ColumnMoments {
    xt::xtensor<double, 1> mean;
    xt::xtensor<double, 1> variance;
};

// Threaded over columns: each column is summed over the rows in order, so the result does
// not depend on the thread count.
inline ColumnMoments column_moments(const Matrix& x, const Cpu& cpu) {
    const std::size_t n = rows(x), d = columns(x);
    ColumnMoments moments{xt::xtensor<double, 1>::from_shape({d}), xt::xtensor<double, 1>::from_shape({d})};
    double* mean = moments.mean.data();
    double* variance = moments.variance.data();
    const float* data = x.data();
    cpu::parallel_for(cpu, d, [&](std::size_t first, std::size_t last, int) {
        for (std::size_t c = first; c < last; ++c) mean[c] = variance[c] = 0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t c = first; c < last; ++c) mean[c] += static_cast<double>(data[i * d + c]);
        for (std::size_t c = first; c < last; ++c) mean[c] /= static_cast<double>(n);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t c = first; c < last; ++c) {
                const double deviation = static_cast<double>(data[i * d + c]) - mean[c];
                variance[c] += deviation * deviation;
            }
        for (std::size_t c = first; c < last; ++c) variance[c] /= static_cast<double>(n);
    });
    return moments;
}

namespace standardize_detail {

// Requires x to have the column count the model was fitted with.
inline void require_columns(const Matrix& x, std::size_t expected, std::string_view who) {
    require(columns(x) == expected, who, ": the matrix has ", columns(x), " columns; expected ", expected,
            " (the column count of the matrix it was fitted on)");
}

inline void require_threads(const Cpu& cpu, std::string_view who) {
    require(cpu.threads >= 1, who, ": option cpu.threads is ", cpu.threads, "; expected at least 1");
}

}  // namespace standardize_detail

struct StandardizerOptions {
    Cpu cpu{};
};

class Standardizer {
public:
    using Options = StandardizerOptions;

    explicit Standardizer(Options options = {}) : options_(options) {
        standardize_detail::require_threads(options_.cpu, "Standardizer");
    }

    Standardizer& fit(const Matrix& x) {
        require_features(x, "Standardizer::fit");
        auto moments = column_moments(x, options_.cpu);
        const double n = static_cast<double>(rows(x));
        scale_ = xt::xtensor<double, 1>::from_shape(moments.variance.shape());
        for (std::size_t c = 0; c < scale_.size(); ++c) {
            // sklearn's _is_constant_feature: a variance within the rounding error of its own
            // computation counts as zero, so a constant column is not divided by noise.
            const double variance = moments.variance(c), mean = moments.mean(c);
            const double eps = std::numeric_limits<double>::epsilon();
            const double rounding = n * eps * variance + (n * mean * eps) * (n * mean * eps);
            scale_(c) = variance <= rounding ? 1.0 : std::sqrt(variance);
        }
        mean_ = std::move(moments.mean);
        return *this;
    }

    // (x − mean) / scale, column by column.
    Matrix transform(const Matrix& x) const {
        check_input(x, "Standardizer::transform");
        return map_rows(x, [](const auto& row, const auto& mean, const auto& scale) { return (row - mean) / scale; });
    }

    Matrix fit_transform(const Matrix& x) { return fit(x).transform(x); }

    // z · scale + mean: the inverse of transform.
    Matrix inverse_transform(const Matrix& z) const {
        check_input(z, "Standardizer::inverse_transform");
        return map_rows(z, [](const auto& row, const auto& mean, const auto& scale) { return row * scale + mean; });
    }

    bool fitted() const { return mean_.size() > 0; }
    const xt::xtensor<double, 1>& mean() const {
        require_fitted("mean");
        return mean_;
    }
    // Population standard deviation per column; 1 for a constant column.
    const xt::xtensor<double, 1>& scale() const {
        require_fitted("scale");
        return scale_;
    }

private:
    void require_fitted(std::string_view what) const {
        require(fitted(), "Standardizer::", what, " called before fit; call fit(x) first");
    }

    void check_input(const Matrix& x, std::string_view who) const {
        require(fitted(), who, " called before fit; call fit(x) first");
        standardize_detail::require_columns(x, mean_.size(), who);
        require_features(x, who);
    }

    // Applies op(row, mean, scale) to every row, as Eigen arrays of double, and stores the
    // result as float.
    template <class Op>
    Matrix map_rows(const Matrix& x, Op op) const {
        const auto d = static_cast<Eigen::Index>(columns(x));
        const Eigen::Map<const Eigen::ArrayXd> mean(mean_.data(), d), scale(scale_.data(), d);
        Matrix out = Matrix::from_shape(x.shape());
        cpu::parallel_for(options_.cpu, rows(x), [&](std::size_t first, std::size_t last, int) {
            for (std::size_t i = first; i < last; ++i) {
                const auto offset = static_cast<Eigen::Index>(i) * d;
                const Eigen::Map<const Eigen::ArrayXf> row(x.data() + offset, d);
                Eigen::Map<Eigen::ArrayXf>(out.data() + offset, d) =
                    op(row.cast<double>(), mean, scale).template cast<float>();
            }
        });
        return out;
    }

    Options options_;
    xt::xtensor<double, 1> mean_;
    xt::xtensor<double, 1> scale_;
};

}  // namespace latentlab::analysis
