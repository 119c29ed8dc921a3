#pragma once
// CPU kernel of Dropout. Element e (counted over the whole batch) is kept iff word e mod 4 of
// random_bits(seed, stream, e / 4) is at least `threshold`; kept elements are multiplied by
// `scale`, dropped ones are zero. The mask is never stored: forward and backward apply the
// same map, and any backend computing the same words gets the same mask.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/random.hpp"

namespace latentlab::cpu {

// out = mask ⊙ in · scale when `active`, else out = in (evaluation mode). The keep test selects
// a factor (scale or 0) instead of branching on a random bit, and whole blocks of 4 run in a
// plain loop that GCC -O3 vectorizes across blocks (Philox included): 0.8 ns per element
// against 9 ns for a per-element loop. As in PyTorch, a dropped ±inf or NaN gives NaN.
template <class T>
void dropout_apply(const Cpu& cpu, bool active, std::uint64_t seed, std::uint64_t stream, std::uint32_t threshold,
                   T scale, const T* in, T* out, std::size_t image_size, std::size_t batch) {
    // By value: a lambda capturing by reference would make every store to `out` a possible
    // write to the threshold or scale, which stops the vectorizer.
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        const std::size_t first = begin * image_size, last = end * image_size;
        if (!active) {
            std::copy(in + first, in + last, out + first);
            return;
        }
        const auto apply = [=](std::size_t from, std::size_t to) {  // within one block
            const auto words = random_bits(seed, stream, from / 4);
            for (std::size_t e = from; e < to; ++e) out[e] = in[e] * (words[e % 4] >= threshold ? scale : T(0));
        };
        const std::size_t body_begin = std::min((first + 3) / 4 * 4, last);
        const std::size_t body_end = std::max(last / 4 * 4, body_begin);
        if (first < body_begin) apply(first, body_begin);
        for (std::size_t e = body_begin; e < body_end; e += 4) {
            const auto words = random_bits(seed, stream, e / 4);
            for (std::size_t j = 0; j < 4; ++j) out[e + j] = in[e + j] * (words[j] >= threshold ? scale : T(0));
        }
        if (body_end < last) apply(body_end, last);
    });
}

}  // namespace latentlab::cpu
