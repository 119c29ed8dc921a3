#pragma once
// A grid of images with captions as a figure (E2's filter grids and activation maps, E3's
// originals against reconstructions): plot::image_grid(images, {...}).save("grid.png").
// For a plain PNG of images without text, data::make_grid is the lighter tool.
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>
#include <xtensor/xview.hpp>

#include "latentlab/plot/figure.hpp"

namespace latentlab::plot {

struct ImageGridOptions {
    std::size_t columns = 8;            // fewer when there are fewer images
    std::vector<std::string> captions{};  // one per image, written above it; or none
    std::string title{};
    int cell_size = 128;  // pixels of an image's longer side
    ImageOptions image{};   // value range and colormap, as for Axes::image
    double dpi = 100;
    double font_size = 10;  // points, for title and captions
};

// Images N×H×W or N×H×W×C (C = 1, 3, 4) in a figure of ⌈N / columns⌉ rows.
template <class E>
Figure image_grid(const xt::xexpression<E>& images, ImageGridOptions options = {}) {
    const auto stack = data::image_detail::evaluate(images);
    const std::size_t rank = stack.dimension();
    require(rank == 3 || rank == 4, "image_grid: expected images N×H×W or N×H×W×C, got a ",
            data::image_detail::describe(data::image_detail::shape_of(stack)));
    const std::size_t n = stack.shape()[0], h = stack.shape()[1], w = stack.shape()[2];
    require(n > 0 && h > 0 && w > 0, "image_grid: no images or empty images (",
            data::image_detail::describe(data::image_detail::shape_of(stack)), ")");
    require(options.columns > 0, "image_grid: columns must be at least 1");
    require(options.captions.empty() || options.captions.size() == n, "image_grid: ", options.captions.size(),
            " captions for ", n, " images");
    require(options.cell_size >= 8 && options.cell_size <= 4096, "image_grid: cell_size must be in 8..4096 pixels, got ",
            options.cell_size);
    const std::size_t columns = std::min(options.columns, n);
    const std::size_t rows = (n + columns - 1) / columns;
    const Style style = Style::at(options.dpi, options.font_size);
    const double longer = static_cast<double>(std::max(h, w));
    const double image_width = options.cell_size * static_cast<double>(w) / longer;
    const double image_height = options.cell_size * static_cast<double>(h) / longer;
    // Room for a caption line and the padding around each image, then the figure's title.
    const double caption = options.captions.empty() ? 0.0 : 1.3 * style.font_size + style.title_pad;
    const double cell_width = image_width + 2 * style.pad;
    const double cell_height = image_height + 2 * style.pad + caption;
    const double title = options.title.empty() ? 0.0 : 1.3 * style.title_size + style.pad;
    Figure figure({.width = static_cast<int>(std::ceil(cell_width * static_cast<double>(columns))),
                   .height = static_cast<int>(std::ceil(cell_height * static_cast<double>(rows) + title)),
                   .title = options.title,
                   .rows = rows,
                   .columns = columns,
                   .dpi = options.dpi,
                   .font_size = options.font_size});
    for (std::size_t k = 0; k < n; ++k) {
        Axes& axes = figure.axes(k / columns, k % columns);
        axes.image(xt::eval(xt::view(stack, k)), options.image);
        if (!options.captions.empty()) axes.set_title(options.captions[k], options.font_size);
    }
    return figure;
}

}  // namespace latentlab::plot
