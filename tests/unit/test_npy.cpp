#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>
#include <xtensor/xmanipulation.hpp>

#include "latentlab/data/npy.hpp"

namespace fs = std::filesystem;
using latentlab::load_npy;
using latentlab::save_npy;

namespace {

// A unique path under the temp directory, removed when the test ends.
class TempFile {
public:
    TempFile() {
        static std::atomic<unsigned> counter{0};
        std::random_device device;
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path_ = fs::temp_directory_path() /
                ("latentlab_npy_" + std::to_string(stamp) + "_" + std::to_string(device()) + "_" +
                 std::to_string(counter++) + ".npy");
    }
    ~TempFile() {
        std::error_code ignored;
        fs::remove(path_, ignored);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const fs::path& path() const { return path_; }
    std::string name() const { return path_.string(); }

private:
    fs::path path_;
};

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A .npy file written by hand: magic, version, header length (2 bytes for 1.0, 4 for
// 2.0/3.0), the dict padded with spaces and a newline to a multiple of 64, then `data`.
std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
    const std::size_t preamble = major == 1 ? 10 : 12;
    std::string header = dict;
    while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += static_cast<char>(major);
    bytes += '\0';
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    for (std::size_t i = 0; i < length_bytes; ++i) {
        bytes += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
    }
    return bytes + header + data;
}

template <class T>
std::string raw(const std::vector<T>& values, bool big_endian = false) {
    std::string bytes;
    for (const T& v : values) {
        char item[sizeof(T)];
        std::memcpy(item, &v, sizeof(T));
        if (big_endian == (std::endian::native == std::endian::little)) {
            std::reverse(item, item + sizeof(T));
        }
        bytes.append(item, sizeof(T));
    }
    return bytes;
}

// Shape and values equal (Catch cannot decompose xtensor's operator==).
template <class T>
bool same_array(const xt::xarray<T>& a, const xt::xarray<T>& b) {
    return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

template <class T>
void check_round_trip(const xt::xarray<T>& original, const std::string& descr) {
    TempFile file;
    save_npy(file.path(), original);
    const std::string bytes = read_bytes(file.path());
    const std::size_t header_end = bytes.find('\n') + 1;
    CHECK(header_end % 64 == 0);
    CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
    CHECK(bytes.find("'descr': '" + descr + "'") != std::string::npos);
    CHECK(bytes.size() - header_end == original.size() * sizeof(T));
    const xt::xarray<T> loaded = load_npy<T>(file.path());
    REQUIRE(loaded.shape() == original.shape());
    CHECK(same_array<T>(loaded, original));
}

}  // namespace

TEST_CASE("npy round trips keep values, shape and dtype", "[npy]") {
    SECTION("float32 2-d") {
        check_round_trip<float>({{1.5f, -2.25f, 3.0f}, {4.0f, 5.125f, -6.0f}}, "<f4");
    }
    SECTION("float64 3-d") {
        xt::xarray<double> a = xt::arange<double>(24.0) * 0.1 - 1.0;
        a.reshape({2, 3, 4});
        check_round_trip(a, "<f8");
    }
    SECTION("float64 0-d") {
        xt::xarray<double> scalar = xt::xarray<double>::from_shape({});
        scalar() = 3.25;
        check_round_trip(scalar, "<f8");
        TempFile file;
        save_npy(file.path(), scalar);
        CHECK(read_bytes(file.path()).find("'shape': ()") != std::string::npos);
    }
    SECTION("int8, int16, int32, int64 1-d") {
        check_round_trip<std::int8_t>({-128, -1, 0, 127}, "|i1");
        check_round_trip<std::int16_t>({-32768, 12, 32767}, "<i2");
        check_round_trip<std::int32_t>({-2147483647 - 1, 7, 2147483647}, "<i4");
        check_round_trip<std::int64_t>({INT64_MIN, -5, INT64_MAX}, "<i8");
        TempFile file;
        save_npy(file.path(), xt::xarray<std::int32_t>{1, 2, 3});
        CHECK(read_bytes(file.path()).find("'shape': (3,)") != std::string::npos);
    }
    SECTION("unsigned 4-d and bool") {
        xt::xarray<std::uint8_t> u8 = xt::arange<int>(2 * 3 * 2 * 2);
        u8.reshape({2, 3, 2, 2});
        check_round_trip(u8, "|u1");
        check_round_trip<std::uint16_t>({0, 65535}, "<u2");
        check_round_trip<std::uint32_t>({{0u, 4294967295u}}, "<u4");
        check_round_trip<std::uint64_t>({UINT64_MAX, 1}, "<u8");
        check_round_trip<bool>({{true, false}, {false, true}}, "|b1");
    }
    SECTION("an empty array") {
        check_round_trip(xt::xarray<float>::from_shape({0, 3}), "<f4");
    }
}

TEST_CASE("npy save writes views and column-major arrays in C order", "[npy]") {
    xt::xarray<double> a = xt::arange<double>(6.0);
    a.reshape({2, 3});
    TempFile file;

    save_npy(file.path(), xt::transpose(a));
    CHECK(same_array<double>(load_npy<double>(file.path()), xt::xarray<double>{{0, 3}, {1, 4}, {2, 5}}));

    save_npy(file.path(), xt::view(a, xt::all(), xt::range(1, 3)));
    CHECK(same_array<double>(load_npy<double>(file.path()), xt::xarray<double>{{1, 2}, {4, 5}}));

    xt::xarray<double, xt::layout_type::column_major> column_major = a;
    save_npy(file.path(), column_major);
    CHECK(same_array<double>(load_npy<double>(file.path()), a));

    save_npy(file.path(), a * 2.0 + 1.0);
    CHECK(same_array<double>(load_npy<double>(file.path()), xt::xarray<double>{{1, 3, 5}, {7, 9, 11}}));

    xt::xtensor<float, 3> fixed_rank = {{{1.0f}, {2.0f}}};
    save_npy(file.path(), fixed_rank);
    const auto loaded = load_npy<float>(file.path());
    REQUIRE(loaded.shape() == xt::svector<std::size_t>{1, 2, 1});
    CHECK(loaded(0, 1, 0) == 2.0f);
}

TEST_CASE("npy save from a raw pointer and a shape", "[npy]") {
    const std::vector<float> values = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const std::vector<std::size_t> shape = {2, 2, 3, 1};
    TempFile file;
    save_npy(file.path(), values.data(), shape);
    const auto loaded = load_npy<float>(file.path());
    REQUIRE(loaded.shape() == xt::svector<std::size_t>{2, 2, 3, 1});
    CHECK(loaded(1, 0, 2, 0) == 9.0f);
    CHECK(loaded(0, 1, 0, 0) == 4.0f);
}

TEST_CASE("npy load converts dtypes with static_cast", "[npy]") {
    TempFile file;
    save_npy(file.path(), xt::xarray<std::int32_t>{{-3, 0}, {5, 7}});
    CHECK(same_array<double>(load_npy<double>(file.path()), xt::xarray<double>{{-3.0, 0.0}, {5.0, 7.0}}));
    CHECK(same_array<float>(load_npy<float>(file.path()), xt::xarray<float>{{-3.0f, 0.0f}, {5.0f, 7.0f}}));

    save_npy(file.path(), xt::xarray<double>{1.75, -2.5, 0.0});
    CHECK(same_array<int>(load_npy<int>(file.path()), xt::xarray<int>{1, -2, 0}));
    CHECK(same_array<bool>(load_npy<bool>(file.path()), xt::xarray<bool>{true, true, false}));

    save_npy(file.path(), xt::xarray<bool>{true, false});
    CHECK(same_array<float>(load_npy<float>(file.path()), xt::xarray<float>{1.0f, 0.0f}));
}

TEST_CASE("npy load reads big-endian files", "[npy]") {
    TempFile file;
    write_bytes(file.path(), npy_bytes("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }",
                                       raw<double>({1.5, -2.0, 3.25, 1e300}, true)));
    CHECK(same_array<double>(load_npy<double>(file.path()), xt::xarray<double>{{1.5, -2.0}, {3.25, 1e300}}));

    write_bytes(file.path(), npy_bytes("{'descr': '>i4', 'fortran_order': False, 'shape': (3,), }",
                                       raw<std::int32_t>({-1, 65536, 7}, true)));
    CHECK(same_array<std::int64_t>(load_npy<std::int64_t>(file.path()), xt::xarray<std::int64_t>{-1, 65536, 7}));

    write_bytes(file.path(), npy_bytes("{'descr': '>u2', 'fortran_order': False, 'shape': (2,), }",
                                       raw<std::uint16_t>({258, 65535}, true)));
    CHECK(same_array<std::uint16_t>(load_npy<std::uint16_t>(file.path()), xt::xarray<std::uint16_t>{258, 65535}));

    write_bytes(file.path(), npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (), }",
                                       raw<float>({-0.5f}, true)));
    const auto scalar = load_npy<float>(file.path());
    CHECK(scalar.dimension() == 0);
    CHECK(scalar() == -0.5f);
}

