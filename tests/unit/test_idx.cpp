#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

#include <xtensor/xtensor.hpp>

#include "dataset_files.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/data/idx.hpp"

namespace fs = std::filesystem;
using namespace latentlab::data;
using latentlab::testing::Bytes;
using latentlab::testing::gzip_bytes;
using latentlab::testing::idx_bytes;
using latentlab::testing::idx_image_bytes;
using latentlab::testing::idx_label_bytes;
using latentlab::testing::misplaced_pixels;
using latentlab::testing::TempDir;
using latentlab::testing::write_bytes;

TEST_CASE("IDX images and labels are read in place, plain or gzip, whatever the name", "[idx]") {
    TempDir dir;
    const Bytes images = idx_image_bytes(3, 5, 4);
    const Bytes labels = idx_label_bytes({7, 0, 255});
    // The content decides: a gzip file without .gz and a plain file named .gz.
    write_bytes(dir / "images", images);
    write_bytes(dir / "images.gz", gzip_bytes(images));
    write_bytes(dir / "plain.gz", images);
    write_bytes(dir / "gzip", gzip_bytes(images));
    for (const char* name : {"images", "images.gz", "plain.gz", "gzip"}) {
        INFO(name);
        const auto read = read_idx_images(dir / name);
        REQUIRE(read.shape() == std::array<std::size_t, 4>{3, 5, 4, 1});
        CHECK(misplaced_pixels(read) == 0);
    }
    write_bytes(dir / "labels", labels);
    write_bytes(dir / "labels.gz", gzip_bytes(labels));
    for (const char* name : {"labels", "labels.gz"}) {
        const auto read = read_idx_labels(dir / name);
        CHECK(read == xt::xtensor<std::int32_t, 1>{7, 0, 255});
    }
}

TEST_CASE("IDX reads a gzip file of several members as one stream, like gunzip", "[idx]") {
    TempDir dir;
    const Bytes images = idx_image_bytes(4, 3, 2);
    Bytes members = gzip_bytes(std::span(images).first(20));
    const Bytes rest = gzip_bytes(std::span(images).subspan(20));
    members.insert(members.end(), rest.begin(), rest.end());
    write_bytes(dir / "two_members.gz", members);
    const auto read = read_idx_images(dir / "two_members.gz");
    REQUIRE(read.shape() == std::array<std::size_t, 4>{4, 3, 2, 1});
    CHECK(misplaced_pixels(read) == 0);
}

