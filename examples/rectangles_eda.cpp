// E1's exploratory data analysis of the synthetic rectangles: two samples of 50,000
// training images, without and with full-inclusion selection, their area and overlap
// measures and the histograms of centre and size per class (JSON, PNG, SVG), and a grid
// of example images with their masks.
//
//   rectangles_eda [--count N] [--delta D] [--seed S] [--out DIR]
#include <cstdlib>
#include <iostream>
#include <string>

#include <latentlab/latentlab.hpp>
#include <latentlab/data/rectangles_eda_plots.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xview.hpp>

using namespace latentlab;

int main(int argc, char** argv) try {
    std::size_t count = 50'000;
    int delta = 15;
    std::uint64_t seed = 1;
    std::string out = "runs/rectangles_eda";
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help") {
            std::cout << "usage: rectangles_eda [--count N] [--delta D] [--seed S] [--out DIR]\n";
            return 0;
        }
        require(i + 1 < argc, flag, " needs a value (see --help)");
        const std::string value = argv[++i];
        if (flag == "--count") count = std::stoull(value);
        else if (flag == "--delta") delta = std::stoi(value);
        else if (flag == "--seed") seed = std::stoull(value);
        else if (flag == "--out") out = value;
        else fail("unknown option ", flag, " (see --help)");
    }

    for (const bool selection : {false, true}) {
        const data::Rectangles images({.count = count, .delta = delta, .seed = seed, .selection = selection});
        const auto report = data::eda(images, count);
        const std::string stem = selection ? "with_selection" : "without_selection";
        data::write_eda(report, out, stem, selection ? "With selection" : "Without selection");
        const auto masks = images.masks(0, 16);
        xt::xtensor<std::uint8_t, 4> coloured = xt::zeros<std::uint8_t>({16, 64, 64, 3});
        for (std::size_t n = 0; n < 16; ++n) xt::view(coloured, n) = data::colorize_mask(xt::view(masks, n));
        const data::GridOptions grid{.columns = 8, .padding = 2, .pad_value = 255};
        data::write_grid_png(std::filesystem::path(out) / (stem + "_images.png"), images.images(0, 16), grid);
        data::write_grid_png(std::filesystem::path(out) / (stem + "_masks.png"), coloured, grid);
        std::cout << stem << ": area fractions I/II/III/background = " << report.area_fraction[0] << " / "
                  << report.area_fraction[1] << " / " << report.area_fraction[2] << " / "
                  << report.area_fraction[3] << "\n";
    }
    std::cout << "EDA written to " << out << "\n";
} catch (const std::exception& error) {
    std::cerr << "rectangles_eda: " << error.what() << "\n";
    return 1;
}
