#pragma once
// Finite checks that vectorize: a float is NaN or ±Inf exactly when its exponent bits are
// all ones, so OR-ing that test over an array is an integer reduction the compiler turns
// into SIMD code (a loop over std::isfinite with an early exit is not, and costs as much as
// a small layer when run on every gradient of every step).
#include <bit>
#include <cstdint>
#include <span>
#include <type_traits>

namespace latentlab {

template <class T>
    requires std::is_floating_point_v<T> && (sizeof(T) == 4 || sizeof(T) == 8)
constexpr bool not_finite_bits(T x) {
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    constexpr Bits exponent = sizeof(T) == 4 ? static_cast<Bits>(0x7f800000u) : static_cast<Bits>(0x7ff0000000000000ull);
    return (std::bit_cast<Bits>(x) & exponent) == exponent;
}

template <class T>
bool all_finite(std::span<const T> values) {
    bool bad = false;
    for (const T v : values) bad |= not_finite_bits(v);
    return !bad;
}

}  // namespace latentlab
