#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "image_support.hpp"
#include "latentlab/core/color.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/data/png.hpp"

using namespace latentlab;
using latentlab::testing::load_png;
using latentlab::testing::TempDir;

namespace {

xt::xtensor<std::uint8_t, 3> random_image(std::size_t h, std::size_t w, std::size_t c, std::uint64_t seed) {
    auto image = xt::xtensor<std::uint8_t, 3>::from_shape({h, w, c});
    Rng rng(seed, 0);
    for (auto& v : image) v = static_cast<std::uint8_t>(rng.uniform_int(0, 255));
    return image;
}

Color pixel_color(const testing::LoadedPng& png, int row, int column) {
    const std::uint8_t* p = png.at(row, column);
    return {p[0], p[1], p[2]};
}

}  // namespace

TEST_CASE("colormaps and palettes match matplotlib's", "[png][color]") {
    CHECK(colormap_color(Colormap::viridis, 0.0) == Color{68, 1, 84});
    CHECK(colormap_color(Colormap::viridis, 1.0) == Color{253, 231, 37});
    CHECK(colormap_color(Colormap::viridis, 0.5) == Color{33, 145, 140});  // entry 128
    CHECK(colormap_color(Colormap::viridis, -3.0) == colormap_color(Colormap::viridis, 0.0));
    CHECK(colormap_color(Colormap::viridis, 7.0) == colormap_color(Colormap::viridis, 1.0));
    CHECK(colormap_color(Colormap::gray, 0.0) == Color{0, 0, 0});
    CHECK(colormap_color(Colormap::gray, 1.0) == Color{255, 255, 255});
    CHECK(colormap_color(Colormap::gray, 100.0 / 255.0) == Color{100, 100, 100});
    // viridis grows in lightness from end to end (what makes it readable in grey).
    double previous = -1;
    for (int i = 0; i <= 255; ++i) {
        const double l = luminance(colormap_color(Colormap::viridis, i / 255.0));
        CHECK(l > previous - 0.004);
        previous = l;
    }
    CHECK_THROWS_AS(colormap_color(Colormap::viridis, std::nan("")), Error);
    CHECK(qualitative_color(0) == Color{31, 119, 180});
    CHECK(qualitative_color(10) == qualitative_color(0));
}

TEST_CASE("write_png round-trips 8-bit images of 1, 3 and 4 channels", "[png]") {
    TempDir dir;
    for (std::size_t channels : {1u, 3u, 4u}) {
        INFO("channels " << channels);
        const auto image = random_image(13, 17, channels, channels);
        const auto path = dir / ("round_trip_" + std::to_string(channels) + ".png");
        data::write_png(path, image);
        const auto png = load_png(path);
        CHECK(png.height == 13);
        CHECK(png.width == 17);
        CHECK(png.channels == static_cast<int>(channels));
        CHECK(std::equal(png.pixels.begin(), png.pixels.end(), image.begin(), image.end()));
    }
    // H×W is one gray channel; a raw pointer and a non-contiguous view work as well.
    const auto image = random_image(5, 6, 1, 9);
    const xt::xtensor<std::uint8_t, 2> gray = xt::view(image, xt::all(), xt::all(), 0);
    data::write_png(dir / "gray.png", gray);
    CHECK(load_png(dir / "gray.png").pixels == std::vector<std::uint8_t>(image.begin(), image.end()));
    const auto rgb = random_image(4, 8, 3, 10);
    data::write_png(dir / "raw.png", rgb.data(), 4, 8, 3);
    CHECK(load_png(dir / "raw.png").pixels == std::vector<std::uint8_t>(rgb.begin(), rgb.end()));
    const auto flipped = random_image(6, 4, 3, 11);
    data::write_png(dir / "view.png", xt::view(flipped, xt::range(5, -7, -1), xt::all(), xt::all()));
    const auto png = load_png(dir / "view.png");
    CHECK(png.at(0, 0)[0] == flipped(5, 0, 0));
    CHECK(png.at(5, 3)[2] == flipped(0, 3, 2));
}

