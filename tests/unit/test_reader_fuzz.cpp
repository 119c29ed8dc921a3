// Fuzz-style robustness of every file reader: random byte strings and damaged versions of
// valid files (truncated, bits flipped, bytes overwritten, bytes appended), from fixed
// seeds. A reader must either throw latentlab::Error or return exactly what the bytes
// say; for the dataset formats a small independent decoder below says what that is (and
// whether the bytes are valid at all, so that a reader rejecting a good file fails too).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "dataset_files.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/data/cifar.hpp"
#include "latentlab/data/idx.hpp"
#include "latentlab/data/npy.hpp"
#include "latentlab/data/stl10.hpp"

namespace fs = std::filesystem;
using namespace latentlab::data;
using latentlab::Rng;
using latentlab::testing::Bytes;
using latentlab::testing::cifar_bytes;
using latentlab::testing::gzip_bytes;
using latentlab::testing::idx_bytes;
using latentlab::testing::idx_image_bytes;
using latentlab::testing::stl10_image_bytes;
using latentlab::testing::TempDir;
using latentlab::testing::write_bytes;

namespace {

constexpr std::size_t cases_per_source = 150;  // random strings, and mutations of valid files

std::size_t pick(Rng& rng, std::size_t low, std::size_t high) {
    return static_cast<std::size_t>(rng.uniform_int(static_cast<std::int64_t>(low), static_cast<std::int64_t>(high)));
}

Bytes random_bytes(Rng& rng, std::size_t size) {
    Bytes bytes(size);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.next_u32());
    return bytes;
}

// A random position, half of the time inside the first `header` bytes where the
// interesting fields are.
std::size_t position(Rng& rng, std::size_t size, std::size_t header) {
    return rng.uniform() < 0.5 ? pick(rng, 0, std::min(header, size) - 1) : pick(rng, 0, size - 1);
}

// Damaged copies of `valid`: truncated, 1–4 bits flipped, 1–4 bytes overwritten, or
// 1–8 bytes appended.
std::vector<Bytes> mutations(const Bytes& valid, std::size_t header, Rng& rng) {
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < cases_per_source; ++i) {
        Bytes bytes = valid;
        switch (i % 4) {
            case 0: bytes.resize(i < 4 ? 0 : pick(rng, 0, valid.size() - 1)); break;
            case 1:
                for (std::size_t k = pick(rng, 1, 4); k > 0; --k)
                    bytes[position(rng, bytes.size(), header)] ^= static_cast<std::uint8_t>(1u << pick(rng, 0, 7));
                break;
            case 2:
                for (std::size_t k = pick(rng, 1, 4); k > 0; --k)
                    bytes[position(rng, bytes.size(), header)] = static_cast<std::uint8_t>(rng.next_u32());
                break;
            default: {
                const Bytes extra = random_bytes(rng, pick(rng, 1, 8));
                bytes.insert(bytes.end(), extra.begin(), extra.end());
            }
        }
        out.push_back(std::move(bytes));
    }
    return out;
}

// Random strings of up to `max_size` bytes, a third of them starting with `prefix` (a
// format's magic) so that the reader gets past its first check.
std::vector<Bytes> random_strings(const Bytes& prefix, std::size_t max_size, Rng& rng) {
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < cases_per_source; ++i) {
        Bytes bytes = random_bytes(rng, pick(rng, 0, max_size));
        if (i % 3 == 0) std::copy_n(prefix.begin(), std::min(prefix.size(), bytes.size()), bytes.begin());
        out.push_back(std::move(bytes));
    }
    return out;
}

// Runs `read` on every input, written to `path`. `check(result, input)`, where result is
// nullopt when the reader threw latentlab::Error, returns "" when that is right for the
// input, else what is wrong. Any other exception fails the test.
struct Outcome {
    std::size_t accepted = 0, rejected = 0;
};

template <class Read, class Check>
Outcome fuzz(const std::string& reader, const fs::path& path, const std::vector<Bytes>& inputs, Read read,
             Check check) {
    Outcome outcome;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        write_bytes(path, inputs[i]);
        std::optional<std::decay_t<decltype(read(path))>> result;
        std::string problem;
        try {
            result = read(path);
        } catch (const latentlab::Error&) {
        } catch (const std::exception& e) {
            problem = std::string("threw a non-latentlab exception: ") + e.what();
        } catch (...) {
            problem = "threw something that is not a std::exception";
        }
        if (problem.empty()) problem = check(result, inputs[i]);
        ++(result ? outcome.accepted : outcome.rejected);
        if (!problem.empty()) {
            INFO(reader << ", input " << i << " of " << inputs.size() << " (" << inputs[i].size()
                        << " bytes): " << problem);
            FAIL_CHECK();
        }
    }
    return outcome;
}

// ---- Independent decoders: what a correct reader returns, or nullopt for invalid bytes.

