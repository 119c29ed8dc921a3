#pragma once
// Test support for the PNG writers and the plots: PNG files read back with stb_image
// (compiled static into each test file that includes this header, like stb_image_write in
// the library). The scratch folder (TempDir) and read_bytes come from dataset_files.hpp.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataset_files.hpp"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>

namespace latentlab::testing {

// A PNG file as stb_image reads it, with the channel count stored in the file.
struct LoadedPng {
    int width = 0, height = 0, channels = 0;
    std::vector<std::uint8_t> pixels;  // rows top to bottom, `channels` bytes per pixel

    const std::uint8_t* at(int row, int column) const {
        return pixels.data() + (static_cast<std::size_t>(row) * static_cast<std::size_t>(width) +
                                static_cast<std::size_t>(column)) *
                                   static_cast<std::size_t>(channels);
    }
};

inline LoadedPng load_png(const std::filesystem::path& path) {
    LoadedPng png;
    const std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> data(
        stbi_load(path.string().c_str(), &png.width, &png.height, &png.channels, 0), &stbi_image_free);
    if (!data) throw std::runtime_error(path.string() + ": stb_image cannot read it: " + stbi_failure_reason());
    png.pixels.assign(data.get(), data.get() + static_cast<std::size_t>(png.width) * static_cast<std::size_t>(png.height) *
                                                   static_cast<std::size_t>(png.channels));
    return png;
}

}  // namespace latentlab::testing
