#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/data/npy.hpp"
#include "latentlab/data/pixel_scale.hpp"
#include "latentlab/data/resize.hpp"

namespace fs = std::filesystem;
using namespace latentlab::data;
using Catch::Contains;

namespace {

xt::xtensor<float, 4> load_golden(const std::string& name) {
    const fs::path path = fs::path(LATENTLAB_TEST_DATA_DIR) / "resize" / (name + ".npy");
    INFO("golden file " << path.string() << " (tools/make_resize_golden.py)");
    const auto array = latentlab::load_npy<float>(path);
    REQUIRE(array.dimension() == 4);
    return array;
}

xt::xtensor<std::uint8_t, 4> random_images(std::size_t n, std::size_t h, std::size_t w, std::size_t c,
                                           std::uint64_t seed) {
    auto images = xt::xtensor<std::uint8_t, 4>::from_shape({n, h, w, c});
    latentlab::Rng rng(seed);
    for (auto& v : images) v = static_cast<std::uint8_t>(rng.next_u32() & 0xFF);
    return images;
}

}  // namespace

TEST_CASE("resize agrees with PyTorch bilinear and exact area averaging", "[resize]") {
    const auto input = load_golden("input");
    REQUIRE(input.shape() == std::array<std::size_t, 4>{2, 6, 9, 2});
    xt::xtensor<std::uint8_t, 4> input8 = xt::xtensor<std::uint8_t, 4>::from_shape(input.shape());
    for (std::size_t i = 0; i < input.size(); ++i) input8.data()[i] = static_cast<std::uint8_t>(input.data()[i]);

    for (const auto& [h, w] : std::vector<std::pair<std::size_t, std::size_t>>{{4, 5}, {8, 11}, {3, 14}}) {
        for (const auto method : {ResizeMethod::bilinear, ResizeMethod::area}) {
            const std::string name =
                std::string(resize_method_name(method)) + "_" + std::to_string(h) + "x" + std::to_string(w);
            INFO(name);
            const auto expected = load_golden(name);
            REQUIRE(expected.shape() == std::array<std::size_t, 4>{2, h, w, 2});

            const auto ours = resize(input, h, w, method);
            REQUIRE(ours.shape() == expected.shape());
            double worst = 0;
            for (std::size_t i = 0; i < ours.size(); ++i)
                worst = std::max(worst, std::abs(static_cast<double>(ours.data()[i]) - expected.data()[i]));
            CHECK(worst <= 1e-4);  // float arithmetic on values up to 255

            // 8-bit: the reference rounded to the nearest integer.
            const auto ours8 = resize(input8, h, w, method);
            std::size_t not_nearest = 0;
            for (std::size_t i = 0; i < ours8.size(); ++i)
                not_nearest += std::abs(static_cast<double>(ours8.data()[i]) - expected.data()[i]) > 0.5 + 1e-4;
            CHECK(not_nearest == 0);
        }
    }
}

TEST_CASE("area resize 96→32 is the rounded mean of each 3×3 block", "[resize]") {
    const auto images = random_images(2, 96, 96, 3, 5);
    const auto small = resize(images, 32, 32, ResizeMethod::area);
    REQUIRE(small.shape() == std::array<std::size_t, 4>{2, 32, 32, 3});
    auto as_float = xt::xtensor<float, 4>::from_shape(images.shape());
    std::copy(images.begin(), images.end(), as_float.begin());
    const auto small_float = resize(as_float, 32, 32, ResizeMethod::area);
    std::size_t wrong = 0, wrong_float = 0;
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t y = 0; y < 32; ++y)
            for (std::size_t x = 0; x < 32; ++x)
                for (std::size_t c = 0; c < 3; ++c) {
                    unsigned sum = 0;
                    for (std::size_t dy = 0; dy < 3; ++dy)
                        for (std::size_t dx = 0; dx < 3; ++dx) sum += images(n, 3 * y + dy, 3 * x + dx, c);
                    wrong += small(n, y, x, c) != (sum + 4) / 9;  // sum/9 is never k + 1/2
                    wrong_float += std::abs(small_float(n, y, x, c) - static_cast<float>(sum) / 9.0f) > 1e-4f;
                }
    CHECK(wrong == 0);
    CHECK(wrong_float == 0);
}

