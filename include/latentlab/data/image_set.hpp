#pragma once
// ImageSet: a labelled (or unlabelled) set of 8-bit images as the dataset loaders return it.
// Images are NHWC like every array in latentlab; labels are 0-based class indices.
//
// CIFAR-100 labels each image twice: `labels` holds the 100 fine classes (the usual
// benchmark) and `coarse_labels` the 20 superclasses; for every other dataset the coarse
// members are empty.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/core/error.hpp"

namespace latentlab::data {

enum class Split { train, test };

inline const char* split_name(Split split) { return split == Split::train ? "train" : "test"; }

struct ImageSet {
    xt::xtensor<std::uint8_t, 4> images;         // N×H×W×C
    xt::xtensor<std::int32_t, 1> labels;         // N, 0-based; empty when unlabelled
    std::vector<std::string> class_names;        // label i is class_names[i]
    xt::xtensor<std::int32_t, 1> coarse_labels;  // CIFAR-100 superclasses; else empty
    std::vector<std::string> coarse_class_names;

    std::size_t size() const { return images.shape()[0]; }
    std::size_t height() const { return images.shape()[1]; }
    std::size_t width() const { return images.shape()[2]; }
    std::size_t channels() const { return images.shape()[3]; }
    bool labelled() const { return labels.size() != 0; }
};

// Class names, one per line, from a dataset's text file (CIFAR's batches.meta.txt, STL-10's
// class_names.txt) when it exists, else `standard`. Blank lines and surrounding white
// space are ignored; a file with another number of names than `standard` is an Error,
// since the labels index into the list.
inline std::vector<std::string> read_class_names(const std::filesystem::path& path,
                                                 const std::vector<std::string>& standard) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return standard;
    std::ifstream in(path);
    require(in.is_open(), path.string(), ": cannot open for reading");
    std::vector<std::string> names;
    for (std::string line; std::getline(in, line);) {
        const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
        std::size_t begin = 0, end = line.size();
        while (begin < end && is_space(line[begin])) ++begin;
        while (end > begin && is_space(line[end - 1])) --end;
        if (end > begin) names.push_back(line.substr(begin, end - begin));
    }
    require(!in.bad(), path.string(), ": read error");
    require(names.size() == standard.size(), path.string(), ": expected ", standard.size(),
            " class names (one per line), found ", names.size());
    return names;
}

}  // namespace latentlab::data
