#pragma once
// Shuffling with our Rng, for the epochs of the probes and the k-fold splits: Fisher–Yates,
// the loop numpy's shuffle runs (sklearn's SGD shuffles its index array the same way), with
// draws that are identical on every compiler.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "latentlab/core/random.hpp"

namespace latentlab::analysis {

template <class T>
void shuffle_in_place(std::vector<T>& values, Rng& rng) {
    for (std::size_t i = values.size(); i-- > 1;)
        std::swap(values[i], values[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(i)))]);
}

}  // namespace latentlab::analysis
