#pragma once
// check_option: the range check of one numeric option of an optimizer or schedule. The Error
// names the owner, the option, the allowed range and the value found ("Adam: beta2 must be in
// [0, 1), found 1"); NaN fails every range.
#include <cmath>
#include <limits>
#include <string_view>

#include "latentlab/core/error.hpp"

namespace latentlab::optim {

enum class Bound { closed, open };

inline void check_option(std::string_view owner, std::string_view option, double value, double low,
                         Bound low_bound = Bound::closed, double high = std::numeric_limits<double>::infinity(),
                         Bound high_bound = Bound::open) {
    const bool above_low = low_bound == Bound::closed ? value >= low : value > low;
    const bool below_high = high_bound == Bound::closed ? value <= high : value < high;
    if (above_low && below_high && std::isfinite(value)) return;
    if (std::isinf(high))
        fail(owner, ": ", option, " must be finite and ", low_bound == Bound::closed ? ">= " : "> ", low, ", found ",
             value);
    fail(owner, ": ", option, " must be in ", low_bound == Bound::closed ? "[" : "(", low, ", ", high,
         high_bound == Bound::closed ? "]" : ")", ", found ", value);
}

}  // namespace latentlab::optim