TEST_CASE("float images are clamped and scaled by their value range", "[png]") {
    const xt::xtensor<float, 2> values = {{-1.0f, 0.0f, 0.25f}, {0.5f, 1.0f, 2.0f}};
    const auto bytes = data::to_uint8(values);
    CHECK(bytes.shape()[2] == 1);
    CHECK(std::vector<int>(bytes.begin(), bytes.end()) == std::vector<int>{0, 0, 64, 128, 255, 255});
    const auto centred = data::to_uint8(values, {-1.0, 1.0});
    CHECK(std::vector<int>(centred.begin(), centred.end()) == std::vector<int>{0, 128, 159, 191, 255, 255});

    TempDir dir;
    const xt::xtensor<double, 3> rgb = {{{0.0, 0.5, 1.0}}};
    data::write_png(dir / "float.png", rgb, {0.0, 1.0});
    const auto png = load_png(dir / "float.png");
    CHECK(png.channels == 3);
    CHECK(pixel_color(png, 0, 0) == Color{0, 128, 255});

    const xt::xtensor<float, 2> with_nan = {{0.0f, std::numeric_limits<float>::quiet_NaN()}};
    CHECK_THROWS_WITH(data::to_uint8(with_nan), Catch::Contains("value 1") && Catch::Contains("NaN"));
    CHECK_THROWS_WITH(data::to_uint8(values, {1.0, 1.0}), Catch::Contains("low < high"));
    const auto path = (dir / "nan.png").string();
    CHECK_THROWS_WITH(data::write_png(path, with_nan, {0.0, 1.0}), Catch::Contains(path) && Catch::Contains("NaN"));
}

TEST_CASE("class masks use the E1 rectangle colours, black background, then tab10", "[png]") {
    CHECK(data::class_color(0) == Color{42, 127, 212});
    CHECK(data::class_color(1) == Color{127, 212, 42});
    CHECK(data::class_color(2) == Color{212, 42, 127});
    CHECK(data::class_color(3) == Color{0, 0, 0});
    CHECK(data::class_color(4) == tab10[0]);
    CHECK(data::class_color(13) == tab10[9]);
    CHECK(data::class_color(14) == tab10[0]);

    TempDir dir;
    const xt::xtensor<int, 2> mask = {{0, 1, 2}, {3, 4, 13}};
    data::write_mask_png(dir / "mask.png", mask);
    const auto png = load_png(dir / "mask.png");
    REQUIRE(png.channels == 3);
    for (int row = 0; row < 2; ++row) {
        for (int column = 0; column < 3; ++column) {
            CHECK(pixel_color(png, row, column) == data::class_color(static_cast<std::size_t>(mask(row, column))));
        }
    }
    const xt::xtensor<std::uint8_t, 2> bytes = {{3, 0}};
    CHECK(data::colorize_mask(bytes)(0, 1, 0) == 42);

    const xt::xtensor<int, 2> negative = {{0, 1}, {2, -1}};
    CHECK_THROWS_WITH(data::colorize_mask(negative), Catch::Contains("row 1, column 1") && Catch::Contains("negative"));
    const xt::xtensor<int, 3> not_a_mask = xt::zeros<int>({2, 2, 1});
    CHECK_THROWS_WITH(data::write_mask_png(dir / "bad.png", not_a_mask),
                      Catch::Contains("bad.png") && Catch::Contains("H×W") && Catch::Contains("2×2×1"));
}

TEST_CASE("make_grid lays images out as torchvision does", "[png]") {
    // (N, columns asked, padding) → rows·(H + p) + p by columns·(W + p) + p.
    struct Case {
        std::size_t n, columns, padding, rows, used_columns;
    };
    for (const Case& c : {Case{5, 3, 2, 2, 3}, Case{6, 3, 0, 2, 3}, Case{2, 8, 1, 1, 2}, Case{7, 1, 3, 7, 1}}) {
        INFO("n " << c.n << " columns " << c.columns << " padding " << c.padding);
        auto images = xt::xtensor<std::uint8_t, 4>::from_shape({c.n, 4, 5, 3});
        for (std::size_t k = 0; k < c.n; ++k) xt::view(images, k) = static_cast<std::uint8_t>(10 + k);
        const auto grid = data::make_grid(images, {.columns = c.columns, .padding = c.padding, .pad_value = 255});
        REQUIRE(grid.shape()[0] == c.rows * (4 + c.padding) + c.padding);
        REQUIRE(grid.shape()[1] == c.used_columns * (5 + c.padding) + c.padding);
        CHECK(grid.shape()[2] == 3);
        for (std::size_t k = 0; k < c.n; ++k) {
            const std::size_t top = (k / c.used_columns) * (4 + c.padding) + c.padding;
            const std::size_t left = (k % c.used_columns) * (5 + c.padding) + c.padding;
            CHECK(grid(top, left, 0) == 10 + k);
            CHECK(grid(top + 3, left + 4, 2) == 10 + k);
        }
        if (c.padding > 0) {
            CHECK(grid(0, 0, 0) == 255);
            CHECK(grid(grid.shape()[0] - 1, grid.shape()[1] - 1, 2) == 255);
        }
        // Cells without an image (n not a multiple of columns) keep the pad value.
        if (c.n % c.used_columns != 0) CHECK(grid(grid.shape()[0] - 1 - c.padding, grid.shape()[1] - 1 - c.padding, 0) == 255);
    }
    // N×H×W gives one channel, and the value type is kept.
    const xt::xtensor<float, 3> gray = xt::ones<float>({3, 2, 2}) * 0.5f;
    const auto grid = data::make_grid(gray, {.columns = 2});
    CHECK(grid.shape()[2] == 1);
    CHECK(grid(2, 2, 0) == 0.5f);

    TempDir dir;
    const auto images = xt::xtensor<std::uint8_t, 4>(xt::ones<std::uint8_t>({5, 16, 16, 3}) * std::uint8_t{7});
    data::write_grid_png(dir / "grid.png", images, {.columns = 3, .padding = 2});
    const auto png = load_png(dir / "grid.png");
    CHECK(png.width == 3 * 18 + 2);
    CHECK(png.height == 2 * 18 + 2);

    CHECK_THROWS_WITH(data::make_grid(xt::xtensor<float, 2>(xt::zeros<float>({2, 2}))), Catch::Contains("N×H×W"));
    CHECK_THROWS_WITH(data::make_grid(gray, {.columns = 0}), Catch::Contains("columns"));
    CHECK_THROWS_WITH(data::make_grid(images, {.pad_value = 300}), Catch::Contains("pad_value 300"));
}

