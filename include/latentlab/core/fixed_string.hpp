#pragma once
// A string usable as a template argument, for Tag<"name", Layer> and layers that refer to a
// tagged layer by name (MaxUnpool2d<"pool1">).
#include <algorithm>
#include <cstddef>
#include <string_view>

namespace latentlab {

template <std::size_t N>
struct FixedString {
    char chars[N]{};
    constexpr FixedString(const char (&text)[N]) { std::copy_n(text, N, chars); }
    constexpr std::string_view view() const { return {chars, N - 1}; }
    template <std::size_t M>
    constexpr bool operator==(const FixedString<M>& other) const { return view() == other.view(); }
};

}  // namespace latentlab
