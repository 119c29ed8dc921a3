#pragma once
// STL-10 in its official binary version (stl10_binary/): *_X.bin hold 96×96 colour images
// of 27,648 bytes each, stored channel-planar and column-major (for every image, for
// every channel R, G, B, the 96×96 plane column by column; numpy's reading is
// reshape(-1, 3, 96, 96).transpose(0, 3, 2, 1) for N×H×W×C); *_y.bin hold one label byte
// per image, 1 to 10, which become 0 to 9.
//
// unlabeled_X.bin is 2.7 GB, so images are read through Stl10Reader, which seeks to the
// requested records and reads only those, a few dozen at a time, optionally shrinking them
// (e.g. to 32×32, as in E4) on the way.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/core/error.hpp"
#include "latentlab/data/binary_file.hpp"
#include "latentlab/data/image_set.hpp"
#include "latentlab/data/resize.hpp"

namespace latentlab::data {

struct Stl10Options {
    std::size_t resize_to = 0;  // 0 keeps 96×96; 1 to 96 gives resize_to×resize_to (E4: 32)
    ResizeMethod method = ResizeMethod::area;
};

class Stl10Reader {
public:
    static constexpr std::size_t side = 96;
    static constexpr std::size_t plane = side * side;
    static constexpr std::size_t image_bytes = 3 * plane;

    explicit Stl10Reader(const std::filesystem::path& path, Stl10Options options = {}) : file_(path.string()) {
        require(options.resize_to <= side,
                "Stl10Options.resize_to: expected 0 (keep 96×96) or a side from 1 to 96, found ", options.resize_to,
                " (reading ", file_, ")");
        const auto bytes = regular_file_size(path);
        require(bytes > 0 && bytes % image_bytes == 0, file_, ": expected a whole number of ", image_bytes,
                "-byte STL-10 images (3×96×96), found ", bytes, " bytes = ", bytes / image_bytes, " images + ",
                bytes % image_bytes, " bytes");
        size_ = static_cast<std::size_t>(bytes / image_bytes);
        in_.open(path, std::ios::binary);
        require(in_.is_open(), file_, ": cannot open for reading");
        if (options.resize_to != 0 && options.resize_to != side) {
            resampler_.emplace(side, side, options.resize_to, options.resize_to, options.method);
            image_.resize(image_bytes);
        }
    }

    std::size_t size() const { return size_; }
    // The height and width of the images read.
    std::size_t image_side() const { return resampler_ ? resampler_->out_height() : side; }
    std::size_t output_image_bytes() const { return image_side() * image_side() * 3; }
    const std::string& file() const { return file_; }

    // Images first … first + count − 1 as NHWC into `out` (count × side × side × 3 bytes).
    void read(std::size_t first, std::size_t count, std::span<std::uint8_t> out) {
        require(first <= size_ && count <= size_ - first, file_, ": cannot read images ", first, " to ", first + count,
                " (exclusive): the file has ", size_);
        require(out.size() == count * output_image_bytes(), file_, ": output buffer of ", out.size(), " bytes for ",
                count, " images of ", image_side(), "×", image_side(), "×3, expected ", count * output_image_bytes());
        constexpr std::size_t images_per_chunk = 64;
        for (std::size_t done = 0; done < count; done += images_per_chunk) {
            const std::size_t chunk = std::min(images_per_chunk, count - done);
            chunk_.resize(chunk * image_bytes);
            read_exactly(in_, file_, static_cast<std::uint64_t>(first + done) * image_bytes, chunk_.data(),
                         chunk_.size());
            for (std::size_t i = 0; i < chunk; ++i) {
                std::uint8_t* target = out.data() + (done + i) * output_image_bytes();
                const std::uint8_t* record = chunk_.data() + i * image_bytes;
                if (resampler_) {
                    to_nhwc(record, image_.data());
                    resampler_->apply(image_.data(), 3, target);
                } else {
                    to_nhwc(record, target);
                }
            }
        }
    }

    xt::xtensor<std::uint8_t, 4> read(std::size_t first, std::size_t count) {
        auto images = xt::xtensor<std::uint8_t, 4>::from_shape({count, image_side(), image_side(), 3});
        read(first, count, std::span<std::uint8_t>(images.data(), images.size()));
        return images;
    }

private:
    // Channel-planar, column-major → HWC.
    static void to_nhwc(const std::uint8_t* record, std::uint8_t* image) {
        for (std::size_t c = 0; c < 3; ++c)
            for (std::size_t x = 0; x < side; ++x)
                for (std::size_t y = 0; y < side; ++y) image[(y * side + x) * 3 + c] = record[c * plane + x * side + y];
    }

    std::string file_;
    std::ifstream in_;
    std::size_t size_ = 0;
    std::optional<Resampler> resampler_;
    std::vector<std::uint8_t> chunk_;  // records as stored
    std::vector<std::uint8_t> image_;  // one HWC image before resizing
};

inline const std::vector<std::string>& stl10_class_names() {
    static const std::vector<std::string> names{"airplane", "bird",  "car",    "cat",  "deer",
                                                "dog",      "horse", "monkey", "ship", "truck"};
    return names;
}

// The labelled train (5,000) or test (8,000) images of STL-10 in `dir` (stl10_binary, or
// the folder holding it), with labels 0–9 and the names from class_names.txt.
inline ImageSet load_stl10(const std::filesystem::path& dir, Split split, Stl10Options options = {}) {
    const auto folder = dataset_folder(dir, "stl10_binary");
    const std::string prefix = split_name(split);
    Stl10Reader reader(folder / (prefix + "_X.bin"), options);
    const auto labels_path = folder / (prefix + "_y.bin");
    const auto label_bytes = read_file_bytes(labels_path);
    require(label_bytes.size() == reader.size(), labels_path.string(), ": ", label_bytes.size(), " labels for ",
            reader.size(), " images in ", reader.file());
    ImageSet set;
    set.labels = xt::xtensor<std::int32_t, 1>::from_shape({label_bytes.size()});
    for (std::size_t i = 0; i < label_bytes.size(); ++i) {
        require(label_bytes[i] >= 1 && label_bytes[i] <= 10, labels_path.string(), ": label ", int{label_bytes[i]},
                " at index ", i, ": expected 1 to 10 (STL-10 numbers its classes from 1)");
        set.labels(i) = label_bytes[i] - 1;
    }
    set.images = reader.read(0, reader.size());
    set.class_names = read_class_names(folder / "class_names.txt", stl10_class_names());
    return set;
}

// A reader over the 100,000 unlabelled images (unlabeled_X.bin) of STL-10 in `dir`.
inline Stl10Reader open_stl10_unlabeled(const std::filesystem::path& dir, Stl10Options options = {}) {
    return Stl10Reader(dataset_folder(dir, "stl10_binary") / "unlabeled_X.bin", options);
}

}  // namespace latentlab::data
