#pragma once
// Test support for the dataset readers: a scratch folder, and files in the official
// layouts (IDX, CIFAR-10/100, STL-10) built byte by byte from the format descriptions,
// whose pixels are a known function of (image, row, column, channel).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <zlib.h>

namespace latentlab::testing {

using Bytes = std::vector<std::uint8_t>;

// A fresh folder under the temp directory, removed with everything in it at the end.
class TempDir {
public:
    TempDir() {
        static std::atomic<unsigned> counter{0};
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path_ = std::filesystem::temp_directory_path() /
                ("latentlab_data_" + std::to_string(stamp) + "_" + std::to_string(std::random_device{}()) + "_" +
                 std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

inline void write_bytes(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
}

inline Bytes read_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `bytes` as one gzip member (the format of gzip(1) and of the MNIST downloads).
inline Bytes gzip_bytes(std::span<const std::uint8_t> bytes) {
    z_stream stream{};
    REQUIRE(deflateInit2(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    Bytes out(deflateBound(&stream, static_cast<uLong>(bytes.size())));
    stream.next_in = const_cast<Bytef*>(bytes.data());
    stream.avail_in = static_cast<uInt>(bytes.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

// The value of image n at (row, column, channel) in every test file: distinct coefficients,
// so a transposed, channel-swapped or shifted reading lands on other values.
inline std::uint8_t test_pixel(std::size_t n, std::size_t row, std::size_t column, std::size_t channel) {
    return static_cast<std::uint8_t>((n * 53 + row * 7 + column * 3 + channel * 85 + row * column) & 0xFF);
}

inline void append_big_endian(Bytes& bytes, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(value >> shift));
}

// An IDX file of unsigned bytes: magic 0x000008DD, the extents, then `elements`.
inline Bytes idx_bytes(const std::vector<std::uint32_t>& extents, std::span<const std::uint8_t> elements) {
    Bytes bytes{0, 0, 0x08, static_cast<std::uint8_t>(extents.size())};
    for (std::uint32_t extent : extents) append_big_endian(bytes, extent);
    bytes.insert(bytes.end(), elements.begin(), elements.end());
    return bytes;
}

// N×rows×columns images with test_pixel values (channel 0), as an IDX file.
inline Bytes idx_image_bytes(std::uint32_t count, std::uint32_t rows, std::uint32_t columns) {
    Bytes elements;
    for (std::size_t n = 0; n < count; ++n)
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < columns; ++c) elements.push_back(test_pixel(n, r, c, 0));
    return idx_bytes({count, rows, columns}, elements);
}

inline Bytes idx_label_bytes(const Bytes& labels) {
    return idx_bytes({static_cast<std::uint32_t>(labels.size())}, labels);
}

// CIFAR records: per image the label bytes `labels_of(n)` (one for CIFAR-10; coarse then
// fine for CIFAR-100), then the R, G and B planes of 32×32, each row-major.
template <class Labels>
Bytes cifar_bytes(std::size_t count, Labels labels_of, std::size_t first_image = 0) {
    Bytes bytes;
    for (std::size_t n = 0; n < count; ++n) {
        const Bytes labels = labels_of(n);
        bytes.insert(bytes.end(), labels.begin(), labels.end());
        for (std::size_t channel = 0; channel < 3; ++channel)
            for (std::size_t row = 0; row < 32; ++row)
                for (std::size_t column = 0; column < 32; ++column)
                    bytes.push_back(test_pixel(first_image + n, row, column, channel));
    }
    return bytes;
}

// STL-10 images: per image, per channel, the 96×96 plane column-major (column by column,
// each column top to bottom).
inline Bytes stl10_image_bytes(std::size_t count) {
    Bytes bytes;
    bytes.reserve(count * 3 * 96 * 96);
    for (std::size_t n = 0; n < count; ++n)
        for (std::size_t channel = 0; channel < 3; ++channel)
            for (std::size_t column = 0; column < 96; ++column)
                for (std::size_t row = 0; row < 96; ++row) bytes.push_back(test_pixel(n, row, column, channel));
    return bytes;
}

// How many pixels of NHWC `images` (starting at image `first`) differ from test_pixel.
template <class Images>
std::size_t misplaced_pixels(const Images& images, std::size_t first = 0) {
    std::size_t wrong = 0;
    const auto& shape = images.shape();
    for (std::size_t n = 0; n < shape[0]; ++n)
        for (std::size_t row = 0; row < shape[1]; ++row)
            for (std::size_t column = 0; column < shape[2]; ++column)
                for (std::size_t channel = 0; channel < shape[3]; ++channel)
                    wrong += images(n, row, column, channel) != test_pixel(first + n, row, column, channel);
    return wrong;
}

}  // namespace latentlab::testing
