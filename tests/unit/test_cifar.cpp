#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <xtensor/xtensor.hpp>

#include "dataset_files.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/data/cifar.hpp"

namespace fs = std::filesystem;
using namespace latentlab::data;
using Catch::Contains;
using latentlab::testing::Bytes;
using latentlab::testing::cifar_bytes;
using latentlab::testing::misplaced_pixels;
using latentlab::testing::TempDir;
using latentlab::testing::write_bytes;

namespace {

Bytes cifar10_label(std::size_t n) { return {static_cast<std::uint8_t>((3 * n + 1) % 10)}; }
// CIFAR-100 records start with the coarse label, then the fine one.
Bytes cifar100_labels(std::size_t n) {
    return {static_cast<std::uint8_t>((7 * n) % 20), static_cast<std::uint8_t>((37 * n + 5) % 100)};
}

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// The five training batches with 1, 2, 1, 3 and 1 images (8 in all), numbered on across
// the files, and a test batch of 3.
void write_small_cifar10(const fs::path& folder) {
    const std::array<std::size_t, 5> counts{1, 2, 1, 3, 1};
    std::size_t first = 0;
    for (std::size_t b = 0; b < counts.size(); ++b) {
        write_bytes(folder / ("data_batch_" + std::to_string(b + 1) + ".bin"),
                    cifar_bytes(
                        counts[b], [&](std::size_t n) { return cifar10_label(first + n); }, first));
        first += counts[b];
    }
    write_bytes(folder / "test_batch.bin", cifar_bytes(3, cifar10_label));
}

}  // namespace

TEST_CASE("CIFAR-10 records become NHWC images with their labels", "[cifar]") {
    TempDir dir;
    write_small_cifar10(dir.path());
    const ImageSet test = load_cifar10(dir.path(), Split::test);
    REQUIRE(test.images.shape() == std::array<std::size_t, 4>{3, 32, 32, 3});
    CHECK(misplaced_pixels(test.images) == 0);  // the R, G, B planes, each row-major
    CHECK(test.labels == xt::xtensor<std::int32_t, 1>{1, 4, 7});
    CHECK(test.class_names == cifar10_class_names());
    CHECK(test.coarse_labels.size() == 0);

    // The training batches in order 1 … 5, one set.
    const ImageSet train = load_cifar10(dir.path(), Split::train);
    REQUIRE(train.images.shape() == std::array<std::size_t, 4>{8, 32, 32, 3});
    CHECK(misplaced_pixels(train.images) == 0);
    CHECK(train.labels == xt::xtensor<std::int32_t, 1>{1, 4, 7, 0, 3, 6, 9, 2});
}

TEST_CASE("CIFAR-10 takes class names from batches.meta.txt and accepts the unpacked folder", "[cifar]") {
    TempDir dir;
    const fs::path folder = dir / "cifar-10-batches-bin";
    fs::create_directory(folder);
    write_small_cifar10(folder);
    write_text(folder / "batches.meta.txt", "a0\nb1\r\nc2\n  d3  \ne4\nf5\ng6\nh7\ni8\nj9\n\n");
    const ImageSet set = load_cifar10(dir.path(), Split::test);  // the folder holding it
    CHECK(set.size() == 3);
    CHECK(set.class_names == std::vector<std::string>{"a0", "b1", "c2", "d3", "e4", "f5", "g6", "h7", "i8", "j9"});
    CHECK(load_cifar10(folder, Split::test).class_names == set.class_names);

    write_text(folder / "batches.meta.txt", "one\ntwo\n");
    REQUIRE_THROWS_WITH(load_cifar10(folder, Split::test), Contains((folder / "batches.meta.txt").string()) &&
                                                               Contains("expected 10 class names") &&
                                                               Contains("found 2"));
}