std::uint32_t big_endian(const Bytes& b, std::size_t at) {
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) |
           b[at + 3];
}

struct Decoded {
    std::vector<std::size_t> shape;
    Bytes values;  // images in NHWC order, or labels
    std::vector<std::int32_t> labels;
};

std::optional<Decoded> decode_idx(const Bytes& b, std::size_t rank) {
    const std::size_t header = 4 + 4 * rank;
    if (b.size() < header || b[0] != 0 || b[1] != 0 || b[2] != 0x08 || b[3] != rank) return std::nullopt;
    Decoded d;
    latentlab::uint128 count = 1;
    for (std::size_t k = 0; k < rank; ++k) {
        d.shape.push_back(big_endian(b, 4 + 4 * k));
        count *= d.shape.back();
    }
    if (count != b.size() - header) return std::nullopt;
    if (rank == 3) d.shape.push_back(1);  // images come as N×rows×columns×1
    d.values.assign(b.begin() + static_cast<std::ptrdiff_t>(header), b.end());
    return d;
}

// Records of `label_bytes` label bytes (each below the matching entry of `classes`) and a
// 32×32 planar image.
std::optional<Decoded> decode_cifar(const Bytes& b, const std::vector<std::size_t>& classes) {
    const std::size_t record = classes.size() + 3072;
    if (b.empty() || b.size() % record != 0) return std::nullopt;
    Decoded d;
    const std::size_t n = b.size() / record;
    d.shape = {n, 32, 32, 3};
    for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t f = 0; f < classes.size(); ++f)
            if (b[r * record + f] >= classes[f]) return std::nullopt;
        d.labels.push_back(b[r * record + classes.size() - 1]);  // CIFAR-100: the fine label is second
        for (std::size_t y = 0; y < 32; ++y)
            for (std::size_t x = 0; x < 32; ++x)
                for (std::size_t c = 0; c < 3; ++c)
                    d.values.push_back(b[r * record + classes.size() + c * 1024 + y * 32 + x]);
    }
    return d;
}

std::optional<Decoded> decode_stl10(const Bytes& b) {
    constexpr std::size_t record = 3 * 96 * 96;
    if (b.empty() || b.size() % record != 0) return std::nullopt;
    Decoded d;
    const std::size_t n = b.size() / record;
    d.shape = {n, 96, 96, 3};
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t y = 0; y < 96; ++y)
            for (std::size_t x = 0; x < 96; ++x)
                for (std::size_t c = 0; c < 3; ++c) d.values.push_back(b[r * record + c * 9216 + x * 96 + y]);
    return d;
}

// "" when `result` (nullopt: the reader threw) is what `expected` says.
template <class Images>
std::string compare(const std::optional<Images>& result, const std::optional<Decoded>& expected) {
    if (!result && !expected) return "";
    if (!result) return "rejected a valid file";
    if (!expected) return "accepted an invalid file";
    const std::vector<std::size_t> shape(result->shape().begin(), result->shape().end());
    if (shape != expected->shape) return "wrong shape";
    if (!std::equal(result->begin(), result->end(), expected->values.begin())) return "wrong values";
    return "";
}

}  // namespace