TEST_CASE("bilinear resize by an integer factor samples the block centres", "[resize]") {
    // Half-pixel centres: output x maps to input 3x + 1 exactly, with no blending.
    const auto images = random_images(1, 96, 96, 3, 6);
    const auto small = resize(images, 32, 32, ResizeMethod::bilinear);
    std::size_t wrong = 0;
    for (std::size_t y = 0; y < 32; ++y)
        for (std::size_t x = 0; x < 32; ++x)
            for (std::size_t c = 0; c < 3; ++c) wrong += small(0, y, x, c) != images(0, 3 * y + 1, 3 * x + 1, c);
    CHECK(wrong == 0);
}

TEST_CASE("resize keeps same-size images and constant images unchanged", "[resize]") {
    const auto images = random_images(2, 7, 5, 3, 7);
    for (const auto method : {ResizeMethod::area, ResizeMethod::bilinear}) {
        INFO(resize_method_name(method));
        const auto same = resize(images, 7, 5, method);
        CHECK(same == images);
        // The weights of every output pixel sum to 1, shrinking, enlarging or both.
        auto constant = xt::xtensor<std::uint8_t, 4>::from_shape({1, 7, 5, 2});
        constant.fill(173);
        for (const auto& [h, w] : std::vector<std::pair<std::size_t, std::size_t>>{{3, 2}, {11, 13}, {1, 9}, {1, 1}}) {
            const auto resized = resize(constant, h, w, method);
            REQUIRE(resized.shape() == std::array<std::size_t, 4>{1, h, w, 2});
            CHECK(std::all_of(resized.begin(), resized.end(), [](std::uint8_t v) { return v == 173; }));
        }
    }
}

TEST_CASE("resize rejects empty sizes", "[resize]") {
    const auto images = random_images(1, 4, 4, 1, 8);
    REQUIRE_THROWS_WITH(resize(images, 0, 3, ResizeMethod::area),
                        Contains("resize (area)") && Contains("at least 1×1") && Contains("4×4 → 0×3"));
    const auto empty = xt::xtensor<std::uint8_t, 4>::from_shape({1, 0, 4, 1});
    REQUIRE_THROWS_WITH(resize(empty, 2, 2, ResizeMethod::bilinear), Contains("0×4 → 2×2"));
}

TEST_CASE("pixel scaling maps 0…255 onto the unit and the symmetric range with exact ends", "[resize]") {
    auto pixels = xt::xtensor<std::uint8_t, 2>::from_shape({16, 16});
    for (std::size_t i = 0; i < 256; ++i) pixels.data()[i] = static_cast<std::uint8_t>(i);
    const auto unit = scale_pixels(pixels, PixelRange::unit);
    const auto symmetric = scale_pixels(pixels, PixelRange::symmetric);
    REQUIRE(unit.shape() == pixels.shape());
    CHECK(unit(0, 0) == 0.0f);
    CHECK(unit(15, 15) == 1.0f);
    CHECK(symmetric(0, 0) == -1.0f);
    CHECK(symmetric(15, 15) == 1.0f);
    CHECK(unit(3, 3) == 0.2f);        // 51/255
    CHECK(symmetric(3, 3) == -0.6f);  // 51/127.5 − 1
    for (std::size_t i = 0; i < 256; ++i) {
        CHECK(unit.data()[i] == static_cast<float>(i) / 255.0f);
        CHECK(std::abs(symmetric.data()[i] - (2.0f * unit.data()[i] - 1.0f)) <= 1e-6f);
        if (i > 0) CHECK(symmetric.data()[i] > symmetric.data()[i - 1]);
    }

    // Into a caller's buffer (a network input batch).
    std::vector<float> buffer(256);
    scale_pixels(std::span<const std::uint8_t>(pixels.data(), 256), buffer, PixelRange::symmetric);
    CHECK(std::equal(buffer.begin(), buffer.end(), symmetric.begin()));
    std::vector<float> wrong(255);
    REQUIRE_THROWS_WITH(scale_pixels(std::span<const std::uint8_t>(pixels.data(), 256), wrong, PixelRange::unit),
                        Contains("holds 255 values, expected 256"));
}
