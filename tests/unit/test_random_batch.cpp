#include <catch2/catch.hpp>

#include <cstdint>

#include "latentlab/core/random_batch.hpp"

using namespace latentlab;

TEST_CASE("random_bits_batch: equals random_bits block by block", "[random]") {
    // Plain indices, a carry from the low into the high counter word, wrap-around at 2^64,
    // and the tagged counters the rectangles' noise uses.
    const std::uint64_t firsts[] = {0, 12345, (std::uint64_t{1} << 32) - 7, ~std::uint64_t{0} - 5,
                                    (std::uint64_t{1} << 63) | (std::uint64_t{3} << 20) | 64};
    const std::uint64_t seeds[] = {0, 1, 0xDEADBEEFCAFEF00Dull};
    const std::uint64_t streams[] = {0, 17, 0x123456789ABCDEFull};
    RandomBatch batch;
    for (const auto seed : seeds) {
        for (const auto stream : streams) {
            for (const auto first : firsts) {
                random_bits_batch(seed, stream, first, batch);
                for (std::size_t j = 0; j < random_batch_blocks; ++j) {
                    const auto expected = random_bits(seed, stream, first + j);
                    for (std::size_t w = 0; w < 4; ++w) {
                        INFO("seed " << seed << " stream " << stream << " index " << first + j << " word " << w);
                        REQUIRE(batch.words[w][j] == expected[w]);
                    }
                }
            }
        }
    }
}
