// Weight exchange (train/weights.hpp) and the .npz archives under it (data/npz.hpp). The
// golden files in tests/data/weights come from tools/torch_weights.py --make-golden: PyTorch
// models' weights converted with from_torch, their inputs and PyTorch's outputs, and small
// archives written by np.savez and np.savez_compressed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

#include "dataset_files.hpp"
#include "latentlab/data/npz.hpp"
#include "latentlab/layers/batch_norm.hpp"
#include "latentlab/layers/conv.hpp"
#include "latentlab/layers/conv_transpose.hpp"
#include "latentlab/layers/dense.hpp"
#include "latentlab/layers/depthwise.hpp"
#include "latentlab/layers/flatten.hpp"
#include "latentlab/layers/separable.hpp"
#include "latentlab/layers/sequential.hpp"
#include "latentlab/layers/tag.hpp"
#include "latentlab/models/unet.hpp"
#include "latentlab/network.hpp"
#include "latentlab/train/weights.hpp"

using namespace latentlab;
using latentlab::data::load_npz;
using latentlab::data::NpzReader;
using latentlab::data::NpzWriter;
using latentlab::testing::Bytes;
using latentlab::testing::read_bytes;
using latentlab::testing::TempDir;
using latentlab::testing::write_bytes;
using latentlab::train::export_weights;
using latentlab::train::import_weights;
using latentlab::train::ImportOptions;
namespace fs = std::filesystem;

