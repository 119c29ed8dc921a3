#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "dataset_files.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/data/stl10.hpp"

namespace fs = std::filesystem;
using namespace latentlab::data;
using Catch::Contains;
using latentlab::testing::Bytes;
using latentlab::testing::misplaced_pixels;
using latentlab::testing::stl10_image_bytes;
using latentlab::testing::TempDir;
using latentlab::testing::test_pixel;
using latentlab::testing::write_bytes;

namespace {

constexpr std::size_t image_bytes = 3 * 96 * 96;

// How many pixels of 32×32 `images` differ from the rounded mean of the 3×3 block of
// test_pixel values they cover.
std::size_t wrong_block_means(const xt::xtensor<std::uint8_t, 4>& images, std::size_t first) {
    std::size_t wrong = 0;
    for (std::size_t n = 0; n < images.shape()[0]; ++n)
        for (std::size_t y = 0; y < 32; ++y)
            for (std::size_t x = 0; x < 32; ++x)
                for (std::size_t c = 0; c < 3; ++c) {
                    unsigned sum = 0;
                    for (std::size_t dy = 0; dy < 3; ++dy)
                        for (std::size_t dx = 0; dx < 3; ++dx) sum += test_pixel(first + n, 3 * y + dy, 3 * x + dx, c);
                    wrong += images(n, y, x, c) != (sum + 4) / 9;  // 9 is odd: no ties
                }
    return wrong;
}

}  // namespace

TEST_CASE("STL-10 images: channel-planar, column-major records become NHWC", "[stl10]") {
    TempDir dir;
    write_bytes(dir / "train_X.bin", stl10_image_bytes(67));
    Stl10Reader reader(dir / "train_X.bin");
    REQUIRE(reader.size() == 67);
    REQUIRE(reader.image_side() == 96);
    const auto all = reader.read(0, 67);  // more than one chunk of 64
    REQUIRE(all.shape() == std::array<std::size_t, 4>{67, 96, 96, 3});
    CHECK(misplaced_pixels(all) == 0);
    CHECK(misplaced_pixels(reader.read(65, 2), 65) == 0);
    CHECK(reader.read(67, 0).size() == 0);

    // Into a caller's buffer.
    std::vector<std::uint8_t> buffer(2 * image_bytes);
    reader.read(3, 2, buffer);
    CHECK(buffer[0] == test_pixel(3, 0, 0, 0));
    CHECK(buffer[(5 * 96 + 7) * 3 + 2] == test_pixel(3, 5, 7, 2));  // row 5, column 7, blue
    CHECK(buffer[image_bytes + (95 * 96 + 1) * 3 + 1] == test_pixel(4, 95, 1, 1));
}

TEST_CASE("Stl10Reader shrinks 96×96 to 32×32 by 3×3 block means on the fly", "[stl10]") {
    TempDir dir;
    write_bytes(dir / "unlabeled_X.bin", stl10_image_bytes(3));
    Stl10Reader reader(dir / "unlabeled_X.bin", {.resize_to = 32});
    REQUIRE(reader.image_side() == 32);
    const auto small = reader.read(1, 2);
    REQUIRE(small.shape() == std::array<std::size_t, 4>{2, 32, 32, 3});
    CHECK(wrong_block_means(small, 1) == 0);
    // The same as reading at 96 and resizing afterwards.
    Stl10Reader full(dir / "unlabeled_X.bin");
    const auto resized = resize(full.read(1, 2), 32, 32, ResizeMethod::area);
    CHECK(small == resized);
    Stl10Reader bilinear(dir / "unlabeled_X.bin", {.resize_to = 48, .method = ResizeMethod::bilinear});
    const auto bilinear_on_the_fly = bilinear.read(0, 3);
    const auto bilinear_afterwards = resize(full.read(0, 3), 48, 48, ResizeMethod::bilinear);
    CHECK(bilinear_on_the_fly == bilinear_afterwards);
    CHECK(open_stl10_unlabeled(dir.path()).size() == 3);
}

TEST_CASE("Stl10Reader seeks: the last image of a 100,000-image file without reading the rest", "[stl10]") {
    // unlabeled_X.bin's real size, as a sparse file: only the last image has data.
    TempDir dir;
    const fs::path path = dir / "unlabeled_X.bin";
    { std::ofstream out(path, std::ios::binary); }
    fs::resize_file(path, 99999 * image_bytes);
    {
        std::ofstream out(path, std::ios::binary | std::ios::app);
        const Bytes last = stl10_image_bytes(1);
        out.write(reinterpret_cast<const char*>(last.data()), static_cast<std::streamsize>(last.size()));
    }
    Stl10Reader reader(path, {.resize_to = 32});
    REQUIRE(reader.size() == 100000);
    const auto images = reader.read(99998, 2);
    CHECK(std::all_of(images.begin(), images.begin() + 32 * 32 * 3, [](std::uint8_t v) { return v == 0; }));
    const auto last = reader.read(99999, 1);
    CHECK(std::equal(last.begin(), last.end(), images.begin() + 32 * 32 * 3));
    CHECK(wrong_block_means(last, 0) == 0);
}

