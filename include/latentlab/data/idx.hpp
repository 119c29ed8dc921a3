#pragma once
// IDX files, the format of MNIST and Fashion-MNIST: a big-endian magic number
// 0x0000TTDD (TT the element type, DD the number of dimensions), DD big-endian 32-bit
// extents, then the elements in row-major order. Images are 0x00000803 (unsigned bytes,
// N×rows×columns), labels 0x00000801 (unsigned bytes, N).
//
// Plain and gzip files are read alike (gzip is recognised by its magic, not by the
// name). The file must hold exactly what its header promises: a short file or bytes after
// the data are an Error naming the file and both byte counts, never a partial result.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/core/error.hpp"
#include "latentlab/data/binary_file.hpp"
#include "latentlab/data/image_set.hpp"

namespace latentlab::data {

namespace idx_detail {

inline constexpr std::uint8_t unsigned_byte = 0x08;

inline std::string type_name(std::uint8_t code) {
    switch (code) {
        case 0x08: return "unsigned byte";
        case 0x09: return "signed byte";
        case 0x0B: return "int16";
        case 0x0C: return "int32";
        case 0x0D: return "float32";
        case 0x0E: return "float64";
        default: return "not an IDX type";
    }
}

inline std::string hex(std::uint32_t value, int digits) {
    std::array<char, 11> text{};
    std::snprintf(text.data(), text.size(), "0x%0*x", digits, static_cast<unsigned>(value));
    return text.data();
}

inline std::uint32_t big_endian_u32(const std::uint8_t* bytes) {
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
           std::uint32_t{bytes[3]};
}

struct Checked {
    std::vector<std::size_t> extents;
    std::span<const std::uint8_t> elements;
};

// The extents and elements of an unsigned-byte IDX file of `rank` dimensions whose
// contents are `contents`, after checking the header and the size against each other.
// `what` names the expected kind of file for messages ("images: N×rows×columns").
inline Checked checked_contents(const FileContents& contents, const std::string& file, std::size_t rank,
                                const char* what) {
    const std::span<const std::uint8_t> bytes = contents.bytes;
    const char* found_bytes = contents.decompressed ? " bytes (decompressed)" : " bytes";
    const std::uint32_t expected_magic = (std::uint32_t{unsigned_byte} << 8) | static_cast<std::uint32_t>(rank);
    require(bytes.size() >= 4, file, ": truncated: an IDX file starts with a 4-byte magic number, found ", bytes.size(),
            found_bytes);
    const std::uint32_t magic = big_endian_u32(bytes.data());
    require(bytes[0] == 0 && bytes[1] == 0, file, ": not an IDX file (bad magic: expected ", hex(expected_magic, 8),
            " for ", what, ", found ", hex(magic, 8), ")");
    require(bytes[2] == unsigned_byte, file, ": unsupported IDX element type ", hex(bytes[2], 2), " (",
            type_name(bytes[2]), "): expected 0x08 (unsigned byte), magic ", hex(expected_magic, 8), " for ", what,
            ", found ", hex(magic, 8));
    require(bytes[3] == rank, file, ": expected an IDX file of ", rank, " dimensions (", what, "), found ",
            int{bytes[3]}, " dimensions (magic ", hex(magic, 8), ", expected ", hex(expected_magic, 8), ")");
    const std::size_t header_size = 4 + 4 * rank;
    require(bytes.size() >= header_size, file, ": truncated: the IDX header of ", rank, " dimensions has ", header_size,
            " bytes, found ", bytes.size(), found_bytes);

    std::vector<std::size_t> extents(rank);
    std::string shape_text;
    std::size_t elements = 1;
    bool too_large = false;
    for (std::size_t d = 0; d < rank; ++d) {
        extents[d] = big_endian_u32(bytes.data() + 4 + 4 * d);
        shape_text += (d ? "×" : "") + std::to_string(extents[d]);
        too_large = too_large || (extents[d] != 0 && elements > std::numeric_limits<std::size_t>::max() / extents[d]);
        elements *= extents[d];
    }
    too_large = too_large || elements > std::numeric_limits<std::size_t>::max() - header_size;
    if (too_large || elements + header_size != bytes.size()) {
        const bool short_file = too_large || bytes.size() < elements + header_size;
        fail(file, short_file ? ": truncated: " : ": trailing bytes: ", "header says ", shape_text,
             " unsigned bytes, so the file should ", contents.decompressed ? "decompress to " : "have ",
             too_large ? std::string("more than 2^64") : std::to_string(elements + header_size), " bytes, found ",
             bytes.size(), found_bytes);
    }
    return {extents, bytes.subspan(header_size)};
}

}  // namespace idx_detail

// An IDX image file (magic 0x00000803) as N×rows×columns×1 bytes.
inline xt::xtensor<std::uint8_t, 4> read_idx_images(const std::filesystem::path& path) {
    const std::string file = path.string();
    const FileContents contents = read_file_contents(path);
    const auto [extents, elements] = idx_detail::checked_contents(contents, file, 3, "images: N×rows×columns");
    auto images = xt::xtensor<std::uint8_t, 4>::from_shape({extents[0], extents[1], extents[2], 1});
    std::copy(elements.begin(), elements.end(), images.begin());
    return images;
}

// An IDX label file (magic 0x00000801) as N label values.
inline xt::xtensor<std::int32_t, 1> read_idx_labels(const std::filesystem::path& path) {
    const std::string file = path.string();
    const FileContents contents = read_file_contents(path);
    const auto [extents, elements] = idx_detail::checked_contents(contents, file, 1, "labels: N");
    auto labels = xt::xtensor<std::int32_t, 1>::from_shape({extents[0]});
    std::copy(elements.begin(), elements.end(), labels.begin());
    return labels;
}

namespace idx_detail {

// The train or test part of an MNIST-like dataset in `dir`, in the official file names,
// gzipped or not.
inline ImageSet load_dataset(const std::filesystem::path& dir, Split split, const char* dataset,
                             std::vector<std::string> class_names) {
    const std::string prefix = split == Split::train ? "train" : "t10k";
    const std::string part = std::string(dataset) + " " + split_name(split);
    const std::string images_name = prefix + "-images-idx3-ubyte", labels_name = prefix + "-labels-idx1-ubyte";
    const auto images_path = find_dataset_file(dir, {images_name + ".gz", images_name}, part + " images");
    const auto labels_path = find_dataset_file(dir, {labels_name + ".gz", labels_name}, part + " labels");
    ImageSet set{read_idx_images(images_path), read_idx_labels(labels_path), std::move(class_names), {}, {}};
    require(set.labels.size() == set.size(), labels_path.string(), ": ", set.labels.size(), " labels for ", set.size(),
            " images in ", images_path.string());
    const auto classes = static_cast<std::int32_t>(set.class_names.size());
    for (std::size_t i = 0; i < set.labels.size(); ++i) {
        require(set.labels(i) < classes, labels_path.string(), ": label ", set.labels(i), " at index ", i,
                ": expected 0 to ", classes - 1);
    }
    return set;
}

}  // namespace idx_detail

// Where Debian's dataset-fashion-mnist package puts the files.
inline constexpr const char* fashion_mnist_debian_dir = "/usr/share/datasets/fashion-mnist";

inline const std::vector<std::string>& fashion_mnist_class_names() {
    static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

// Fashion-MNIST from `dir` holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]:
// 60,000 training or 10,000 test images of 28×28×1 with labels 0–9.
inline ImageSet load_fashion_mnist(const std::filesystem::path& dir, Split split) {
    return idx_detail::load_dataset(dir, split, "Fashion-MNIST", fashion_mnist_class_names());
}

// The original MNIST digits, same files and layout; class names "0" to "9".
inline ImageSet load_mnist(const std::filesystem::path& dir, Split split) {
    return idx_detail::load_dataset(dir, split, "MNIST", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
}

}  // namespace latentlab::data
