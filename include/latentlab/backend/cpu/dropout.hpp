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

// out = mask ⊙ in · scale when `active`, else out = in (evaluation mode).
template <class T>
void dropout_apply(const Cpu& cpu, bool active, std::uint64_t seed, std::uint64_t stream, std::uint32_t threshold,
                   T scale, const T* in, T* out, std::size_t image_size, std::size_t batch) {
    parallel_for(cpu, batch, [&](std::size_t begin, std::size_t end, int) {
        const std::size_t first = begin * image_size, last = end * image_size;
        if (!active) {
            std::copy(in + first, in + last, out + first);
            return;
        }
        for (std::size_t block = first / 4; block * 4 < last; ++block) {
            const auto words = random_bits(seed, stream, block);
            const std::size_t from = std::max(block * 4, first), to = std::min(block * 4 + 4, last);
            for (std::size_t e = from; e < to; ++e) out[e] = words[e % 4] >= threshold ? in[e] * scale : T(0);
        }
    });
}

}  // namespace latentlab::cpu
