#pragma once
// Seeded randomness that is identical across compilers and thread counts. The standard
// library's distributions are implementation-defined, so we use our own samplers over
// Philox4x32-10, a counter-based generator: the value at (seed, stream, index) is a pure
// function of those numbers, which lets data samples, dropout masks and initial weights be
// regenerated anywhere (and on a GPU, where the same function runs in a kernel).
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace latentlab {

__extension__ using uint128 = unsigned __int128;  // GCC/Clang; __extension__ keeps -Wpedantic quiet

// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
struct Philox4x32 {
    using Counter = std::array<std::uint32_t, 4>;
    using Key = std::array<std::uint32_t, 2>;

    static constexpr Counter generate(Counter counter, Key key) {
        for (int round = 0; round < 10; ++round) {
            if (round > 0) {
                key[0] += 0x9E3779B9u;
                key[1] += 0xBB67AE85u;
            }
            const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * counter[0];
            const std::uint64_t p1 = std::uint64_t{0xCD9E8D57u} * counter[2];
            counter = {static_cast<std::uint32_t>(p1 >> 32) ^ counter[1] ^ key[0],
                       static_cast<std::uint32_t>(p1),
                       static_cast<std::uint32_t>(p0 >> 32) ^ counter[3] ^ key[1],
                       static_cast<std::uint32_t>(p0)};
        }
        return counter;
    }
};

// Four 32-bit random words for (seed, stream, index): the building block of every sampler.
constexpr Philox4x32::Counter random_bits(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
    return Philox4x32::generate(
        {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32),
         static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)},
        {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
}

// A uniform double in [0, 1) from 53 random bits.
constexpr double to_unit_double(std::uint32_t high, std::uint32_t low) {
    const std::uint64_t bits = (std::uint64_t{high} << 21) ^ (low >> 11);
    return static_cast<double>(bits) * 0x1.0p-53;
}

// A sequential stream over the counter space: Rng(seed, stream) yields the words of
// random_bits(seed, stream, 0), (…, 1), … in order.
class Rng {
public:
    explicit constexpr Rng(std::uint64_t seed, std::uint64_t stream = 0) : seed_(seed), stream_(stream) {}

    constexpr std::uint32_t next_u32() {
        if (used_ == 4) {
            block_ = random_bits(seed_, stream_, index_++);
            used_ = 0;
        }
        return block_[used_++];
    }
    constexpr std::uint64_t next_u64() {
        const std::uint64_t high = next_u32();
        return (high << 32) | next_u32();
    }
    // Uniform in [0, 1).
    constexpr double uniform() {
        const std::uint32_t high = next_u32();
        return to_unit_double(high, next_u32());
    }
    constexpr double uniform(double low, double high) { return low + (high - low) * uniform(); }
    // Uniform integer in [low, high], both inclusive, without modulo bias (Lemire's method).
    constexpr std::int64_t uniform_int(std::int64_t low, std::int64_t high) {
        const std::uint64_t range = static_cast<std::uint64_t>(high - low) + 1;
        if (range == 0) return static_cast<std::int64_t>(next_u64());  // the full 64-bit range
        const std::uint64_t threshold = (0 - range) % range;
        for (;;) {
            const std::uint64_t x = next_u64();
            const uint128 m = static_cast<uint128>(x) * range;
            if (static_cast<std::uint64_t>(m) >= threshold)
                return low + static_cast<std::int64_t>(m >> 64);
        }
    }
    // Standard normal by Box–Muller (one value per call; the twin is dropped for simplicity
    // of the stream's definition).
    double normal() {
        const double u1 = 1.0 - uniform();  // (0, 1], so log is finite
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }
    double normal(double mean, double stddev) { return mean + stddev * normal(); }
    // Normal truncated to mean ± 2·stddev by rejection, as Keras' truncated_normal.
    double truncated_normal(double mean, double stddev) {
        for (;;) {
            const double z = normal();
            if (std::abs(z) <= 2.0) return mean + stddev * z;
        }
    }

private:
    std::uint64_t seed_;
    std::uint64_t stream_;
    std::uint64_t index_ = 0;
    Philox4x32::Counter block_{};
    int used_ = 4;
};

}  // namespace latentlab