TEST_CASE("CIFAR-100 records carry coarse and fine labels", "[cifar]") {
    TempDir dir;
    write_bytes(dir / "train.bin", cifar_bytes(4, cifar100_labels));
    write_bytes(dir / "test.bin", cifar_bytes(2, cifar100_labels));
    const ImageSet train = load_cifar100(dir.path(), Split::train);
    REQUIRE(train.images.shape() == std::array<std::size_t, 4>{4, 32, 32, 3});
    CHECK(misplaced_pixels(train.images) == 0);
    CHECK(train.labels == xt::xtensor<std::int32_t, 1>{5, 42, 79, 16});
    CHECK(train.coarse_labels == xt::xtensor<std::int32_t, 1>{0, 7, 14, 1});
    CHECK(load_cifar100(dir.path(), Split::test).size() == 2);

    // The standard names: 100 fine classes in alphabetical order (as in the official
    // fine_label_names.txt), 20 superclasses.
    REQUIRE(train.class_names.size() == 100);
    CHECK(std::is_sorted(train.class_names.begin(), train.class_names.end()));
    CHECK(std::set<std::string>(train.class_names.begin(), train.class_names.end()).size() == 100);
    CHECK(train.class_names[42] == "leopard");
    REQUIRE(train.coarse_class_names.size() == 20);
    CHECK(train.coarse_class_names[14] == "people");

    std::string fine;
    for (int i = 0; i < 100; ++i) fine += "fine" + std::to_string(i) + "\n";
    write_text(dir / "fine_label_names.txt", fine);
    const ImageSet named = load_cifar100(dir.path(), Split::train);
    CHECK(named.class_names[42] == "fine42");
    CHECK(named.coarse_class_names[14] == "people");
}

TEST_CASE("CIFAR loaders reject missing batches, partial records and bad labels", "[cifar]") {
    TempDir dir;
    write_small_cifar10(dir.path());
    const fs::path test_batch = dir / "test_batch.bin";
    const Bytes good = cifar_bytes(3, cifar10_label);  // 3 × 3073 = 9219 bytes

    SECTION("a missing training batch") {
        fs::remove(dir / "data_batch_3.bin");
        REQUIRE_THROWS_WITH(load_cifar10(dir.path(), Split::train),
                            Contains((dir / "data_batch_3.bin").string()) && Contains("no such file"));
    }
    SECTION("a partial record at the end") {
        write_bytes(test_batch, std::span(good).first(9000));
        REQUIRE_THROWS_WITH(load_cifar10(dir.path(), Split::test),
                            Contains(test_batch.string()) && Contains("whole number of 3073-byte records") &&
                                Contains("found 9000 bytes = 2 records + 2854 bytes"));
    }
    SECTION("an empty file") {
        write_bytes(test_batch, Bytes{});
        REQUIRE_THROWS_WITH(load_cifar10(dir.path(), Split::test),
                            Contains(test_batch.string()) && Contains("found 0 bytes"));
    }
    SECTION("a CIFAR-100 file read as CIFAR-10: record sizes differ") {
        write_bytes(test_batch, cifar_bytes(3, cifar100_labels));
        REQUIRE_THROWS_WITH(load_cifar10(dir.path(), Split::test), Contains("found 9222 bytes = 3 records + 3 bytes"));
    }
    SECTION("a label outside 0-9") {
        Bytes bad = good;
        bad[3073] = 10;  // record 1
        write_bytes(test_batch, bad);
        REQUIRE_THROWS_WITH(load_cifar10(dir.path(), Split::test),
                            Contains(test_batch.string() + ": record 1 (at byte 3073) has label 10, expected 0 to 9"));
    }
    SECTION("CIFAR-100 fine and coarse labels out of range") {
        Bytes bad = cifar_bytes(2, cifar100_labels);
        bad[3074 + 1] = 100;  // record 1, fine label
        write_bytes(dir / "test.bin", bad);
        REQUIRE_THROWS_WITH(load_cifar100(dir.path(), Split::test),
                            Contains("record 1 (at byte 3074) has fine label 100, expected 0 to 99"));
        bad = cifar_bytes(2, cifar100_labels);
        bad[0] = 20;  // record 0, coarse label
        write_bytes(dir / "test.bin", bad);
        REQUIRE_THROWS_WITH(load_cifar100(dir.path(), Split::test),
                            Contains((dir / "test.bin").string()) &&
                                Contains("record 0 (at byte 0) has coarse label 20, expected 0 to 19"));
    }
}
