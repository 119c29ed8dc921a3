#pragma once
// Many consecutive Philox blocks at once, bit-identical to random_bits. Per-value noise on a
// 64×64×3 image needs over a thousand blocks per image; one block at a time the generator
// alone costs ~35 µs per image (measured), so with AVX2 the blocks are computed in vector
// lanes: four independent vectors of eight, so that the multiplier's latency overlaps.
#include <array>
#include <cstddef>
#include <cstdint>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "latentlab/core/random.hpp"

namespace latentlab {

inline constexpr std::size_t random_batch_blocks = 32;

// words[w][j] == random_bits(seed, stream, first + j)[w] for j < random_batch_blocks (the
// index wraps modulo 2^64, as in random_bits).
struct RandomBatch {
    std::array<std::array<std::uint32_t, random_batch_blocks>, 4> words;
};

#ifdef __AVX2__
namespace random_batch_detail {

inline constexpr int vectors = random_batch_blocks / 8;

// High and low 32 bits of the eight 32×32-bit products a·k.
inline void mulhilo(__m256i a, __m256i k, __m256i& high, __m256i& low) {
    const __m256i even = _mm256_mul_epu32(a, k);
    const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), k);
    high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    low = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

}  // namespace random_batch_detail
#endif

inline void random_bits_batch(std::uint64_t seed, std::uint64_t stream, std::uint64_t first, RandomBatch& out) {
#ifdef __AVX2__
    using namespace random_batch_detail;
    alignas(32) std::array<std::uint32_t, random_batch_blocks> index_low, index_high;
    for (std::size_t j = 0; j < random_batch_blocks; ++j) {
        index_low[j] = static_cast<std::uint32_t>(first + j);
        index_high[j] = static_cast<std::uint32_t>((first + j) >> 32);
    }
    __m256i c0[vectors], c1[vectors], c2[vectors], c3[vectors];
    for (int v = 0; v < vectors; ++v) {
        c0[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(index_low.data() + 8 * v));
        c1[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(index_high.data() + 8 * v));
        c2[v] = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream)));
        c3[v] = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream >> 32)));
    }
    const __m256i multiplier0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53u));
    const __m256i multiplier1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57u));
    std::uint32_t key0 = static_cast<std::uint32_t>(seed), key1 = static_cast<std::uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            key0 += 0x9E3779B9u;
            key1 += 0xBB67AE85u;
        }
        const __m256i k0 = _mm256_set1_epi32(static_cast<int>(key0));
        const __m256i k1 = _mm256_set1_epi32(static_cast<int>(key1));
        for (int v = 0; v < vectors; ++v) {
            __m256i high0, low0, high1, low1;
            mulhilo(c0[v], multiplier0, high0, low0);
            mulhilo(c2[v], multiplier1, high1, low1);
            c0[v] = _mm256_xor_si256(_mm256_xor_si256(high1, c1[v]), k0);
            c1[v] = low1;
            c2[v] = _mm256_xor_si256(_mm256_xor_si256(high0, c3[v]), k1);
            c3[v] = low0;
        }
    }
    for (int v = 0; v < vectors; ++v) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.words[0].data() + 8 * v), c0[v]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.words[1].data() + 8 * v), c1[v]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.words[2].data() + 8 * v), c2[v]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.words[3].data() + 8 * v), c3[v]);
    }
#else
    for (std::size_t j = 0; j < random_batch_blocks; ++j) {
        const auto block = random_bits(seed, stream, first + j);
        for (std::size_t w = 0; w < 4; ++w) out.words[w][j] = block[w];
    }
#endif
}

}  // namespace latentlab