TEST_CASE("npy load returns fortran-order files in C order", "[npy]") {
    TempFile file;
    // The 2x3 matrix [[0, 1, 2], [10, 11, 12]] stored column by column.
    write_bytes(file.path(), npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                                       raw<float>({0, 10, 1, 11, 2, 12})));
    CHECK(same_array<float>(load_npy<float>(file.path()), xt::xarray<float>{{0, 1, 2}, {10, 11, 12}}));

    // 2x2x3, value 100*i + 10*j + k, first index fastest in the file; big-endian too.
    std::vector<std::int16_t> column_major;
    for (int k = 0; k < 3; ++k)
        for (int j = 0; j < 2; ++j)
            for (int i = 0; i < 2; ++i) column_major.push_back(static_cast<std::int16_t>(100 * i + 10 * j + k));
    write_bytes(file.path(), npy_bytes("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 2, 3), }",
                                       raw(column_major, true)));
    const auto loaded = load_npy<int>(file.path());
    REQUIRE(loaded.shape() == xt::svector<std::size_t>{2, 2, 3});
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
            for (int k = 0; k < 3; ++k) CHECK(loaded(i, j, k) == 100 * i + 10 * j + k);
    CHECK(std::equal(loaded.begin(), loaded.end(),
                     std::vector<int>{0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112}.begin()));
}

