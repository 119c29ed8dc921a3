// HDF5 arrays and the original's rectangle data set layout (only with the HDF5 feature).
#ifdef LATENTLAB_WITH_HDF5
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>

#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>

#include "dataset_files.hpp"
#include "latentlab/data/hdf5.hpp"

using namespace latentlab;
using namespace latentlab::data;

namespace {
// xtensor's == returns a plain bool that Catch's expression decomposition cannot take apart.
bool same_array(const auto& a, const auto& b) { return a == b; }
}  // namespace

TEST_CASE("HDF5 arrays round-trip with their shape and type", "[data][hdf5]") {
    testing::TempDir dir;
    const auto file = dir.path() / "arrays.h5";
    xt::xarray<float> a = xt::xarray<float>::from_shape({2, 3, 4});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = 0.25f * static_cast<float>(i) - 1.0f;
    xt::xarray<std::uint8_t> b = {{0, 255, 7}, {1, 2, 3}};
    xt::xarray<std::int32_t> c = {-5, 0, 2147483647};
    xt::xarray<double> empty = xt::xarray<double>::from_shape({0, 3});
    write_h5(file, "a", a);
    write_h5(file, "b", b);
    write_h5(file, "c", c);
    write_h5(file, "empty", empty);
    CHECK(same_array(read_h5<float>(file, "a"), a));
    CHECK(same_array(read_h5<std::uint8_t>(file, "b"), b));
    CHECK(same_array(read_h5<std::int32_t>(file, "c"), c));
    CHECK(same_array(read_h5<double>(file, "empty").shape(), empty.shape()));
    // Writing a name again replaces the dataset, shape and type included.
    write_h5(file, "a", xt::xarray<double>{1.5, 2.5});
    CHECK(same_array(read_h5<double>(file, "a"), xt::xarray<double>{1.5, 2.5}));
    CHECK(same_array(read_h5<std::uint8_t>(file, "b"), b));  // the others are untouched
}

TEST_CASE("HDF5 reading refuses other types, missing datasets and other files", "[data][hdf5][errors]") {
    testing::TempDir dir;
    const auto file = dir.path() / "arrays.h5";
    write_h5(file, "bytes", xt::xarray<std::uint8_t>{1, 2});
    write_h5(file, "values", xt::xarray<double>{1, 2});
    CHECK_THROWS_WITH(read_h5<float>(file, "bytes"), Catch::Contains("'bytes' holds uint8, expected float32"));
    CHECK_THROWS_WITH(read_h5<float>(file, "values"), Catch::Contains("holds float64, expected float32"));
    CHECK_THROWS_WITH(read_h5<std::int32_t>(file, "bytes"), Catch::Contains("expected int32"));
    CHECK_THROWS_WITH(read_h5<double>(file, "nothing"), Catch::Contains("no dataset 'nothing'"));
    CHECK_THROWS_WITH(read_h5<double>(dir.path() / "absent.h5", "values"), Catch::Contains("no such HDF5 file"));
    const auto text = dir.path() / "text.h5";
    testing::write_bytes(text, testing::Bytes{'n', 'o', 't', ' ', 'h', 'd', 'f', '5'});
    CHECK_THROWS_WITH(read_h5<double>(text, "values"), Catch::Contains("not an HDF5 file"));
    CHECK_THROWS_WITH(write_h5(dir.path() / "missing" / "x.h5", "a", xt::xarray<double>{1}),
                      Catch::Contains("cannot create the file"));
}

TEST_CASE("Rectangle data sets in the original's HDF5 layout", "[data][hdf5][rectangles]") {
    testing::TempDir dir;
    const auto file = dir.path() / "rectangles.h5";
    const Rectangles data({.count = 20, .seed = 9});
    save_rectangles_h5(file, data, 5, 7, Cpu{2});
    const RectanglesH5 loaded = load_rectangles_h5(file);
    CHECK(same_array(loaded.image, data.images(5, 7)));
    CHECK(same_array(loaded.mask, data.masks(5, 7)));
    CHECK(same_array(loaded.full_mask, one_hot(data.masks(5, 7))));
    CHECK(same_array(loaded.parameters, data.parameters(5, 7)));
    write_h5(file, "mask", xt::zeros<std::uint8_t>({6, 64, 64}));
    CHECK_THROWS_WITH(load_rectangles_h5(file), Catch::Contains("'mask' must be 7×64×64"));
}
#endif
