#pragma once
// The data every analysis takes and returns: a feature matrix (one sample per row,
// row-major float, as latents() produces and .npy stores) and a label vector (0-based
// classes). Eigen views of the same memory do the math, without copies.
//
// Contract shared by every analysis function: the inputs are checked here, once, with a
// message that names the calling function and the first offending element, so a NaN in a
// latent matrix or a label vector of the wrong length is reported where the researcher can
// act on it, not as garbage three steps later.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <Eigen/Core>
#include <xtensor/xtensor.hpp>

#include "latentlab/core/error.hpp"
#include "latentlab/core/finite.hpp"

namespace latentlab::analysis {

using Matrix = xt::xtensor<float, 2>;  // n samples × d features, row-major
using Labels = xt::xtensor<int, 1>;    // n classes, each in [0, class count)

using EigenRowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMatrixMap = Eigen::Map<const EigenRowMajor>;
using MatrixMap = Eigen::Map<EigenRowMajor>;

inline std::size_t rows(const Matrix& x) { return x.shape()[0]; }
inline std::size_t columns(const Matrix& x) { return x.shape()[1]; }

inline ConstMatrixMap as_eigen(const Matrix& x) {
    return {x.data(), static_cast<Eigen::Index>(rows(x)), static_cast<Eigen::Index>(columns(x))};
}
inline MatrixMap as_eigen(Matrix& x) {
    return {x.data(), static_cast<Eigen::Index>(rows(x)), static_cast<Eigen::Index>(columns(x))};
}

// Row i as a span (rows are contiguous).
inline std::span<const float> row(const Matrix& x, std::size_t i) {
    return {x.data() + i * columns(x), columns(x)};
}

// Requires at least one row and one column and only finite values.
inline void require_features(const Matrix& x, std::string_view who) {
    require(rows(x) > 0 && columns(x) > 0, who, ": the feature matrix is empty (", rows(x), " × ", columns(x),
            "); expected at least one sample and one feature");
    if (all_finite(std::span<const float>(x.data(), x.size()))) return;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (not_finite_bits(x.data()[i]))
            fail(who, ": feature matrix element (", i / columns(x), ", ", i % columns(x), ") is ", x.data()[i],
                 "; expected finite values (a diverged network or an unscaled input?)");
    }
}

// Requires one label per row and no negative label; returns the class count (largest + 1).
inline int class_count(const Labels& labels, std::size_t samples, std::string_view who) {
    require(labels.size() == samples, who, ": ", labels.size(), " labels for ", samples,
            " samples; expected one label per sample");
    int largest = -1;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        require(labels(i) >= 0, who, ": label ", labels(i), " of sample ", i, " is negative; expected classes 0, 1, …");
        largest = std::max(largest, labels(i));
    }
    return largest + 1;
}

}  // namespace latentlab::analysis
