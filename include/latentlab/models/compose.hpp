#pragma once
// Small type-level tools for writing model definitions: concatenating layer lists into one
// flat Sequential (so summaries are not nested needlessly), repeating a layer, and building
// tag names such as "e3" from a level number at compile time.
#include <cstddef>
#include <tuple>
#include <utility>

#include "latentlab/core/fixed_string.hpp"
#include "latentlab/layers/sequential.hpp"

namespace latentlab::models {

template <class... L>
using layers = std::tuple<L...>;

namespace detail {
template <class Tuple>
struct to_sequential;
template <class... L>
struct to_sequential<std::tuple<L...>> {
    using type = Sequential<L...>;
};
template <std::size_t, class L>
using repeat_one = L;
template <class L, class Indices>
struct repeat;
template <class L, std::size_t... I>
struct repeat<L, std::index_sequence<I...>> {
    using type = std::tuple<repeat_one<I, L>...>;
};
}  // namespace detail

// Sequential of the layers of all the given layer lists, in order.
template <class... Lists>
using sequential_of = typename detail::to_sequential<decltype(std::tuple_cat(std::declval<Lists>()...))>::type;

// A layer list of N copies of L.
template <class L, std::size_t N>
using repeated = typename detail::repeat<L, std::make_index_sequence<N>>::type;

// "<prefix><digit>": a tag name for level `level` (0–9), e.g. level_name<'e', 3>() == "e3".
template <char Prefix, int Level>
constexpr FixedString<3> level_name() {
    static_assert(Level >= 0 && Level <= 9, "level names have one digit");
    FixedString<3> name("??");
    name.chars[0] = Prefix;
    name.chars[1] = static_cast<char>('0' + Level);
    return name;
}

}  // namespace latentlab::models