TEST_CASE("fuzz: IDX plain and gzip readers reject bad bytes with Error and read good ones exactly", "[fuzz][idx]") {
    TempDir dir;
    const fs::path path = dir / "fuzz-idx3-ubyte";
    Rng rng(101);
    const Bytes valid = idx_image_bytes(3, 4, 5);  // 76 bytes
    const auto read_images = [](const fs::path& p) { return read_idx_images(p); };
    const auto read_labels = [](const fs::path& p) { return read_idx_labels(p); };

    // Headers with the right magic and random (sometimes huge) extents, data of random length.
    std::vector<Bytes> headers;
    for (std::size_t i = 0; i < cases_per_source; ++i) {
        const auto extent = [&] {
            return static_cast<std::uint32_t>(rng.uniform() < 0.9 ? pick(rng, 0, 6) : rng.next_u32());
        };
        const std::vector<std::uint32_t> extents{extent(), extent(), extent()};
        const auto exact = latentlab::uint128{extents[0]} * extents[1] * extents[2];
        const std::size_t size =
            exact <= 300 && rng.uniform() < 0.5 ? static_cast<std::size_t>(exact) : pick(rng, 0, 300);
        headers.push_back(idx_bytes(extents, random_bytes(rng, size)));
    }

    std::vector<Bytes> plain = mutations(valid, 16, rng);
    const auto strings = random_strings({0, 0, 8, 3}, 200, rng);
    plain.insert(plain.end(), strings.begin(), strings.end());
    plain.insert(plain.end(), headers.begin(), headers.end());
    const auto as_images = [](const auto& result, const Bytes& input) { return compare(result, decode_idx(input, 3)); };
    const Outcome images = fuzz("read_idx_images", path, plain, read_images, as_images);
    CHECK(images.accepted > 20);
    CHECK(images.rejected > 200);
    std::vector<Bytes> labels = mutations(idx_bytes({10}, random_bytes(rng, 10)), 8, rng);
    const auto label_strings = random_strings({0, 0, 8, 1}, 40, rng);
    labels.insert(labels.end(), label_strings.begin(), label_strings.end());
    const Outcome label_outcome =
        fuzz("read_idx_labels", path, labels, read_labels,
             [](const auto& result, const Bytes& input) { return compare(result, decode_idx(input, 1)); });
    CHECK(label_outcome.accepted > 5);

    // gzip: the same plain inputs compressed (valid exactly when the plain bytes are),
    // then damaged gzip files (valid only when the damage misses the compressed data
    // and its CRC, e.g. the header's time stamp; then they hold the original bytes).
    std::vector<Bytes> compressed;
    for (std::size_t i = 0; i < plain.size(); i += 3) compressed.push_back(gzip_bytes(plain[i]));
    std::size_t next = 0;
    fuzz("read_idx_images (gzip)", path, compressed, read_images,
         [&](const auto& result, const Bytes&) { return compare(result, decode_idx(plain[3 * next++], 3)); });
    const Outcome damaged = fuzz("read_idx_images (damaged gzip)", path, mutations(gzip_bytes(valid), 10, rng),
                                 read_images, [&](const auto& result, const Bytes&) {
                                     return result ? compare(result, decode_idx(valid, 3)) : std::string();
                                 });
    CHECK(damaged.rejected > 100);
    fuzz("read_idx_images (random after the gzip magic)", path, random_strings({0x1F, 0x8B, 8, 0}, 300, rng),
         read_images,
         [](const auto& result, const Bytes&) { return std::string(result ? "accepted random bytes" : ""); });
}

TEST_CASE("fuzz: CIFAR-10 and CIFAR-100 loaders", "[fuzz][cifar]") {
    TempDir dir;
    Rng rng(202);
    const auto images_and_labels = [](const std::optional<ImageSet>& set, const std::optional<Decoded>& expected) {
        std::string problem = compare(set ? std::optional(set->images) : std::nullopt, expected);
        if (problem.empty() && set &&
            !std::equal(set->labels.begin(), set->labels.end(), expected->labels.begin(), expected->labels.end()))
            problem = "wrong labels";
        return problem;
    };

    const auto label10 = [](std::size_t n) { return Bytes{static_cast<std::uint8_t>(n % 10)}; };
    std::vector<Bytes> inputs = mutations(cifar_bytes(2, label10), 8, rng);
    for (std::size_t i = 0; i < cases_per_source; ++i) {  // random records, labels mostly in range
        Bytes bytes = random_bytes(rng, pick(rng, 1, 3) * 3073 + (i % 2 ? 0 : pick(rng, 0, 4000)));
        for (std::size_t r = 0; r < bytes.size(); r += 3073) bytes[r] = static_cast<std::uint8_t>(pick(rng, 0, 10));
        inputs.push_back(std::move(bytes));
    }
    fuzz(
        "load_cifar10", dir / "test_batch.bin", inputs,
        [&](const fs::path&) { return load_cifar10(dir.path(), Split::test); },
        [&](const std::optional<ImageSet>& set, const Bytes& input) {
            return images_and_labels(set, decode_cifar(input, {10}));
        });

    const auto labels100 = [](std::size_t n) {
        return Bytes{static_cast<std::uint8_t>(n % 20), static_cast<std::uint8_t>(n % 100)};
    };
    std::vector<Bytes> inputs100 = mutations(cifar_bytes(2, labels100), 8, rng);
    for (std::size_t i = 0; i < cases_per_source; ++i) {
        Bytes bytes = random_bytes(rng, pick(rng, 1, 3) * 3074);
        for (std::size_t r = 0; r < bytes.size(); r += 3074) {
            bytes[r] = static_cast<std::uint8_t>(pick(rng, 0, 20));
            bytes[r + 1] = static_cast<std::uint8_t>(pick(rng, 0, 100));
        }
        inputs100.push_back(std::move(bytes));
    }
    const Outcome outcome = fuzz(
        "load_cifar100", dir / "test.bin", inputs100,
        [&](const fs::path&) { return load_cifar100(dir.path(), Split::test); },
        [&](const std::optional<ImageSet>& set, const Bytes& input) {
            std::string problem = images_and_labels(set, decode_cifar(input, {20, 100}));
            if (problem.empty() && set &&
                !std::equal(set->coarse_labels.begin(), set->coarse_labels.end(), input.begin(),
                            [](std::int32_t label, std::uint8_t) { return label < 20; }))
                problem = "coarse label out of range";
            return problem;
        });
    CHECK(outcome.accepted > 10);
    CHECK(outcome.rejected > 10);

    // Class-name files: 10 names or an Error.
    write_bytes(dir / "test_batch.bin", cifar_bytes(1, label10));
    std::vector<Bytes> texts = random_strings({}, 120, rng);
    for (auto& text : texts)
        for (auto& c : text) c = rng.uniform() < 0.2 ? '\n' : c;
    fuzz(
        "load_cifar10 (batches.meta.txt)", dir / "batches.meta.txt", texts,
        [&](const fs::path&) { return load_cifar10(dir.path(), Split::test); },
        [](const std::optional<ImageSet>& set, const Bytes&) {
            return std::string(!set || set->class_names.size() == 10 ? "" : "not 10 class names");
        });
}