TEST_CASE("overlay_heatmap blends the colormap over the image", "[png]") {
    const auto image = random_image(4, 5, 3, 3);
    auto map = xt::xtensor<double, 2>::from_shape({4, 5});
    for (std::size_t i = 0; i < map.size(); ++i) map.data()[i] = static_cast<double>(i);

    const auto unchanged = data::overlay_heatmap(image, map, {.alpha = 0.0});
    CHECK(unchanged == image);
    const auto colours = data::overlay_heatmap(image, map, {.alpha = 1.0});
    CHECK(Color{colours(0, 0, 0), colours(0, 0, 1), colours(0, 0, 2)} == colormap_color(Colormap::viridis, 0.0));
    CHECK(Color{colours(3, 4, 0), colours(3, 4, 1), colours(3, 4, 2)} == colormap_color(Colormap::viridis, 1.0));
    const auto half = data::overlay_heatmap(image, map, {.alpha = 0.5, .range = data::ValueRange{0.0, 19.0}});
    const Color top = colormap_color(Colormap::viridis, 1.0);
    CHECK(half(3, 4, 0) == static_cast<int>(std::lround((image(3, 4, 0) + top.r) / 2.0)));

    TempDir dir;
    const auto path = dir / "overlay.png";
    data::write_overlay_png(path, image, map);
    const auto png = load_png(path);
    CHECK(png.channels == 3);
    CHECK(png.width == 5);

    const auto wrong = xt::xtensor<double, 2>(xt::zeros<double>({5, 4}));
    CHECK_THROWS_WITH(data::write_overlay_png(path, image, wrong),
                      Catch::Contains(path.string()) && Catch::Contains("4×5") && Catch::Contains("5×4"));
    CHECK_THROWS_WITH(data::overlay_heatmap(image, map, {.alpha = 1.5}), Catch::Contains("alpha"));
}

TEST_CASE("PNG writers report bad shapes and unwritable paths", "[png]") {
    TempDir dir;
    const auto missing = dir / "no_such_dir" / "image.png";
    CHECK_THROWS_WITH(data::write_png(missing, random_image(2, 2, 3, 1)),
                      Catch::Contains(missing.string()) && Catch::Contains("cannot open for writing"));
    CHECK_FALSE(std::filesystem::exists(missing));

    const auto path = dir / "bad.png";
    CHECK_THROWS_WITH(data::write_png(path, random_image(2, 2, 2, 1)),
                      Catch::Contains(path.string()) && Catch::Contains("1, 3 or 4 channels") && Catch::Contains("got 2"));
    CHECK_THROWS_WITH(data::write_png(path, xt::xtensor<std::uint8_t, 3>::from_shape({0, 3, 3})),
                      Catch::Contains(path.string()) && Catch::Contains("empty"));
    CHECK_THROWS_WITH(data::write_png(path, xt::xtensor<std::uint8_t, 1>::from_shape({3})),
                      Catch::Contains("H×W or H×W×C") && Catch::Contains("1-d array of shape 3"));
    CHECK_THROWS_WITH(data::encode_png(nullptr, 2, 2, 3), Catch::Contains("no pixel data"));
    CHECK_FALSE(std::filesystem::exists(path));
}
