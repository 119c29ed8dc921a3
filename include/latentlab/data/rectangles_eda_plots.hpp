#pragma once
// Figures of a rectangles EDA report (data/rectangles_eda.hpp): the histograms of centre
// and size per class, and a table of the area and overlap measures, written with the JSON
// of the same numbers into a folder:
//     <stem>.json, <stem>_factors.{png,svg}, <stem>_areas.{png,svg}
#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/core/color.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/data/image.hpp"
#include "latentlab/data/rectangles_eda.hpp"
#include "latentlab/plot/figure.hpp"

namespace latentlab::data {

inline const std::array<std::string, rectangles::class_count> rectangle_class_names{"class I", "class II",
                                                                                   "class III"};

// Four panels (centre x, centre y, width l, height h): per class, the share of its
// rectangles at each value 0…63, in the class's own colour.
inline plot::Figure eda_factor_figure(const EdaReport& report, const std::string& title) {
    plot::Figure figure({.width = 1100, .height = 800, .title = title, .rows = 2, .columns = 2});
    const std::array<std::pair<const std::array<EdaReport::Histogram, rectangles::class_count>*, const char*>, 4>
        panels{{{&report.x, "centre x (column)"}, {&report.y, "centre y (row)"}, {&report.l, "width l"},
                {&report.h, "height h"}}};
    std::vector<double> values(rectangles::image_side);
    for (std::size_t v = 0; v < values.size(); ++v) values[v] = static_cast<double>(v);
    for (std::size_t p = 0; p < panels.size(); ++p) {
        auto& axes = figure.axes(p / 2, p % 2);
        axes.set_xlabel(panels[p].second).set_ylabel("share of the class's rectangles");
        for (std::size_t c = 0; c < rectangles::class_count; ++c) {
            const auto& counts = (*panels[p].first)[c];
            const double total = static_cast<double>(report.rectangles[c]);
            if (total == 0) continue;
            std::vector<double> share(counts.size());
            for (std::size_t v = 0; v < counts.size(); ++v) share[v] = static_cast<double>(counts[v]) / total;
            axes.line(values, share, {.label = rectangle_class_names[c], .color = class_color(c)});
        }
    }
    return figure;
}

// A table (classes × measures) of the area fractions and the three overlap measures.
inline plot::Figure eda_area_figure(const EdaReport& report, const std::string& title) {
    constexpr std::size_t rows = rectangles::mask_classes, columns = 4;
    xt::xtensor<double, 2> table = xt::xtensor<double, 2>::from_shape({rows, columns});
    for (std::size_t r = 0; r < rows; ++r) {
        const bool background = r == rectangles::background_class;
        table(r, 0) = report.area_fraction[r];
        table(r, 1) = background ? 0.0 : report.hidden_fraction[r];
        table(r, 2) = background ? 0.0 : report.hidden_pixel_fraction[r];
        table(r, 3) = background ? 0.0 : report.fully_hidden_fraction[r];
    }
    plot::Figure figure({.width = 900, .height = 480, .title = title});
    figure.axes().heatmap(table, {.row_labels = {rectangle_class_names[0], rectangle_class_names[1],
                                                 rectangle_class_names[2], "background"},
                                  .column_labels = {"area fraction", "hidden (mean)", "hidden (pixels)",
                                                    "fully hidden"},
                                  .min = 0.0,
                                  .max = 1.0,
                                  .decimals = 3,
                                  .colorbar_label = "fraction"});
    return figure;
}

// Writes <stem>.json and the two figures as PNG and SVG into `folder` (created if missing).
inline void write_eda(const EdaReport& report, const std::filesystem::path& folder, const std::string& stem,
                      const std::string& title) {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    require(!error, folder.string(), ": cannot create the folder (", error.message(), ")");
    const auto json_path = folder / (stem + ".json");
    std::ofstream json(json_path);
    require(json.is_open(), json_path.string(), ": cannot open for writing");
    json << to_json(report) << '\n';
    require(json.good(), json_path.string(), ": write error");
    const auto factors = eda_factor_figure(report, title + ": centre and size per class");
    const auto areas = eda_area_figure(report, title + ": visible area and overlap");
    for (const char* extension : {".png", ".svg"}) {
        factors.save(folder / (stem + "_factors" + extension));
        areas.save(folder / (stem + "_areas" + extension));
    }
}

}  // namespace latentlab::data
