#pragma once
// Support for the kernel-emulation tests (tests/kernels): random inputs and element-wise
// comparisons that name the first element out of tolerance.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "latentlab/core/random.hpp"

namespace latentlab::testing {

inline std::vector<float> random_floats(std::size_t n, std::uint64_t seed, double low = -1.0, double high = 1.0) {
    std::vector<float> values(n);
    Rng rng(seed, 11);
    for (auto& v : values) v = static_cast<float>(rng.uniform(low, high));
    return values;
}

inline std::vector<float> absolute_values(std::vector<float> values) {
    for (auto& v : values) v = std::abs(v);
    return values;
}

// Requires |actual − expected| ≤ tolerance · scale element by element, scale being `scale[i]`
// when given (e.g. the sum of the absolute values of the terms a gradient adds up), else
// max(|expected|, 1). tolerance 0 requires bit-equal values.
inline void require_close(const std::vector<float>& actual, const std::vector<float>& expected, double tolerance,
                          const std::vector<float>* scale = nullptr) {
    REQUIRE(actual.size() == expected.size());
    std::size_t failures = 0, first = 0;
    double worst = 0;
    for (std::size_t i = 0; i < actual.size(); ++i) {
        const double e = expected[i], error = std::abs(static_cast<double>(actual[i]) - e);
        const double bound =
            tolerance * (scale ? std::abs(static_cast<double>((*scale)[i])) : std::max(std::abs(e), 1.0));
        if (!(error <= bound)) {
            if (failures++ == 0) first = i;
            worst = std::max(worst, error);
        }
    }
    INFO(failures << " of " << actual.size() << " values out of tolerance, the first at " << first << ": "
                  << (failures ? actual[first] : 0.0f) << " vs " << (failures ? expected[first] : 0.0f)
                  << "; largest difference " << worst);
    REQUIRE(failures == 0);
}

}  // namespace latentlab::testing