namespace {

fs::path weights_data(const std::string& name) { return fs::path(LATENTLAB_TEST_DATA_DIR) / "weights" / name; }

using NN2Net = Network<models::NN2, Shape<64, 64, 3>>;

// tools/torch_weights.py's Zoo: one layer of every kind that has parameters or buffers.
using Zoo = Sequential<Tag<"conv", Conv2d<4, 3, ConvOptions{.activation = Activation::relu()}>>,
                       Tag<"dw", DepthwiseConv2d<3, DepthwiseOptions{.multiplier = 2}>>,
                       Tag<"sep", SeparableConv2d<5, 3>>, Tag<"bn", BatchNorm2d<>>,
                       Tag<"up", ConvTranspose2d<3, 3, ConvOptions{.stride = 2, .padding = Padding::valid()}>>,
                       Flatten, Tag<"fc", Dense<3>>>;
using ZooNet = Network<Zoo, Shape<6, 6, 2>>;

std::vector<std::string> names_of(const std::vector<ParameterInfo>& infos) {
    std::vector<std::string> names;
    for (const auto& info : infos) names.push_back(info.name);
    return names;
}

template <class Net>
std::vector<float> parameters_of(Net& net) {
    return {net.parameters().begin(), net.parameters().end()};
}
template <class Net>
std::vector<float> state_of(Net& net) {
    return {net.state().begin(), net.state().end()};
}

// The network's output for the golden input x against the golden output y: largest |difference|.
template <class Net>
double max_output_error(Net& net, const fs::path& io) {
    using In = typename Net::input_shape;
    using Out = typename Net::output_shape;
    auto arrays = load_npz<float>(io);
    const auto& x = arrays.at("x");
    const auto& y = arrays.at("y");
    const std::size_t batch = x.shape()[0];
    REQUIRE(x.size() == batch * In::size);
    REQUIRE(y.size() == batch * Out::size);
    net.plan(batch);
    const auto out = net.forward(ConstView<float, In>{x.data(), batch}, Mode::eval);
    double error = 0;
    for (std::size_t i = 0; i < y.size(); ++i) error = std::max(error, std::abs(double(out.data[i]) - y.data()[i]));
    return error;
}

bool bitwise_equal(const xt::xarray<float>& a, const xt::xarray<float>& b) {
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Runs f and returns the latentlab::Error message it throws ("" when it throws nothing).
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// Networks for the renaming test: "e1" of Small has the shape of "x1" of Other.
using Small = Sequential<Tag<"e1", Conv2d<4, 3>>, Tag<"e2", Conv2d<2, 3>>>;
using Other = Sequential<Tag<"x1", Conv2d<4, 3>>, Tag<"head", Conv2d<3, 1>>>;

}  // namespace

TEST_CASE("weights: NN2 from PyTorch (tools/torch_weights.py) gives PyTorch's output", "[weights]") {
    NN2Net net({.seed = 5});
    const auto imported = import_weights(net, weights_data("nn2.npz"));
    CHECK(imported == names_of(net.parameter_infos()));
    CHECK(imported.size() == 30);
    CHECK(max_output_error(net, weights_data("nn2_io.npz")) < 1e-5);
}

TEST_CASE("weights: every layout (conv, depthwise, separable, BatchNorm, transposed conv, Dense) matches PyTorch",
          "[weights]") {
    ZooNet net({.seed = 5});
    CHECK(names_of(net.parameter_infos()) ==
          std::vector<std::string>{"conv.weight", "conv.bias", "dw.weight", "dw.bias", "sep.depthwise",
                                   "sep.pointwise", "sep.bias", "bn.gamma", "bn.beta", "bn.running_mean",
                                   "bn.running_var", "up.weight", "up.bias", "fc.weight", "fc.bias"});
    std::vector<std::string> layouts;
    for (const auto& info : net.parameter_infos()) layouts.push_back(info.layout);
    CHECK(layouts == std::vector<std::string>{"HWIO", "O", "HWCM", "O", "HWCM", "HWIO", "O", "C", "C", "C", "C",
                                              "HWOI", "O", "IO", "O"});
    import_weights(net, weights_data("zoo.npz"));
    CHECK(max_output_error(net, weights_data("zoo_io.npz")) < 1e-5);
}

TEST_CASE("weights: exports to .npz and to a folder hold exactly what was imported", "[weights]") {
    const auto source = load_npz<float>(weights_data("nn2.npz"));
    NN2Net net({.seed = 5});
    import_weights(net, weights_data("nn2.npz"));
    TempDir dir;
    export_weights(net, dir / "nn2.npz");
    export_weights(net, dir / "nn2");

    const auto archive = load_npz<float>(dir / "nn2.npz");
    CHECK(archive.size() == source.size());
    for (const auto& [name, array] : source) {
        INFO(name);
        REQUIRE(archive.contains(name));
        CHECK(bitwise_equal(archive.at(name), array));
        CHECK(bitwise_equal(load_npy<float>(dir / "nn2" / (name + ".npy")), array));
    }
    // The folder also holds the manifest, with each tensor's layout.
    const auto manifest = read_bytes(dir / "nn2" / "manifest.json");
    const std::string text(manifest.begin(), manifest.end());
    CHECK(text.find("\"name\": \"d1.1.weight\"") != std::string::npos);
    CHECK(text.find("\"shape\": [3, 3, 16, 8]") != std::string::npos);
    CHECK(text.find("\"layout\": \"HWIO\"") != std::string::npos);
    CHECK(text.find("\"dtype\": \"float32\"") != std::string::npos);

    for (const auto& from : {dir / "nn2", dir / "nn2.npz"}) {
        NN2Net fresh({.seed = 6});
        REQUIRE(parameters_of(fresh) != parameters_of(net));
        import_weights(fresh, from);
        CHECK(parameters_of(fresh) == parameters_of(net));
    }
}

TEST_CASE("weights: BatchNorm running statistics (network state) travel with the parameters", "[weights]") {
    ZooNet net({.seed = 1});
    import_weights(net, weights_data("zoo.npz"));
    const auto archive = load_npz<float>(weights_data("zoo.npz"));
    const auto& mean = archive.at("bn.running_mean");
    const auto& var = archive.at("bn.running_var");
    std::vector<float> expected(mean.begin(), mean.end());
    expected.insert(expected.end(), var.begin(), var.end());
    REQUIRE(state_of(net) == expected);
    REQUIRE(expected != std::vector<float>{0, 0, 0, 0, 0, 1, 1, 1, 1, 1});  // not the initial statistics

    TempDir dir;
    for (const auto& to : {dir / "zoo.npz", dir / "zoo"}) {
        export_weights(net, to);
        ZooNet fresh({.seed = 2});
        import_weights(fresh, to);
        CHECK(parameters_of(fresh) == parameters_of(net));
        CHECK(state_of(fresh) == state_of(net));
    }
    const auto manifest = read_bytes(dir / "zoo" / "manifest.json");
    const std::string text(manifest.begin(), manifest.end());
    CHECK(text.find("\"name\": \"bn.running_var\",\n      \"file\": \"bn.running_var.npy\",\n      \"shape\": [5],\n"
                    "      \"dtype\": \"float32\",\n      \"layout\": \"C\",\n      \"trainable\": false") !=
          std::string::npos);
}

TEST_CASE("weights: strict import refuses a missing or an extra tensor, lenient import takes what matches",
          "[weights]") {
    NN2Net net({.seed = 3});
    TempDir dir;
    export_weights(net, dir / "all");
    NN2Net target({.seed = 4});
    const auto before = parameters_of(target);

    fs::copy(dir / "all", dir / "missing");
    fs::remove(dir / "missing" / "u2.bias.npy");
    const auto missing = error_of([&] { import_weights(target, dir / "missing"); });
    CHECK_THAT(missing, Catch::Contains("no tensor for the network's 'u2.bias'") &&
                            Catch::Contains((dir / "missing").string()));
    CHECK(parameters_of(target) == before);

    fs::copy(dir / "all", dir / "extra");
    save_npy(dir / "extra" / "u9.bias.npy", xt::xarray<float>{1.0f, 2.0f});
    const auto extra = error_of([&] { import_weights(target, dir / "extra"); });
    CHECK_THAT(extra, Catch::Contains("holds 'u9.bias', which match no parameter"));
    CHECK(parameters_of(target) == before);

    const auto imported = import_weights(target, dir / "missing", {.strict = false});
    CHECK(imported.size() == 29);
    CHECK(std::find(imported.begin(), imported.end(), "u2.bias") == imported.end());
    CHECK(import_weights(target, dir / "extra", {.strict = false}).size() == 30);
    CHECK(parameters_of(target) == parameters_of(net));

    CHECK_THAT(error_of([&] { import_weights(target, dir / "missing", {.strict = false, .source_prefix = "zz."}); }),
               Catch::Contains("nothing to import"));
}

TEST_CASE("weights: a wrong shape or a non-finite value is an Error and leaves the network unchanged", "[weights]") {
    NN2Net net({.seed = 3});
    TempDir dir;
    export_weights(net, dir / "w");
    NN2Net target({.seed = 4});
    const auto before = parameters_of(target);

    SECTION("a PyTorch-layout conv weight") {
        save_npy(dir / "w" / "e2.weight.npy", xt::xarray<float>::from_shape({8, 4, 3, 3}));
        const auto message = error_of([&] { import_weights(target, dir / "w"); });
        CHECK_THAT(message, Catch::Contains("e2.weight.npy has shape [8×4×3×3]") &&
                                Catch::Contains("needs [3×3×4×8] (layout HWIO)") &&
                                Catch::Contains("PyTorch's layout"));
    }
    SECTION("a vector of the wrong length") {
        save_npy(dir / "w" / "classifier.bias.npy", xt::xarray<float>::from_shape({5}));
        CHECK_THAT(error_of([&] { import_weights(target, dir / "w"); }),
                   Catch::Contains("has shape [5], but the network's 'classifier.bias' needs [4] (layout O)"));
    }
    SECTION("NaN and infinity (also from a float64 value beyond float's range)") {
        xt::xarray<double> bias = xt::zeros<double>({4});
        bias(2) = std::numeric_limits<double>::quiet_NaN();
        save_npy(dir / "w" / "classifier.bias.npy", bias);
        CHECK_THAT(error_of([&] { import_weights(target, dir / "w"); }),
                   Catch::Contains("classifier.bias.npy holds nan at flat index 2"));
        bias(2) = 1e300;
        save_npy(dir / "w" / "classifier.bias.npy", bias);
        CHECK_THAT(error_of([&] { import_weights(target, dir / "w"); }), Catch::Contains("holds inf"));
    }
    CHECK(parameters_of(target) == before);
}

TEST_CASE("weights: prefixes rename on import and select on export", "[weights]") {
    Network<Small, Shape<5, 5, 2>> small({.seed = 1});
    Network<Other, Shape<5, 5, 2>> other({.seed = 2});
    TempDir dir;
    export_weights(small, dir / "small.npz");
    const auto head_before = std::vector<float>(other.parameters().begin() + 76, other.parameters().end());

    const auto imported =
        import_weights(other, dir / "small.npz", {.source_prefix = "e1.", .target_prefix = "x1."});
    CHECK(imported == std::vector<std::string>{"x1.weight", "x1.bias"});
    // x1 holds e1's 3·3·2·4 + 4 = 76 values; the head is untouched.
    CHECK(std::equal(other.parameters().begin(), other.parameters().begin() + 76, small.parameters().begin()));
    CHECK(std::vector<float>(other.parameters().begin() + 76, other.parameters().end()) == head_before);

    // Strict with prefixes: every "x1." parameter needs an "e1." tensor and vice versa.
    CHECK_THAT(error_of([&] { import_weights(other, dir / "small.npz", {.source_prefix = "e", .target_prefix = "x"}); }),
               Catch::Contains("holds 'e2.weight', 'e2.bias', which match no parameter") &&
                   Catch::Contains("(source 'e…' renamed to 'x…')"));

    export_weights(small, dir / "e2.npz", {.prefix = "e2."});
    CHECK(NpzReader(dir / "e2.npz").names() == std::vector<std::string>{"e2.weight", "e2.bias"});
    CHECK_THAT(error_of([&] { export_weights(small, dir / "none.npz", {.prefix = "q"}); }),
               Catch::Contains("no tensor named 'q…'"));
}

TEST_CASE("weights: bad sources and destinations are Errors naming them", "[weights]") {
    Network<Small, Shape<5, 5, 2>> net;
    TempDir dir;
    CHECK_THAT(error_of([&] { import_weights(net, dir / "absent.npz"); }),
               Catch::Contains("absent.npz: no such file or folder"));
    write_bytes(dir / "weights.bin", Bytes{1, 2, 3});
    CHECK_THAT(error_of([&] { import_weights(net, dir / "weights.bin"); }),
               Catch::Contains("expected a folder of .npy files or an .npz archive"));
    fs::create_directories(dir / "other");
    save_npy(dir / "other" / "stray.npy", xt::xarray<float>{1.0f});
    CHECK_THAT(error_of([&] { export_weights(net, dir / "other"); }),
               Catch::Contains("already holds 'stray.npy'"));
    CHECK(!fs::exists(dir / "other" / "e1.weight.npy"));
}

TEST_CASE("npz: reads archives written by np.savez and np.savez_compressed", "[npz]") {
    for (const char* file : {"stored.npz", "compressed.npz"}) {
        INFO(file);
        NpzReader reader(weights_data(file));
        CHECK(reader.names() == std::vector<std::string>{"matrix", "counts", "big_endian", "scalar", "zeros"});
        const auto matrix = reader.read<float>("matrix");
        REQUIRE(matrix.shape() == std::vector<std::size_t>{3, 4});
        for (std::size_t i = 0; i < 12; ++i) CHECK(matrix.data()[i] == (float(i) - 5.5f) / 4);
        CHECK((reader.read<std::int64_t>("counts") == xt::xarray<std::int64_t>{-3, 0, 7, std::int64_t{1} << 40}));
        CHECK((reader.read<double>("big_endian.npy") == xt::xarray<double>{0, 0.5, 1, 1.5, 2}));
        const auto scalar = reader.read<double>("scalar");
        CHECK(scalar.dimension() == 0);
        CHECK(scalar() == 2.5);
        const auto zeros = reader.read<float>("zeros");
        CHECK(zeros.shape() == std::vector<std::size_t>{2, 500});
        CHECK(std::all_of(zeros.begin(), zeros.end(), [](float v) { return v == 0; }));
        CHECK_THAT(error_of([&] { reader.read<float>("missing"); }),
                   Catch::Contains(std::string(file) + ": no array 'missing' in the archive (it holds 'matrix', "));
    }
}

TEST_CASE("npz: NpzWriter's archives read back, and a writer not closed leaves no file", "[npz]") {
    TempDir dir;
    const xt::xarray<double> a{{1.5, -2}, {3, 4}};
    const xt::xarray<std::int32_t> b{7, 8, 9};
    {
        NpzWriter writer(dir / "ab.npz");
        writer.add("a", a);
        writer.add("b", b);
        CHECK_THAT(error_of([&] { writer.add("a", b); }), Catch::Contains("already holds an array named 'a'"));
        writer.close();
    }
    NpzReader reader(dir / "ab.npz");
    CHECK(reader.names() == std::vector<std::string>{"a", "b"});
    CHECK((reader.read<double>("a") == a));
    CHECK((reader.read<std::int32_t>("b") == b));
    // Stored members at fixed times: the same arrays always give the same bytes.
    {
        NpzWriter writer(dir / "again.npz");
        writer.add("a", a);
        writer.add("b", b);
        writer.close();
    }
    CHECK(read_bytes(dir / "ab.npz") == read_bytes(dir / "again.npz"));
    {
        NpzWriter writer(dir / "unfinished.npz");
        writer.add("a", a);
    }
    CHECK(!fs::exists(dir / "unfinished.npz"));
}

TEST_CASE("npz: truncated archives, flipped bytes and missing files are Errors", "[npz]") {
    TempDir dir;
    const Bytes original = read_bytes(weights_data("compressed.npz"));
    const auto expected = load_npz<double>(weights_data("compressed.npz"));
    const fs::path damaged = dir / "damaged.npz";

    SECTION("every truncation") {
        for (std::size_t size = 0; size < original.size(); ++size) {
            write_bytes(damaged, std::span(original.data(), size));
            CHECK_THROWS_AS(load_npz<double>(damaged), Error);
        }
        CHECK_THAT(error_of([&] { load_npz<double>(damaged); }),
                   Catch::Contains(damaged.string() + ": not an .npz (zip) archive, or truncated"));
    }
    SECTION("every flipped byte: an Error, or (timestamps, attributes) the same arrays") {
        std::size_t errors = 0;
        for (std::size_t at = 0; at < original.size(); ++at) {
            Bytes bytes = original;
            bytes[at] ^= 0xFF;
            write_bytes(damaged, bytes);
            std::map<std::string, xt::xarray<double>> arrays;
            try {
                arrays = load_npz<double>(damaged);
            } catch (const Error&) {
                ++errors;
                continue;
            }
            CHECK((arrays == expected));
        }
        CHECK(errors > original.size() * 3 / 4);
    }
    SECTION("a flipped data byte of a stored member fails the CRC check") {
        Bytes bytes = read_bytes(weights_data("stored.npz"));
        bytes[30 + 10 + 20 + 128 + 1] ^= 0x01;  // local header, "matrix.npy", ZIP64 extra, .npy header, data
        write_bytes(damaged, bytes);
        CHECK_THAT(error_of([&] { load_npz<float>(damaged); }),
                   Catch::Contains(damaged.string() + ", member 'matrix.npy': corrupt: CRC-32"));
    }
    CHECK_THAT(error_of([&] { NpzReader reader(dir / "absent.npz"); }), Catch::Contains("absent.npz"));
}