TEST_CASE("IDX reader rejects bad files, naming the file and the numbers", "[idx]") {
    TempDir dir;
    const fs::path path = dir / "t10k-images-idx3-ubyte";
    const std::string name = path.string();
    const Bytes images = idx_image_bytes(3, 5, 4);  // 16 + 60 = 76 bytes
    using Catch::Contains;

    SECTION("missing file") { REQUIRE_THROWS_WITH(read_idx_images(path), Contains(name) && Contains("no such file")); }
    SECTION("a folder") { REQUIRE_THROWS_WITH(read_idx_images(dir.path()), Contains("not a regular file")); }
    SECTION("wrong magic") {
        write_bytes(path, Bytes{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        REQUIRE_THROWS_WITH(read_idx_images(path), Contains(name) && Contains("bad magic") &&
                                                       Contains("expected 0x00000803") && Contains("found 0x504b0304"));
    }
    SECTION("wrong element type") {
        Bytes floats = images;
        floats[2] = 0x0D;
        write_bytes(path, floats);
        REQUIRE_THROWS_WITH(read_idx_images(path),
                            Contains(name) && Contains("element type 0x0d (float32)") && Contains("found 0x00000d03"));
    }
    SECTION("wrong number of dimensions: a label file read as images") {
        write_bytes(path, idx_label_bytes({1, 2, 3}));
        REQUIRE_THROWS_WITH(read_idx_images(path), Contains(name) && Contains("expected an IDX file of 3 dimensions") &&
                                                       Contains("found 1 dimensions") && Contains("0x00000801"));
        REQUIRE_NOTHROW(read_idx_labels(path));
        write_bytes(path, images);
        REQUIRE_THROWS_WITH(read_idx_labels(path),
                            Contains("expected an IDX file of 1 dimensions") && Contains("found 3 dimensions"));
    }
    SECTION("empty file and a file ending inside the header") {
        write_bytes(path, Bytes{});
        REQUIRE_THROWS_WITH(read_idx_images(path),
                            Contains(name) && Contains("truncated") && Contains("found 0 bytes"));
        write_bytes(path, std::span(images).first(10));
        REQUIRE_THROWS_WITH(read_idx_images(path), Contains(name) && Contains("header of 3 dimensions has 16 bytes") &&
                                                       Contains("found 10 bytes"));
    }
    SECTION("truncated data") {
        write_bytes(path, std::span(images).first(75));
        REQUIRE_THROWS_WITH(read_idx_images(path),
                            Contains(name + ": truncated: header says 3×5×4 unsigned bytes, so the file should have "
                                            "76 bytes, found 75 bytes"));
    }
    SECTION("trailing bytes") {
        Bytes longer = images;
        longer.push_back(0);
        longer.push_back(0);
        write_bytes(path, longer);
        REQUIRE_THROWS_WITH(read_idx_images(path),
                            Contains(name + ": trailing bytes: header says 3×5×4 unsigned bytes, so the file should "
                                            "have 76 bytes, found 78 bytes"));
    }
    SECTION("header count disagreeing with the data") {
        write_bytes(path, idx_bytes({4, 5, 4}, std::span(images).subspan(16)));
        REQUIRE_THROWS_WITH(read_idx_images(path),
                            Contains(name) && Contains("4×5×4") && Contains("96 bytes") && Contains("found 76 bytes"));
    }
    SECTION("extents whose product overflows") {
        write_bytes(path, idx_bytes({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, std::span(images).subspan(16)));
        REQUIRE_THROWS_WITH(read_idx_images(path), Contains(name) && Contains("truncated") &&
                                                       Contains("4294967295×4294967295×4294967295") &&
                                                       Contains("more than 2^64") && Contains("found 76 bytes"));
    }
    SECTION("gzip whose contents disagree with the header") {
        write_bytes(path, gzip_bytes(std::span(images).first(70)));
        REQUIRE_THROWS_WITH(read_idx_images(path), Contains(name) && Contains("should decompress to 76 bytes") &&
                                                       Contains("found 70 bytes (decompressed)"));
    }
    SECTION("truncated gzip") {
        const Bytes compressed = gzip_bytes(images);
        write_bytes(path, std::span(compressed).first(compressed.size() - 6));
        REQUIRE_THROWS_WITH(read_idx_images(path), Contains(name) && Contains("truncated gzip file") &&
                                                       Contains(std::to_string(compressed.size() - 6) + " bytes"));
    }
    SECTION("corrupt gzip: a changed byte fails the CRC or the deflate stream") {
        Bytes compressed = gzip_bytes(images);
        compressed[compressed.size() / 2] ^= 0x5A;
        write_bytes(path, compressed);
        REQUIRE_THROWS_WITH(read_idx_images(path), Contains(name) && Contains("corrupt gzip data"));
        compressed = gzip_bytes(images);
        compressed[compressed.size() - 8] ^= 0x01;  // the CRC-32 of the trailer
        write_bytes(path, compressed);
        REQUIRE_THROWS_WITH(read_idx_images(path),
                            Contains(name) && Contains("corrupt gzip data") && Contains("incorrect data check"));
    }
    SECTION("junk after the gzip stream") {
        Bytes compressed = gzip_bytes(images);
        const std::size_t end = compressed.size();
        compressed.insert(compressed.end(), {'j', 'u', 'n', 'k'});
        write_bytes(path, compressed);
        REQUIRE_THROWS_WITH(read_idx_images(path), Contains(name) && Contains("4 bytes that are not a gzip member") &&
                                                       Contains("ends at byte " + std::to_string(end)));
    }
}

namespace {

// A small dataset in the Fashion-MNIST file names: gzip for train, unzipped for test.
void write_small_fashion_mnist(const TempDir& dir) {
    write_bytes(dir / "train-images-idx3-ubyte.gz", gzip_bytes(idx_image_bytes(4, 28, 28)));
    write_bytes(dir / "train-labels-idx1-ubyte.gz", gzip_bytes(idx_label_bytes({9, 0, 3, 9})));
    write_bytes(dir / "t10k-images-idx3-ubyte", idx_image_bytes(2, 28, 28));
    write_bytes(dir / "t10k-labels-idx1-ubyte", idx_label_bytes({1, 2}));
}

}  // namespace

TEST_CASE("load_fashion_mnist reads the official names, gzipped or not", "[idx]") {
    TempDir dir;
    write_small_fashion_mnist(dir);
    const ImageSet train = load_fashion_mnist(dir.path(), Split::train);
    REQUIRE(train.images.shape() == std::array<std::size_t, 4>{4, 28, 28, 1});
    CHECK(misplaced_pixels(train.images) == 0);
    CHECK(train.labels == xt::xtensor<std::int32_t, 1>{9, 0, 3, 9});
    REQUIRE(train.class_names.size() == 10);
    CHECK(train.class_names[0] == "T-shirt/top");
    CHECK(train.class_names[9] == "Ankle boot");
    CHECK(train.coarse_labels.size() == 0);

    const ImageSet test = load_fashion_mnist(dir.path(), Split::test);
    CHECK(test.size() == 2);
    CHECK(test.labels == xt::xtensor<std::int32_t, 1>{1, 2});
    CHECK(load_mnist(dir.path(), Split::test).class_names[2] == "2");
}

TEST_CASE("load_fashion_mnist rejects missing files, count mismatches and bad labels", "[idx]") {
    TempDir dir;
    write_small_fashion_mnist(dir);
    using Catch::Contains;
    SECTION("no image file") {
        fs::remove(dir / "t10k-images-idx3-ubyte");
        REQUIRE_THROWS_WITH(load_fashion_mnist(dir.path(), Split::test),
                            Contains(dir.path().string()) && Contains("Fashion-MNIST test images") &&
                                Contains("t10k-images-idx3-ubyte.gz or t10k-images-idx3-ubyte"));
    }
    SECTION("more labels than images") {
        write_bytes(dir / "t10k-labels-idx1-ubyte", idx_label_bytes({1, 2, 3}));
        REQUIRE_THROWS_WITH(load_fashion_mnist(dir.path(), Split::test),
                            Contains((dir / "t10k-labels-idx1-ubyte").string()) && Contains("3 labels for 2 images"));
    }
    SECTION("a label outside 0-9") {
        write_bytes(dir / "t10k-labels-idx1-ubyte", idx_label_bytes({1, 10}));
        REQUIRE_THROWS_WITH(load_fashion_mnist(dir.path(), Split::test),
                            Contains((dir / "t10k-labels-idx1-ubyte").string()) && Contains("label 10 at index 1") &&
                                Contains("expected 0 to 9"));
    }
}

// The real files of Debian's dataset-fashion-mnist (scripts/install-deps.sh installs it).
// Reference numbers from tools/fashion_mnist_facts.py, which reads the files with gzip and
// numpy alone.
TEST_CASE("Fashion-MNIST from Debian's dataset-fashion-mnist", "[idx][dataset]") {
    const fs::path dir = fashion_mnist_debian_dir;
    INFO("needs the package dataset-fashion-mnist (scripts/install-deps.sh)");
    REQUIRE(fs::exists(dir / "train-images-idx3-ubyte.gz"));

    const auto histogram = [](const ImageSet& set) {
        std::array<std::size_t, 10> counts{};
        for (const auto label : set.labels) ++counts.at(static_cast<std::size_t>(label));
        return counts;
    };
    const auto pixel_sum = [](const ImageSet& set) {
        std::uint64_t sum = 0;
        for (const auto value : set.images) sum += value;
        return sum;
    };

    const ImageSet train = load_fashion_mnist(dir, Split::train);
    REQUIRE(train.images.shape() == std::array<std::size_t, 4>{60000, 28, 28, 1});
    REQUIRE(train.labels.size() == 60000);
    CHECK(histogram(train) == std::array<std::size_t, 10>{6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000});
    CHECK(pixel_sum(train) == 3431114169u);
    CHECK(train.labels(0) == 9);  // an ankle boot
    CHECK(train.labels(59999) == 5);
    const std::array<int, 28> train_row{0,   0,   1,   4,   6,   7,   2,   0,   0,   0,   0,   0,   237, 226,
                                        217, 223, 222, 219, 222, 221, 216, 223, 229, 215, 218, 255, 77,  0};
    for (std::size_t x = 0; x < 28; ++x) CHECK(int{train.images(0, 14, x, 0)} == train_row[x]);

    const ImageSet test = load_fashion_mnist(dir, Split::test);
    REQUIRE(test.images.shape() == std::array<std::size_t, 4>{10000, 28, 28, 1});
    CHECK(histogram(test) == std::array<std::size_t, 10>{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000});
    CHECK(pixel_sum(test) == 573469082u);
    CHECK((test.labels(0) == 9 && test.labels(1) == 2 && test.labels(2) == 1 && test.labels(9999) == 5));
    CHECK(int{test.images(9999, 13, 20, 0)} == 196);
}
