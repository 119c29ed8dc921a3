// The EDA writer: JSON with the report's numbers, and the two figures as PNG and SVG.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dataset_files.hpp"
#include "latentlab/data/rectangles_eda_plots.hpp"

using namespace latentlab;

TEST_CASE("write_eda writes the report's JSON and its figures", "[data][rectangles][eda][plot]") {
    const data::Rectangles images({.count = 300, .seed = 4});
    const auto report = data::eda(images, 300, Cpu{2});
    testing::TempDir dir;
    data::write_eda(report, dir.path() / "eda", "sample", "Sample");
    std::ifstream json(dir.path() / "eda" / "sample.json");
    std::stringstream text;
    text << json.rdbuf();
    CHECK(text.str() == data::to_json(report) + "\n");
    for (const char* name : {"sample_factors.png", "sample_factors.svg", "sample_areas.png", "sample_areas.svg"}) {
        const auto path = dir.path() / "eda" / name;
        REQUIRE(std::filesystem::exists(path));
        CHECK(std::filesystem::file_size(path) > 5000);  // a drawn figure, not an empty page
    }
    const auto bytes = testing::read_bytes(dir.path() / "eda" / "sample_factors.png");
    REQUIRE(bytes.size() > 24);
    // PNG header: width and height of the 1100×800 figure, big-endian at bytes 16 and 20.
    const auto be32 = [&](std::size_t at) {
        return (unsigned(bytes[at]) << 24) | (unsigned(bytes[at + 1]) << 16) | (unsigned(bytes[at + 2]) << 8) |
               unsigned(bytes[at + 3]);
    };
    CHECK(be32(16) == 1100);
    CHECK(be32(20) == 800);
    CHECK_THROWS_WITH(data::write_eda(report, dir.path() / "eda" / "sample.json" / "x", "s", "S"),
                      Catch::Contains("cannot create the folder"));
}
