// Latent extraction: rows in dataset order whatever the batch size, equal to the tagged
// layer's output of a direct forward, per-position labels equal to the majority class of
// the mask block under each position, and clear errors for unknown tags and bad ranges.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>

#include "latentlab/analysis/latents.hpp"
#include "latentlab/data/rectangles.hpp"
#include "latentlab/models/nn1.hpp"
#include "latentlab/network.hpp"

using namespace latentlab;

namespace {
using Net = Network<models::NN1, data::rectangles::ImageShape>;
}

TEST_CASE("latents are the tagged layer's output, in dataset order, for any batch size", "[latents]") {
    Net net({.seed = 3}, Cpu{2});
    const data::Rectangles rectangles({.count = 40, .delta = 15, .seed = 2});
    const auto z = analysis::latents<"code">(net, rectangles, {.batch = 7, .first = 5, .count = 20, .cpu = Cpu{2}});
    REQUIRE(z.shape()[0] == 20);
    REQUIRE(z.shape()[1] == 8 * 8 * 32);
    CHECK((analysis::latents<"code">(net, rectangles, {.batch = 20, .first = 5, .count = 20}) == z));

    // A direct forward of the same images, read from the tag.
    net.plan(20);
    HostTensor<float, data::rectangles::ImageShape> x(20);
    HostTensor<float, data::rectangles::MaskShape> y(20);
    std::vector<std::size_t> indices(20);
    for (std::size_t k = 0; k < 20; ++k) indices[k] = 5 + k;
    rectangles.fill(indices, x.view(), y.view(), {});
    (void)net.forward(x.view(), Mode::eval);
    std::size_t compared = 0;
    visit_layers(net.root(), [&](auto& layer, int) {
        if constexpr (TaggedAs<std::remove_cvref_t<decltype(layer)>, "code">) {
            const auto out = layer.last_output();
            for (std::size_t i = 0; i < z.size(); ++i) compared += z.data()[i] == out.data[i];
        }
    });
    CHECK(compared == z.size());
    // Not a constant: the code differs between images.
    CHECK_FALSE(std::equal(z.data(), z.data() + z.shape()[1], z.data() + z.shape()[1]));
}

TEST_CASE("latents per position carry the majority class of the mask block under them", "[latents]") {
    Net net({.seed = 4});
    const data::Rectangles rectangles({.count = 12, .delta = 15, .seed = 6});
    const auto per_image = analysis::latents<"e3">(net, rectangles, {.batch = 5});
    const auto positions = analysis::latents_per_position<"e3">(net, rectangles, {.batch = 4});
    // e3 is 16×16×32: each position covers a 4×4 block of the 64×64 mask.
    REQUIRE(positions.features.shape()[0] == 12 * 16 * 16);
    REQUIRE(positions.features.shape()[1] == 32);
    CHECK(std::equal(per_image.begin(), per_image.end(), positions.features.begin()));
    const auto masks = rectangles.masks(0, 12);
    for (std::size_t image = 0; image < 12; ++image)
        for (std::size_t py = 0; py < 16; ++py)
            for (std::size_t px = 0; px < 16; ++px) {
                std::array<int, 4> votes{};
                for (std::size_t dy = 0; dy < 4; ++dy)
                    for (std::size_t dx = 0; dx < 4; ++dx) ++votes[masks(image, py * 4 + dy, px * 4 + dx)];
                const auto expected = std::max_element(votes.begin(), votes.end()) - votes.begin();
                CAPTURE(image, py, px);
                REQUIRE(positions.labels((image * 16 + py) * 16 + px) == expected);
            }
}

TEST_CASE("latents reject unknown tags and samples outside the dataset", "[latents]") {
    Net net({.seed = 1});
    const data::Rectangles rectangles({.count = 10, .delta = 15, .seed = 1});
    CHECK_THROWS_WITH(analysis::latents<"bottleneck">(net, rectangles),
                      Catch::Contains("0 layers of the network are tagged \"bottleneck\"") &&
                          Catch::Contains("\"e1\", \"e2\", \"e3\", \"code\""));
    CHECK_THROWS_WITH(analysis::latents<"code">(net, rectangles, {.first = 10}), Catch::Contains("past the dataset"));
    CHECK_THROWS_WITH(analysis::latents<"code">(net, rectangles, {.first = 4, .count = 7}),
                      Catch::Contains("run past the dataset's 10 samples"));
    CHECK_THROWS_WITH(analysis::latents<"code">(net, rectangles, {.batch = 0}), Catch::Contains("batch size is 0"));
}