TEST_CASE("load_stl10 reads images and 1-based labels of train and test", "[stl10]") {
    TempDir dir;
    const fs::path folder = dir / "stl10_binary";
    fs::create_directory(folder);
    write_bytes(folder / "train_X.bin", stl10_image_bytes(4));
    write_bytes(folder / "train_y.bin", Bytes{1, 10, 5, 2});
    write_bytes(folder / "test_X.bin", stl10_image_bytes(2));
    write_bytes(folder / "test_y.bin", Bytes{3, 3});

    const ImageSet train = load_stl10(dir.path(), Split::train);  // the folder holding stl10_binary
    REQUIRE(train.images.shape() == std::array<std::size_t, 4>{4, 96, 96, 3});
    CHECK(misplaced_pixels(train.images) == 0);
    CHECK(train.labels == xt::xtensor<std::int32_t, 1>{0, 9, 4, 1});
    CHECK(train.class_names == stl10_class_names());
    CHECK(train.class_names[7] == "monkey");

    std::ofstream(folder / "class_names.txt") << "c1\nc2\nc3\nc4\nc5\nc6\nc7\nc8\nc9\nc10\n";
    const ImageSet test = load_stl10(folder, Split::test, {.resize_to = 32});
    REQUIRE(test.images.shape() == std::array<std::size_t, 4>{2, 32, 32, 3});
    CHECK(wrong_block_means(test.images, 0) == 0);
    CHECK(test.labels == xt::xtensor<std::int32_t, 1>{2, 2});
    CHECK(test.class_names[9] == "c10");
}

TEST_CASE("STL-10 readers reject bad files, labels, ranges and options", "[stl10]") {
    TempDir dir;
    write_bytes(dir / "train_X.bin", stl10_image_bytes(2));
    write_bytes(dir / "train_y.bin", Bytes{1, 2});
    const std::string images = (dir / "train_X.bin").string(), labels = (dir / "train_y.bin").string();

    SECTION("missing files") {
        REQUIRE_THROWS_WITH(load_stl10(dir.path(), Split::test),
                            Contains((dir / "test_X.bin").string()) && Contains("no such file"));
        fs::remove(dir / "train_y.bin");
        REQUIRE_THROWS_WITH(load_stl10(dir.path(), Split::train), Contains(labels) && Contains("no such file"));
    }
    SECTION("a partial image") {
        Bytes bytes = stl10_image_bytes(2);
        bytes.resize(bytes.size() - 100);
        write_bytes(dir / "train_X.bin", bytes);
        REQUIRE_THROWS_WITH(load_stl10(dir.path(), Split::train),
                            Contains(images) && Contains("whole number of 27648-byte") &&
                                Contains("found 55196 bytes = 1 images + 27548 bytes"));
    }
    SECTION("label count and image count disagree") {
        write_bytes(dir / "train_y.bin", Bytes{1, 2, 3});
        REQUIRE_THROWS_WITH(load_stl10(dir.path(), Split::train),
                            Contains(labels) && Contains("3 labels for 2 images") && Contains(images));
    }
    SECTION("labels 0 and 11 are outside 1-10") {
        write_bytes(dir / "train_y.bin", Bytes{1, 0});
        REQUIRE_THROWS_WITH(load_stl10(dir.path(), Split::train),
                            Contains(labels + ": label 0 at index 1: expected 1 to 10"));
        write_bytes(dir / "train_y.bin", Bytes{11, 1});
        REQUIRE_THROWS_WITH(load_stl10(dir.path(), Split::train), Contains("label 11 at index 0"));
    }
    SECTION("reads outside the file or into a buffer of the wrong size") {
        Stl10Reader reader(dir / "train_X.bin");
        REQUIRE_THROWS_WITH(reader.read(1, 2), Contains(images) && Contains("images 1 to 3") && Contains("has 2"));
        REQUIRE_THROWS_AS(reader.read(3, 0), latentlab::Error);
        std::vector<std::uint8_t> buffer(image_bytes - 1);
        REQUIRE_THROWS_WITH(reader.read(0, 1, buffer),
                            Contains("output buffer of 27647 bytes") && Contains("expected 27648"));
    }
    SECTION("a bad resize option") {
        REQUIRE_THROWS_WITH(Stl10Reader(dir / "train_X.bin", {.resize_to = 128}),
                            Contains("Stl10Options.resize_to") && Contains("found 128") && Contains(images));
    }
}