TEST_CASE("npy load reads format versions 2.0 and 3.0 and numpy's header variants", "[npy]") {
    TempFile file;
    for (int major : {2, 3}) {
        write_bytes(file.path(), npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                                           raw<float>({1.0f, 2.0f}), major));
        CHECK(same_array<float>(load_npy<float>(file.path()), xt::xarray<float>{1.0f, 2.0f}));
    }
    // Keys in another order, double quotes, no trailing comma, Python 2 long integers.
    write_bytes(file.path(), npy_bytes("{\"shape\": (1L, 2L), \"fortran_order\": False, \"descr\": \"|u1\"}",
                                       std::string("\x05\x06", 2)));
    CHECK(same_array<int>(load_npy<int>(file.path()), xt::xarray<int>{{5, 6}}));
}

TEST_CASE("npy load rejects a file that is not .npy", "[npy]") {
    TempFile file;
    const std::string name = file.name();

    REQUIRE_THROWS_AS(load_npy<float>(file.path()), latentlab::Error);  // does not exist
    REQUIRE_THROWS_WITH(load_npy<float>(file.path()),
                        Catch::Contains(name) && Catch::Contains("cannot open"));

    write_bytes(file.path(), "PK\x03\x04 this is a zip file, not an npy file");
    REQUIRE_THROWS_WITH(load_npy<float>(file.path()),
                        Catch::Contains(name) && Catch::Contains("bad magic"));

    write_bytes(file.path(), "\x93NUM");
    REQUIRE_THROWS_WITH(load_npy<float>(file.path()),
                        Catch::Contains(name) && Catch::Contains("bad magic"));

    std::string version4 = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                                     raw<float>({1.0f}), 2);
    version4[6] = '\x04';
    write_bytes(file.path(), version4);
    REQUIRE_THROWS_WITH(load_npy<float>(file.path()),
                        Catch::Contains(name) && Catch::Contains("unsupported .npy format version 4.0"));

    write_bytes(file.path(), std::string("\x93NUMPY\x01\x00\x76", 9));
    REQUIRE_THROWS_WITH(load_npy<float>(file.path()),
                        Catch::Contains(name) && Catch::Contains("truncated") &&
                            Catch::Contains("header length"));

    // The header length field promises more bytes than the file has.
    write_bytes(file.path(), std::string("\x93NUMPY\x01\x00\x76\x00{'descr': '<f4'", 25));
    REQUIRE_THROWS_WITH(load_npy<float>(file.path()),
                        Catch::Contains(name) && Catch::Contains("truncated: the header is said to be 118 bytes"));
}

