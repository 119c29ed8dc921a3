#pragma once
// Golden arrays of the analysis tests: tests/data/<folder>/<name>.npy, written by the
// tools/make_<folder>_golden.py scripts, read as arrays, feature matrices or labels; and
// random feature matrices.
#include <algorithm>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <xtensor/xarray.hpp>

#include "latentlab/analysis/matrix.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/data/npy.hpp"

namespace latentlab::testing {

template <class T>
xt::xarray<T> golden_array(const std::string& folder, const std::string& name) {
    const auto path = std::filesystem::path(LATENTLAB_TEST_DATA_DIR) / folder / (name + ".npy");
    INFO("golden file " << path.string());
    REQUIRE(std::filesystem::exists(path));
    return load_npy<T>(path);
}

inline analysis::Matrix golden_matrix(const std::string& folder, const std::string& name) {
    const auto array = golden_array<float>(folder, name);
    REQUIRE(array.dimension() == 2);
    analysis::Matrix m = analysis::Matrix::from_shape({array.shape()[0], array.shape()[1]});
    std::copy(array.begin(), array.end(), m.begin());
    return m;
}

inline analysis::Labels golden_labels(const std::string& folder, const std::string& name) {
    const auto array = golden_array<int>(folder, name);
    REQUIRE(array.dimension() == 1);
    analysis::Labels labels = analysis::Labels::from_shape({array.size()});
    std::copy(array.begin(), array.end(), labels.begin());
    return labels;
}

// n × d standard normal values drawn from Rng(seed, stream).
inline analysis::Matrix normal_matrix(std::size_t n, std::size_t d, std::uint64_t seed, std::uint64_t stream) {
    analysis::Matrix m = analysis::Matrix::from_shape({n, d});
    Rng rng(seed, stream);
    for (float& v : m) v = static_cast<float>(rng.normal());
    return m;
}

}  // namespace latentlab::testing