TEST_CASE("fuzz: STL-10 reader and loader", "[fuzz][stl10]") {
    TempDir dir;
    Rng rng(303);
    constexpr std::size_t record = 3 * 96 * 96;
    std::vector<Bytes> inputs;
    for (std::size_t i = 0; i < cases_per_source / 3; ++i)  // whole records, or not
        inputs.push_back(random_bytes(rng, pick(rng, 0, 2) * record + (i % 2 ? 0 : pick(rng, 0, record))));
    const Bytes valid = stl10_image_bytes(1);
    for (std::size_t i = 0; i < cases_per_source / 3; ++i) {
        Bytes bytes = valid;
        bytes.resize(i % 2 ? pick(rng, 0, record - 1) : record + pick(rng, 1, record));
        inputs.push_back(std::move(bytes));
    }
    fuzz(
        "Stl10Reader", dir / "unlabeled_X.bin", inputs,
        [](const fs::path& p) {
            Stl10Reader reader(p);
            return reader.read(0, reader.size());
        },
        [](const auto& images, const Bytes& input) { return compare(images, decode_stl10(input)); });

    // Labels: one byte per image, 1 to 10.
    write_bytes(dir / "train_X.bin", stl10_image_bytes(2));
    std::vector<Bytes> labels = random_strings({}, 4, rng);
    for (std::size_t i = 0; i < cases_per_source; ++i)
        labels.push_back({static_cast<std::uint8_t>(pick(rng, 0, 11)), static_cast<std::uint8_t>(pick(rng, 1, 10))});
    const Outcome outcome = fuzz(
        "load_stl10 (labels)", dir / "train_y.bin", labels,
        [&](const fs::path&) { return load_stl10(dir.path(), Split::train, {.resize_to = 32}); },
        [](const std::optional<ImageSet>& set, const Bytes& input) -> std::string {
            const bool valid = input.size() == 2 && std::all_of(input.begin(), input.end(),
                                                                [](std::uint8_t l) { return l >= 1 && l <= 10; });
            if (!set) return valid ? "rejected valid labels" : "";
            if (!valid) return "accepted invalid labels";
            if (set->images.shape()[1] != 32 || set->labels(0) != input[0] - 1 || set->labels(1) != input[1] - 1)
                return "wrong result";
            return "";
        });
    CHECK(outcome.accepted > 10);
    CHECK(outcome.rejected > 10);
}

TEST_CASE("fuzz: load_npy", "[fuzz][npy]") {
    TempDir dir;
    const fs::path path = dir / "fuzz.npy";
    Rng rng(404);
    std::vector<Bytes> inputs;
    for (const auto& [dict, data_bytes] : std::vector<std::pair<std::string, std::size_t>>{
             {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24},
             {"{'descr': '>i8', 'fortran_order': True, 'shape': (3, 2), }", 48},
             {"{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }", 5},
             {"{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8}}) {
        std::string header = dict;
        while ((10 + header.size() + 1) % 64 != 0) header += ' ';
        header += '\n';
        Bytes valid{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<std::uint8_t>(header.size()), 0};
        valid.insert(valid.end(), header.begin(), header.end());
        const Bytes data = random_bytes(rng, data_bytes);
        valid.insert(valid.end(), data.begin(), data.end());
        const auto damaged = mutations(valid, valid.size() - data_bytes, rng);
        inputs.push_back(valid);
        inputs.insert(inputs.end(), damaged.begin(), damaged.begin() + cases_per_source / 2);
    }
    const auto strings = random_strings({0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, 200, rng);
    inputs.insert(inputs.end(), strings.begin(), strings.end());
    const Outcome outcome = fuzz(
        "load_npy", path, inputs, [](const fs::path& p) { return latentlab::load_npy<double>(p); },
        [](const auto& array, const Bytes& input) {
            // Every value comes from at least one byte of the file.
            return std::string(!array || array->size() <= input.size() ? "" : "more values than bytes");
        });
    CHECK(outcome.accepted >= 4);  // at least the four undamaged files
    CHECK(outcome.rejected > 200);
}