TEST_CASE("npy load rejects malformed header dictionaries", "[npy]") {
    TempFile file;
    const std::string name = file.name();
    const auto rejects = [&](const std::string& dict, const std::string& what) {
        write_bytes(file.path(), npy_bytes(dict, raw<float>({1.0f, 2.0f})));
        INFO(dict);
        REQUIRE_THROWS_WITH(load_npy<float>(file.path()), Catch::Contains(name) &&
                                                              Catch::Contains("malformed header") &&
                                                              Catch::Contains(what));
    };
    rejects("{'descr': '<f4', 'fortran_order': False}", "no 'shape' key");
    rejects("{'fortran_order': False, 'shape': (2,)}", "no 'descr' key");
    rejects("{'descr': '<f4', 'shape': (2,)}", "no 'fortran_order' key");
    rejects("{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,)}", "True or False");
    rejects("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", "tuple");
    rejects("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}", "non-negative integers");
    rejects("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}", "expected ',' or ')'");
    rejects("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key 'extra'");
    rejects("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", "appears twice");
    rejects("{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}", "expected ':' after key 'descr'");
    rejects("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", "expected ',' or '}'");
    rejects("{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", "after the value of 'descr'");
    rejects("{'descr': <f4, 'fortran_order': False, 'shape': (2,)}", "quoted dtype string");
    rejects("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", "after the closing '}'");
    rejects("'descr': '<f4'", "must start with '{'");
    rejects("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "expected ','");
}

TEST_CASE("npy load rejects dtypes it cannot convert, naming them", "[npy]") {
    TempFile file;
    const std::string name = file.name();
    const auto rejects = [&](const std::string& descr, const std::string& what) {
        write_bytes(file.path(),
                    npy_bytes("{'descr': " + descr + ", 'fortran_order': False, 'shape': (1,), }",
                              std::string(16, '\0')));
        INFO(descr);
        REQUIRE_THROWS_WITH(load_npy<double>(file.path()),
                            Catch::Contains(name) && Catch::Contains("unsupported dtype") &&
                                Catch::Contains(descr) && Catch::Contains(what));
    };
    rejects("'|O'", "objects");
    rejects("'<U5'", "strings");
    rejects("'|S16'", "strings");
    rejects("'<c16'", "complex");
    rejects("'<f2'", "item size");
    rejects("'<i3'", "item size");
    rejects("'|b2'", "item size");
    rejects("'<M8[ns]'", "date/time");
    rejects("'|V16'", "structured");
    rejects("[('a', '<f8'), ('b', '<f8')]", "structured dtype");
}

TEST_CASE("npy load rejects data that does not match the shape", "[npy]") {
    TempFile file;
    const std::string name = file.name();
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

    SECTION("truncated data") {
        write_bytes(file.path(), npy_bytes(dict, raw<float>({1, 2, 3, 4, 5})));
        REQUIRE_THROWS_WITH(load_npy<float>(file.path()),
                            Catch::Contains(name + ": truncated: header says 2×3 float32 = 24 bytes "
                                                   "of data, file has 20"));
    }
    SECTION("no data at all") {
        write_bytes(file.path(), npy_bytes(dict, ""));
        REQUIRE_THROWS_WITH(load_npy<float>(file.path()),
                            Catch::Contains(name) && Catch::Contains("truncated") &&
                                Catch::Contains("file has 0"));
    }
    SECTION("a partial item") {
        write_bytes(file.path(), npy_bytes(dict, raw<float>({1, 2, 3, 4, 5}) + "ab"));
        REQUIRE_THROWS_WITH(load_npy<float>(file.path()),
                            Catch::Contains(name) && Catch::Contains("truncated") &&
                                Catch::Contains("file has 22"));
    }
    SECTION("trailing garbage") {
        write_bytes(file.path(), npy_bytes(dict, raw<float>({1, 2, 3, 4, 5, 6}) + "junk"));
        REQUIRE_THROWS_WITH(load_npy<float>(file.path()),
                            Catch::Contains(name + ": trailing garbage: header says 2×3 float32 = "
                                                   "24 bytes of data, file has 28"));
    }
    SECTION("the data of another shape") {
        write_bytes(file.path(),
                    npy_bytes("{'descr': '>i8', 'fortran_order': True, 'shape': (2, 2), }",
                              raw<std::int64_t>({1, 2, 3, 4, 5, 6}, true)));
        REQUIRE_THROWS_WITH(load_npy<std::int64_t>(file.path()),
                            Catch::Contains(name) && Catch::Contains("header says 2×2 int64 = 32 bytes") &&
                                Catch::Contains("file has 48"));
    }
    SECTION("a scalar with two values") {
        write_bytes(file.path(), npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                           raw<double>({1, 2})));
        REQUIRE_THROWS_WITH(load_npy<double>(file.path()),
                            Catch::Contains("header says scalar float64 = 8 bytes of data, file has 16"));
    }
}

TEST_CASE("npy save reports files it cannot write", "[npy]") {
    const fs::path missing_dir = fs::temp_directory_path() / "latentlab_npy_no_such_dir" / "x.npy";
    REQUIRE_THROWS_WITH(save_npy(missing_dir, xt::xarray<float>{1.0f}),
                        Catch::Contains(missing_dir.string()) && Catch::Contains("cannot open for writing"));
}
