#pragma once
// CIFAR-10 and CIFAR-100 in their official binary versions.
//
// A file is a sequence of records: the label byte(s) — CIFAR-10: the class; CIFAR-100: the
// coarse class, then the fine class — followed by a 32×32 colour image stored channel-planar
// (the 1024 red values, then green, then blue, each plane row-major). The loaders convert
// to NHWC. A file that is not a whole, non-zero number of records, or a label outside the
// dataset's classes, is an Error naming the file (and the record).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/core/error.hpp"
#include "latentlab/data/binary_file.hpp"
#include "latentlab/data/image_set.hpp"

namespace latentlab::data {

namespace cifar_detail {

inline constexpr std::size_t side = 32;
inline constexpr std::size_t plane = side * side;
inline constexpr std::size_t image_bytes = 3 * plane;

// A record's label byte: its position in the record, how many classes it ranges over,
// what it is called in messages and which member of ImageSet receives it.
struct LabelField {
    std::size_t offset;
    std::size_t classes;
    const char* name;
    xt::xtensor<std::int32_t, 1> ImageSet::*target;
};

// Reads the records of `paths`, in order, into one set.
inline ImageSet read_records(const std::vector<std::filesystem::path>& paths, const std::vector<LabelField>& fields) {
    const std::size_t record = fields.size() + image_bytes;
    std::size_t total = 0;
    std::vector<std::size_t> counts;
    for (const auto& path : paths) {
        const auto size = regular_file_size(path);
        require(size > 0 && size % record == 0, path.string(), ": expected a whole number of ", record,
                "-byte records (", fields.size(), " label byte", fields.size() > 1 ? "s" : "",
                " + 3072 pixel bytes), found ", size, " bytes = ", size / record, " records + ", size % record,
                " bytes");
        counts.push_back(static_cast<std::size_t>(size / record));
        total += counts.back();
    }

    ImageSet set;
    set.images = xt::xtensor<std::uint8_t, 4>::from_shape({total, side, side, 3});
    for (const auto& field : fields) set.*field.target = xt::xtensor<std::int32_t, 1>::from_shape({total});
    std::size_t n = 0;
    for (std::size_t p = 0; p < paths.size(); ++p) {
        const auto bytes = read_file_bytes(paths[p]);
        require(bytes.size() == counts[p] * record, paths[p].string(), ": the file changed while being read");
        for (std::size_t r = 0; r < counts[p]; ++r, ++n) {
            const std::uint8_t* in = bytes.data() + r * record;
            for (const auto& field : fields) {
                const std::uint8_t label = in[field.offset];
                require(label < field.classes, paths[p].string(), ": record ", r, " (at byte ", r * record, ") has ",
                        field.name, " ", int{label}, ", expected 0 to ", field.classes - 1);
                (set.*field.target)(n) = label;
            }
            const std::uint8_t* pixels = in + fields.size();
            std::uint8_t* out = set.images.data() + n * image_bytes;
            for (std::size_t i = 0; i < plane; ++i)
                for (std::size_t c = 0; c < 3; ++c) out[3 * i + c] = pixels[c * plane + i];
        }
    }
    return set;
}

}  // namespace cifar_detail

inline const std::vector<std::string>& cifar10_class_names() {
    static const std::vector<std::string> names{"airplane", "automobile", "bird",  "cat",  "deer",
                                                "dog",      "frog",       "horse", "ship", "truck"};
    return names;
}

inline const std::vector<std::string>& cifar100_class_names() {
    static const std::vector<std::string> names{
        "apple",      "aquarium_fish", "baby",         "bear",       "beaver",      "bed",         "bee",
        "beetle",     "bicycle",       "bottle",       "bowl",       "boy",         "bridge",      "bus",
        "butterfly",  "camel",         "can",          "castle",     "caterpillar", "cattle",      "chair",
        "chimpanzee", "clock",         "cloud",        "cockroach",  "couch",       "crab",        "crocodile",
        "cup",        "dinosaur",      "dolphin",      "elephant",   "flatfish",    "forest",      "fox",
        "girl",       "hamster",       "house",        "kangaroo",   "keyboard",    "lamp",        "lawn_mower",
        "leopard",    "lion",          "lizard",       "lobster",    "man",         "maple_tree",  "motorcycle",
        "mountain",   "mouse",         "mushroom",     "oak_tree",   "orange",      "orchid",      "otter",
        "palm_tree",  "pear",          "pickup_truck", "pine_tree",  "plain",       "plate",       "poppy",
        "porcupine",  "possum",        "rabbit",       "raccoon",    "ray",         "road",        "rocket",
        "rose",       "sea",           "seal",         "shark",      "shrew",       "skunk",       "skyscraper",
        "snail",      "snake",         "spider",       "squirrel",   "streetcar",   "sunflower",   "sweet_pepper",
        "table",      "tank",          "telephone",    "television", "tiger",       "tractor",     "train",
        "trout",      "tulip",         "turtle",       "wardrobe",   "whale",       "willow_tree", "wolf",
        "woman",      "worm"};
    return names;
}

inline const std::vector<std::string>& cifar100_coarse_class_names() {
    static const std::vector<std::string> names{
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
        "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
        "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
        "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
        "vehicles_1", "vehicles_2"};
    return names;
}

// CIFAR-10 from `dir` (the unpacked cifar-10-batches-bin, or the folder holding it):
// train = data_batch_1.bin … data_batch_5.bin in order (50,000 images), test =
// test_batch.bin (10,000); 32×32×3, labels 0–9. Class names from batches.meta.txt.
inline ImageSet load_cifar10(const std::filesystem::path& dir, Split split) {
    const auto folder = dataset_folder(dir, "cifar-10-batches-bin");
    std::vector<std::filesystem::path> paths;
    if (split == Split::train) {
        for (int batch = 1; batch <= 5; ++batch)
            paths.push_back(folder / ("data_batch_" + std::to_string(batch) + ".bin"));
    } else {
        paths.push_back(folder / "test_batch.bin");
    }
    ImageSet set = cifar_detail::read_records(paths, {{0, 10, "label", &ImageSet::labels}});
    set.class_names = read_class_names(folder / "batches.meta.txt", cifar10_class_names());
    return set;
}

// CIFAR-100 from `dir` (the unpacked cifar-100-binary, or the folder holding it):
// train.bin (50,000 images) or test.bin (10,000); `labels` are the 100 fine classes,
// `coarse_labels` the 20 superclasses. Names from fine_label_names.txt and
// coarse_label_names.txt.
inline ImageSet load_cifar100(const std::filesystem::path& dir, Split split) {
    const auto folder = dataset_folder(dir, "cifar-100-binary");
    ImageSet set = cifar_detail::read_records(
        {folder / (std::string(split_name(split)) + ".bin")},
        {{1, 100, "fine label", &ImageSet::labels}, {0, 20, "coarse label", &ImageSet::coarse_labels}});
    set.class_names = read_class_names(folder / "fine_label_names.txt", cifar100_class_names());
    set.coarse_class_names = read_class_names(folder / "coarse_label_names.txt", cifar100_coarse_class_names());
    return set;
}

}  // namespace latentlab::data
