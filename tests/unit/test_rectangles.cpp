#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "latentlab/data/rectangles.hpp"
#include "latentlab/data/rectangles_eda.hpp"

using namespace latentlab;
using namespace latentlab::data;
namespace rect = latentlab::data::rectangles;

namespace {

constexpr int side = rect::image_side;

bool in_class_range(int class_index, int r, int g, int b, int delta) {
    const int colour[3] = {r, g, b};
    for (int c = 0; c < 3; ++c) {
        const auto range = rect::colour_range(class_index, c, delta);
        if (colour[c] < range.low || colour[c] > range.high) return false;
    }
    return true;
}

// Checks one sample against the spec; returns a description of the first violation, or "".
std::string spec_violation(const Sample& s, int delta, bool selection) {
    std::ostringstream why;
    const auto n = s.rectangles.size();
    std::array<int, rect::mask_classes> mask_count{};
    for (int row = 0; row < side; ++row) {
        for (int column = 0; column < side; ++column) {
            const int m = s.mask(row, column);
            const int r = s.image(row, column, 0), g = s.image(row, column, 1), b = s.image(row, column, 2);
            if (m > rect::background_class) {
                why << "mask value " << m << " at " << row << "," << column;
                return why.str();
            }
            ++mask_count[static_cast<std::size_t>(m)];
            if (m == rect::background_class) {
                if (r != 0 || g != 0 || b != 0) {
                    why << "background pixel " << row << "," << column << " is not black";
                    return why.str();
                }
                continue;
            }
            if (!in_class_range(m, r, g, b, delta)) {
                why << "pixel " << row << "," << column << " (" << r << "," << g << "," << b
                    << ") is outside the range of its mask class " << m;
                return why.str();
            }
            // The pixel shows the rectangle of class m, which covers it.
            const auto owner = std::find_if(s.rectangles.begin(), s.rectangles.end(),
                                            [&](const RectangleParams& p) { return p.class_index == m; });
            if (owner == s.rectangles.end() || owner->r != r || owner->g != g || owner->b != b ||
                !pixel_box(*owner).contains(column, row)) {
                why << "pixel " << row << "," << column << " is not painted by a rectangle of class " << m;
                return why.str();
            }
        }
    }
    std::vector<bool> positions(n, false);
    for (std::size_t k = 0; k < n; ++k) {
        const RectangleParams& p = s.rectangles[k];
        if (n == rect::max_rectangles && p.class_index != static_cast<int>(k)) return "rectangles not indexed by class";
        if (!in_class_range(p.class_index, p.r, p.g, p.b, delta)) return "a colour outside its class range";
        for (const int v : {p.l, p.h, p.x, p.y}) {
            if (v < 0 || v >= side) return "a factor outside [0, 63]";
        }
        if (p.order < 0 || p.order >= static_cast<int>(n) || positions[static_cast<std::size_t>(p.order)])
            return "the draw orders are not a permutation";
        positions[static_cast<std::size_t>(p.order)] = true;
        if (p.visible_area != mask_count[static_cast<std::size_t>(p.class_index)]) {
            why << "class " << p.class_index << ": visible_area " << p.visible_area << " but the mask has "
                << mask_count[static_cast<std::size_t>(p.class_index)] << " pixels";
            return why.str();
        }
        if (selection && (p.x - p.l / 2 < 0 || p.x + p.l / 2 >= side || p.y - p.h / 2 < 0 || p.y + p.h / 2 >= side))
            return "selection left a rectangle partly outside the image";
        // The topmost rectangle shows exactly its clipped inclusive box.
        if (p.order == static_cast<int>(n) - 1 && p.visible_area != pixel_box(p).area()) {
            why << "the topmost rectangle shows " << p.visible_area << " pixels, its box has " << pixel_box(p).area();
            return why.str();
        }
    }
    return "";
}

void require_spec(const Rectangles& data, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        const std::string violation = spec_violation(data.sample(i), data.options().delta, data.options().selection);
        INFO("sample " << i << ": " << violation);
        REQUIRE(violation.empty());
    }
}

// Pearson's chi-square statistic of counts against equal expected counts.
double chi_square(const std::vector<std::uint64_t>& counts) {
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    const double expected = total / static_cast<double>(counts.size());
    double chi = 0;
    for (const auto c : counts) chi += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
    return chi;
}

// A small JSON reader, enough to read to_json's output back.
struct Json {
    enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
    bool boolean = false;
    double number = 0;
    std::string text;
    std::vector<Json> items;
    std::map<std::string, Json> members;

    const Json& operator[](const std::string& key) const { return members.at(key); }
    const Json& operator[](std::size_t k) const { return items.at(k); }
};

class JsonReader {
public:
    explicit JsonReader(std::string_view text) : text_(text) {}

    Json document() {
        Json value = parse();
        skip();
        if (pos_ != text_.size()) fail("text after the document");
        return value;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("JSON: " + what + " at " + std::to_string(pos_));
    }
    void skip() {
        while (pos_ < text_.size() && std::string_view(" \t\r\n").find(text_[pos_]) != std::string_view::npos) ++pos_;
    }
    bool take(char c) {
        skip();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!take(c)) fail(std::string("expected '") + c + "'");
    }
    bool word(std::string_view w) {
        if (text_.substr(pos_, w.size()) != w) return false;
        pos_ += w.size();
        return true;
    }
    std::string string() {
        expect('"');
        const std::size_t end = text_.find('"', pos_);
        if (end == std::string_view::npos) fail("unterminated string");
        std::string s(text_.substr(pos_, end - pos_));
        if (s.find('\\') != std::string::npos) fail("escapes are not expected here");
        pos_ = end + 1;
        return s;
    }
    Json parse() {
        skip();
        if (pos_ >= text_.size()) fail("unexpected end");
        Json value;
        const char c = text_[pos_];
        if (c == '{') {
            value.kind = Json::Kind::object;
            ++pos_;
            if (take('}')) return value;
            do {
                skip();
                std::string key = string();
                expect(':');
                if (!value.members.emplace(key, parse()).second) fail("duplicate key " + key);
            } while (take(','));
            expect('}');
        } else if (c == '[') {
            value.kind = Json::Kind::array;
            ++pos_;
            if (take(']')) return value;
            do value.items.push_back(parse());
            while (take(','));
            expect(']');
        } else if (c == '"') {
            value.kind = Json::Kind::string;
            value.text = string();
        } else if (word("true") || word("false")) {
            value.kind = Json::Kind::boolean;
            value.boolean = text_[pos_ - 1] == 'e' && text_[pos_ - 2] == 'u';
        } else if (word("null")) {
            value.kind = Json::Kind::null;
        } else {
            value.kind = Json::Kind::number;
            const auto result = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value.number);
            if (result.ec != std::errc{}) fail("bad number");
            pos_ = static_cast<std::size_t>(result.ptr - text_.data());
        }
        return value;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

TEST_CASE("rectangles: colour ranges are those of EXPERIMENTS.md", "[rectangles]") {
    // Class I is (42, 127, 212) ± δ, II (127, 212, 42), III (212, 42, 127); the upper end is
    // excluded as in numpy's randint, and δ = 0 gives the centre colour.
    const auto range = [](int class_index, int channel, int delta) {
        const auto r = rect::colour_range(class_index, channel, delta);
        return std::array<int, 2>{r.low, r.high};
    };
    REQUIRE(range(0, 0, 15) == std::array<int, 2>{27, 56});
    REQUIRE(range(0, 2, 15) == std::array<int, 2>{197, 226});
    REQUIRE(range(1, 1, 1) == std::array<int, 2>{211, 212});
    REQUIRE(range(2, 0, 42) == std::array<int, 2>{170, 253});
    REQUIRE(range(2, 1, 42) == std::array<int, 2>{0, 83});
    REQUIRE(range(1, 2, 0) == std::array<int, 2>{42, 42});
}

TEST_CASE("rectangles: every pixel follows the spec for δ = 0, 1, 15, 42", "[rectangles]") {
    for (const int delta : {0, 1, 15, 42}) {
        for (const bool selection : {false, true}) {
            INFO("delta " << delta << ", selection " << selection);
            require_spec(Rectangles({.count = 150, .delta = delta, .seed = 11, .selection = selection}), 150);
            require_spec(Rectangles({.count = 60, .delta = delta, .seed = 12, .rectangles_per_image = 1,
                                     .selection = selection}),
                         60);
        }
    }
    // δ = 0: every colour is exactly the class's centre colour.
    const Rectangles exact({.count = 20, .delta = 0, .seed = 3});
    for (std::size_t i = 0; i < exact.size(); ++i) {
        for (const RectangleParams& p : exact.sample(i).rectangles) {
            const auto& centre = rect::centre_colours[static_cast<std::size_t>(p.class_index)];
            REQUIRE(std::array<int, 3>{p.r, p.g, p.b} == centre);
        }
    }
}

TEST_CASE("rectangles: the pixels of a rectangle are the clipped inclusive box of its parameters", "[rectangles]") {
    // Single rectangles, so every painted pixel belongs to the one rectangle.
    const Rectangles data({.count = 300, .seed = 5, .rectangles_per_image = 1});
    int clipped = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const Sample s = data.sample(i);
        const RectangleParams& p = s.rectangles[0];
        std::string mismatch;
        for (int row = 0; row < side && mismatch.empty(); ++row) {
            for (int column = 0; column < side; ++column) {
                const bool inside = std::abs(column - p.x) <= p.l / 2 && std::abs(row - p.y) <= p.h / 2;
                if (inside != (s.mask(row, column) == p.class_index) || inside != (s.image(row, column, 0) != 0)) {
                    mismatch = "pixel " + std::to_string(row) + "," + std::to_string(column);
                    break;
                }
            }
        }
        INFO("sample " << i << " l " << p.l << " h " << p.h << " x " << p.x << " y " << p.y << ": " << mismatch);
        REQUIRE(mismatch.empty());
        clipped += pixel_box(p).area() < (p.l / 2 * 2 + 1) * (p.h / 2 * 2 + 1);
    }
    REQUIRE(clipped > 100);  // without selection most rectangles stick out of the image
}

TEST_CASE("rectangles: selection keeps every rectangle inside the image", "[rectangles]") {
    const auto inside = [](const RectangleParams& p) {
        return p.x - p.l / 2 >= 0 && p.x + p.l / 2 < side && p.y - p.h / 2 >= 0 && p.y + p.h / 2 < side;
    };
    const Rectangles free_all({.count = 2000, .seed = 8, .selection = true});
    const auto params = free_all.parameters(0, free_all.size());
    std::set<int> widths;
    for (std::size_t i = 0; i < free_all.size(); ++i) {
        for (std::size_t k = 0; k < 3; ++k) {
            RectangleParams p;
            p.l = static_cast<int>(params(i, k, 4));
            p.h = static_cast<int>(params(i, k, 5));
            p.x = static_cast<int>(params(i, k, 6));
            p.y = static_cast<int>(params(i, k, 7));
            REQUIRE(inside(p));
            REQUIRE(pixel_box(p).area() == (p.l / 2 * 2 + 1) * (p.h / 2 * 2 + 1));  // nothing clipped
            widths.insert(p.l);
        }
    }
    REQUIRE(widths.size() == 64);  // every size still occurs
    // A wide fixed rectangle with a free centre: only the centres that fit remain.
    const Rectangles wide({.count = 300, .seed = 8, .rectangles_per_image = 1, .selection = true,
                           .free = {.l = false}, .fixed = {.l = 62}});
    std::set<int> centres;
    for (std::size_t i = 0; i < wide.size(); ++i) {
        const RectangleParams p = wide.sample(i).rectangles[0];
        REQUIRE(p.l == 62);
        REQUIRE(inside(p));
        centres.insert(p.x);
    }
    REQUIRE(centres == std::set<int>{31, 32});
}

TEST_CASE("rectangles: presets keep their fixed factors fixed and vary the free ones", "[rectangles]") {
    for (const Variant variant : all_variants) {
        REQUIRE(parse_variant(variant_name(variant)) == variant);
        for (const int per_image : {1, 3}) {
            RectanglesOptions base{.count = 240, .seed = 21, .rectangles_per_image = per_image,
                                   .fixed = {.l = 5, .h = 7, .x = 20, .y = 40}};
            const RectanglesOptions options = options_for(variant, base);
            const FreeFactors free = options.free;
            REQUIRE(free == free_factors(variant));
            REQUIRE(options.count == 240);
            REQUIRE(options.fixed.x == 20);
            const Rectangles data(options);
            std::array<std::set<int>, 7> seen;  // r, g, b, l, h, x, y over class-0 rectangles
            for (std::size_t i = 0; i < data.size(); ++i) {
                const Sample s = data.sample(i);
                INFO(variant_name(variant) << ", " << per_image << " per image, sample " << i);
                REQUIRE(spec_violation(s, options.delta, false).empty());
                for (const RectangleParams& p : s.rectangles) {
                    const auto& centre = rect::centre_colours[static_cast<std::size_t>(p.class_index)];
                    if (!free.colour) REQUIRE(std::array<int, 3>{p.r, p.g, p.b} == centre);
                    if (!free.l) REQUIRE(p.l == 5);
                    if (!free.h) REQUIRE(p.h == 7);
                    if (!free.x) REQUIRE(p.x == 20);
                    if (!free.y) REQUIRE(p.y == 40);
                    if (p.class_index != 0) continue;
                    const int values[7] = {p.r, p.g, p.b, p.l, p.h, p.x, p.y};
                    for (std::size_t f = 0; f < 7; ++f) seen[f].insert(values[f]);
                }
            }
            const bool expected_free[7] = {free.colour, free.colour, free.colour, free.l, free.h, free.x, free.y};
            for (std::size_t f = 0; f < 7; ++f) {
                INFO(variant_name(variant) << ", factor " << f);
                REQUIRE((seen[f].size() > 5) == expected_free[f]);
            }
        }
    }
    // Our reading of the names.
    REQUIRE(free_factors(Variant::only_color) == FreeFactors{false, false, false, false, false});
    REQUIRE(free_factors(Variant::only_h) == FreeFactors{false, false, true, false, false});
    REQUIRE(free_factors(Variant::free_color_and_hl) == FreeFactors{true, true, true, false, false});
    REQUIRE(free_factors(Variant::free_color_and_xy) == FreeFactors{true, false, false, true, true});
    REQUIRE(free_factors(Variant::free_all) == FreeFactors{});
    REQUIRE_THROWS_AS(parse_variant("OnlyY"), Error);
    REQUIRE_THROWS_WITH(parse_variant("onlycolor"),
                        Catch::Contains("'onlycolor'") && Catch::Contains("OnlyColor, OnlyH, OnlyX, FreeColor, "
                                                                          "FreeColorAndH, FreeColorAndX, "
                                                                          "FreeColorAndHL, FreeColorAndXY, FreeAll"));
}

TEST_CASE("rectangles: a sample depends only on (seed, index)", "[rectangles]") {
    const Rectangles data({.count = 64, .seed = 99});
    const auto one_thread = data.images(0, 64, Cpu{1});
    const auto two_threads = data.images(0, 64, Cpu{2});
    REQUIRE((one_thread == two_threads));
    REQUIRE((data.masks(0, 64, Cpu{1}) == data.masks(0, 64, Cpu{2})));
    REQUIRE((data.parameters(0, 64, Cpu{1}) == data.parameters(0, 64, Cpu{2})));
    // A slice, one at a time in reverse order, and through draw() with reused buffers.
    const auto slice = data.images(10, 20, Cpu{2});
    const auto masks = data.masks(0, 64);
    const auto params = data.parameters(0, 64);
    std::vector<std::uint8_t> image(rect::image_bytes), mask(rect::mask_bytes);
    std::array<RectangleParams, 3> drawn;
    for (std::size_t i = 64; i-- > 0;) {
        const Sample s = data.sample(i);
        REQUIRE(std::equal(s.image.begin(), s.image.end(), one_thread.data() + i * rect::image_bytes));
        REQUIRE(std::equal(s.mask.begin(), s.mask.end(), masks.data() + i * rect::mask_bytes));
        if (i >= 10 && i < 30)
            REQUIRE(std::equal(s.image.begin(), s.image.end(), slice.data() + (i - 10) * rect::image_bytes));
        data.draw(i, image.data(), mask.data(), drawn.data());
        REQUIRE(std::equal(image.begin(), image.end(), s.image.begin()));
        for (std::size_t k = 0; k < 3; ++k) {
            const auto values = field_values(drawn[k]);
            for (std::size_t f = 0; f < parameter_fields.size(); ++f)
                REQUIRE(params(i, k, f) == static_cast<float>(values[f]));
        }
    }
    // Another data set with the same seed is the same; another seed differs in every image.
    REQUIRE((Rectangles({.count = 64, .seed = 99}).images(0, 64) == one_thread));
    const auto other = Rectangles({.count = 64, .seed = 100}).images(0, 64);
    for (std::size_t i = 0; i < 64; ++i) {
        REQUIRE_FALSE(std::equal(other.data() + i * rect::image_bytes, other.data() + (i + 1) * rect::image_bytes,
                                 one_thread.data() + i * rect::image_bytes));
    }
}

TEST_CASE("rectangles: the labelled set is exactly balanced", "[rectangles]") {
    const Rectangles labelled(options_for(Variant::free_all, {.count = 45'000, .rectangles_per_image = 1}));
    const auto labels = labelled.labels(0, labelled.size());
    std::array<std::size_t, 3> counts{};
    for (const int label : labels) ++counts[static_cast<std::size_t>(label)];
    REQUIRE(counts == std::array<std::size_t, 3>{15'000, 15'000, 15'000});
    const auto params = labelled.parameters(0, 300);
    for (std::size_t i = 0; i < 300; ++i) {
        REQUIRE(params(i, 0, 0) == static_cast<float>(labels(i)));
        REQUIRE(labelled.sample(i).label == labels(i));
    }
    const Rectangles only_second({.count = 30, .rectangles_per_image = 1, .single_class = 2});
    for (const int label : only_second.labels(0, 30)) REQUIRE(label == 2);
    REQUIRE(only_second.sample(7).rectangles[0].class_index == 2);
    const Rectangles three({.count = 30});
    REQUIRE_FALSE(three.sample(0).label.has_value());
    REQUIRE_THROWS_WITH(three.labels(0, 3), Catch::Contains("no single label"));
}

TEST_CASE("rectangles: the draw order is a permutation and all six occur", "[rectangles]") {
    const Rectangles data({.count = 1200, .seed = 4});
    const auto params = data.parameters(0, data.size());
    std::map<std::array<int, 3>, int> orders;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const std::array<int, 3> order = {static_cast<int>(params(i, 0, 8)), static_cast<int>(params(i, 1, 8)),
                                          static_cast<int>(params(i, 2, 8))};
        std::array<int, 3> sorted = order;
        std::sort(sorted.begin(), sorted.end());
        REQUIRE(sorted == std::array<int, 3>{0, 1, 2});
        ++orders[order];
    }
    REQUIRE(orders.size() == 6);
    for (const auto& [order, count] : orders) REQUIRE(count > 120);  // 200 expected each
    const Rectangles fixed({.count = 50, .seed = 4, .order = DrawOrder::fixed});
    const auto fixed_params = fixed.parameters(0, 50);
    for (std::size_t i = 0; i < 50; ++i) {
        for (std::size_t k = 0; k < 3; ++k) REQUIRE(fixed_params(i, k, 8) == static_cast<float>(k));
    }
}

TEST_CASE("rectangles: bad options are errors that name the option", "[rectangles]") {
    for (const int delta : {-1, 43, 200}) {
        REQUIRE_THROWS_WITH(Rectangles({.delta = delta}),
                            Catch::Contains("RectanglesOptions.delta") && Catch::Contains("[0, 42]") &&
                                Catch::Contains("found " + std::to_string(delta)));
    }
    REQUIRE_NOTHROW(Rectangles({.delta = 0}));
    REQUIRE_NOTHROW(Rectangles({.delta = 42}));
    REQUIRE_THROWS_WITH(Rectangles({.count = 0}), Catch::Contains("RectanglesOptions.count"));
    REQUIRE_THROWS_WITH(Rectangles({.rectangles_per_image = 2}),
                        Catch::Contains("rectangles_per_image") && Catch::Contains("found 2"));
    REQUIRE_THROWS_WITH(Rectangles({.single_class = 1}), Catch::Contains("single_class"));
    REQUIRE_THROWS_WITH(Rectangles({.rectangles_per_image = 1, .single_class = 3}),
                        Catch::Contains("single_class") && Catch::Contains("found 3"));
    REQUIRE_THROWS_WITH(Rectangles({.fixed = {.l = 64}}), Catch::Contains("fixed.l") && Catch::Contains("found 64"));
    REQUIRE_THROWS_WITH(Rectangles({.fixed = {.h = -1}}), Catch::Contains("fixed.h"));
    REQUIRE_THROWS_WITH(Rectangles({.fixed = {.x = 64}}), Catch::Contains("fixed.x"));
    REQUIRE_THROWS_WITH(Rectangles({.fixed = {.y = -3}}), Catch::Contains("fixed.y") && Catch::Contains("found -3"));
    // Fixed x = 2 with fixed l = 10 spans columns −3..7: selection could never succeed.
    REQUIRE_THROWS_WITH(Rectangles({.selection = true, .free = {.l = false, .x = false}, .fixed = {.x = 2}}),
                        Catch::Contains("selection") && Catch::Contains("-3..7"));
    REQUIRE_NOTHROW(Rectangles({.selection = true, .free = {.l = false}, .fixed = {.x = 2}}));
    REQUIRE_NOTHROW(Rectangles({.selection = false, .free = {.l = false, .x = false}, .fixed = {.x = 2}}));

    const Rectangles data({.count = 10});
    REQUIRE_THROWS_WITH(data.sample(10), Catch::Contains("index 10") && Catch::Contains("has 10 images"));
    REQUIRE_THROWS_WITH(data.images(5, 6), Catch::Contains("out of range"));
    REQUIRE_THROWS_WITH(data.masks(11, 0), Catch::Contains("out of range"));
    REQUIRE(data.images(10, 0).size() == 0);
    HostTensor<float, rect::ImageShape> x(2);
    HostTensor<float, rect::MaskShape> y(3);
    const std::array<std::size_t, 2> indices = {0, 1};
    REQUIRE_THROWS_WITH(data.fill(indices, x.view(), y.view()), Catch::Contains("target tensor holds 3"));
    const std::array<std::size_t, 2> outside = {0, 10};
    HostTensor<float, rect::MaskShape> y2(2);
    REQUIRE_THROWS_WITH(data.fill(outside, x.view(), y2.view()), Catch::Contains("index 10"));
}

TEST_CASE("rectangles: colours, centres and sizes are uniform without selection", "[rectangles]") {
    const Rectangles data({.count = 4000, .seed = 1234});
    const auto params = data.parameters(0, data.size());
    // Fields 4..7 are l, h, x, y over 0..63; field 1 is red over [c − 15, c + 14] per class.
    for (std::size_t field = 4; field < 8; ++field) {
        std::vector<std::uint64_t> counts(64, 0);
        for (std::size_t i = 0; i < data.size(); ++i) {
            for (std::size_t k = 0; k < 3; ++k) {
                const auto v = static_cast<int>(params(i, k, field));
                REQUIRE((v >= 0 && v < 64));
                ++counts[static_cast<std::size_t>(v)];
            }
        }
        // 12,000 draws in 64 bins: chi-square with 63 degrees of freedom has mean 63 and
        // standard deviation 11.2; the seed is fixed, so the bounds are loose, not flaky.
        INFO(parameter_fields[field] << ": chi-square " << chi_square(counts));
        REQUIRE(chi_square(counts) < 130);
        REQUIRE(chi_square(counts) > 25);
    }
    // numpy's randint(c − δ, c + δ) excludes c + δ: 2δ values, each as likely.
    for (std::size_t k = 0; k < 3; ++k) {
        const int low = rect::centre_colours[k][0] - 15;
        std::vector<std::uint64_t> counts(30, 0);
        for (std::size_t i = 0; i < data.size(); ++i) {
            const int red = static_cast<int>(params(i, k, 1));
            REQUIRE((red >= low && red < low + 30));
            ++counts[static_cast<std::size_t>(red - low)];
        }
        INFO("class " << k << " red: chi-square " << chi_square(counts));
        REQUIRE(chi_square(counts) < 80);  // 29 degrees of freedom
    }
}

TEST_CASE("rectangles: fill() matches draw(), with one-hot targets", "[rectangles]") {
    const Rectangles data({.count = 120, .delta = 15, .seed = 31});
    const std::vector<std::size_t> indices = {5, 0, 117, 5, 42, 99, 1};
    const std::size_t n = indices.size();
    HostTensor<float, rect::ImageShape> x(n), x_sym(n);
    HostTensor<float, rect::MaskShape> y(n);
    data.fill(indices, x.view(), y.view(), {.mode = PreprocessMode::unit}, 0, Cpu{2});
    data.fill(indices, x_sym.view(), y.view(), {.mode = PreprocessMode::symmetric}, 0, Cpu{2});
    for (std::size_t k = 0; k < n; ++k) {
        const Sample s = data.sample(indices[k]);
        const auto one_hot = s.one_hot_mask();
        std::size_t bad = 0;
        for (std::size_t j = 0; j < rect::image_bytes; ++j) {
            const float v = s.image.data()[j];
            bad += x.data()[k * rect::image_bytes + j] != v / 255.0f;
            bad += x_sym.data()[k * rect::image_bytes + j] != v / 127.5f - 1.0f;
        }
        for (std::size_t p = 0; p < rect::mask_bytes; ++p) {
            float sum = 0;
            for (std::size_t c = 0; c < 4; ++c) {
                const float target = y.data()[k * rect::MaskShape::size + p * 4 + c];
                sum += target;
                bad += target != (s.mask.data()[p] == c ? 1.0f : 0.0f);
                bad += target != one_hot.data()[p * 4 + c];
            }
            bad += sum != 1.0f;
        }
        INFO("batch entry " << k << " (sample " << indices[k] << ")");
        REQUIRE(bad == 0);
    }
    REQUIRE(std::equal(x.data(), x.data() + rect::image_bytes, x.data() + 3 * rect::image_bytes));  // sample 5 twice
}

TEST_CASE("rectangles: the original preprocessing adds noise u, 0 ≤ u < 5, and divides by 212 + δ + 5", "[rectangles]") {
    for (const int delta : {0, 15, 42}) {
        const Rectangles data({.count = 50, .delta = delta, .seed = 77});
        const std::vector<std::size_t> indices = {3, 49, 0, 17};
        const std::size_t n = indices.size();
        HostTensor<float, rect::ImageShape> x(n), again(n);
        HostTensor<float, rect::MaskShape> y(n);
        data.fill(indices, x.view(), y.view(), {}, 0, Cpu{2});
        const double divisor = 212.0 + delta + 5.0;
        double low = 5, high = 0, sum = 0;
        std::size_t bad = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const Sample s = data.sample(indices[k]);
            for (std::size_t j = 0; j < rect::image_bytes; ++j) {
                const double u = x.data()[k * rect::image_bytes + j] * divisor - s.image.data()[j];
                bad += !(u >= -1e-4 && u < 5.0);
                low = std::min(low, u);
                high = std::max(high, u);
                sum += u;
            }
        }
        INFO("delta " << delta);
        REQUIRE(bad == 0);
        REQUIRE(low < 0.01);
        REQUIRE(high > 4.99);
        REQUIRE(sum / (n * rect::image_bytes) == Approx(2.5).margin(0.02));
        REQUIRE(x.data()[0] != x.data()[3]);  // each value draws its own noise
        // The same noise on another thread count and in another batch position.
        const std::vector<std::size_t> reversed(indices.rbegin(), indices.rend());
        data.fill(reversed, again.view(), y.view(), {}, 0, Cpu{1});
        for (std::size_t k = 0; k < n; ++k) {
            REQUIRE(std::equal(x.data() + k * rect::image_bytes, x.data() + (k + 1) * rect::image_bytes,
                               again.data() + (n - 1 - k) * rect::image_bytes));
        }
    }
    // Redrawn noise changes with the epoch; by default it does not.
    const Rectangles data({.count = 4, .seed = 5});
    const std::array<std::size_t, 1> index = {2};
    HostTensor<float, rect::ImageShape> epoch0(1), epoch1(1), kept(1);
    HostTensor<float, rect::MaskShape> y(1);
    data.fill(index, epoch0.view(), y.view(), {.redraw_noise_each_epoch = true}, 0);
    data.fill(index, epoch1.view(), y.view(), {.redraw_noise_each_epoch = true}, 1);
    data.fill(index, kept.view(), y.view(), {}, 1);
    REQUIRE(std::equal(epoch0.data(), epoch0.data() + epoch0.size(), kept.data()));
    std::size_t same = 0;
    for (std::size_t j = 0; j < epoch0.size(); ++j) {
        same += epoch0.data()[j] == epoch1.data()[j];
        REQUIRE(std::abs(epoch0.data()[j] - epoch1.data()[j]) < 5.0f / 232.0f);  // the same image under both
    }
    REQUIRE(same < epoch0.size() / 100);
}

TEST_CASE("rectangles EDA: fractions add up, histograms count every rectangle, JSON reads back", "[rectangles]") {
    const Rectangles data({.count = 3000, .seed = 9});
    const EdaReport report = eda(data, 2000, Cpu{2});
    REQUIRE(report.images == 2000);
    double total = 0;
    for (const double f : report.area_fraction) {
        REQUIRE((f > 0 && f < 1));
        total += f;
    }
    REQUIRE(total == Approx(1.0).epsilon(1e-12));
    for (std::size_t c = 0; c < 3; ++c) {
        REQUIRE(report.rectangles[c] == 2000);
        for (const auto* histogram : {&report.x[c], &report.y[c], &report.l[c], &report.h[c]})
            REQUIRE(std::accumulate(histogram->begin(), histogram->end(), std::uint64_t{0}) == 2000);
        REQUIRE((report.hidden_fraction[c] > 0 && report.hidden_fraction[c] < 1));
        REQUIRE((report.hidden_pixel_fraction[c] > 0 && report.hidden_pixel_fraction[c] < 1));
        REQUIRE(report.fully_hidden_fraction[c] <= report.hidden_fraction[c]);
    }
    // One thread gives the same counts.
    const EdaReport serial = eda(data, 2000, Cpu{1});
    REQUIRE(serial.x == report.x);
    REQUIRE(serial.area_fraction == report.area_fraction);
    // With a fixed order class III is on top: never hidden.
    const EdaReport fixed = eda(Rectangles({.count = 500, .order = DrawOrder::fixed}), 500);
    REQUIRE(fixed.hidden_fraction[2] == 0);
    REQUIRE(fixed.hidden_fraction[0] > 0);
    // The area fractions agree with the masks counted directly.
    const auto masks = data.masks(0, 2000);
    std::array<double, 4> counted{};
    for (const std::uint8_t m : masks) counted[m] += 1.0 / static_cast<double>(masks.size());
    for (std::size_t c = 0; c < 4; ++c) REQUIRE(report.area_fraction[c] == Approx(counted[c]).epsilon(1e-9));

    const Json json = JsonReader(to_json(report)).document();
    REQUIRE(json["images"].number == 2000);
    REQUIRE(json["options"]["delta"].number == 15);
    REQUIRE(json["options"]["selection"].kind == Json::Kind::boolean);
    REQUIRE_FALSE(json["options"]["selection"].boolean);
    REQUIRE(json["options"]["free"]["colour"].boolean);
    REQUIRE(json["classes"][3].text == "background");
    for (std::size_t c = 0; c < 4; ++c) REQUIRE(json["area_fraction"][c].number == report.area_fraction[c]);
    for (std::size_t c = 0; c < 3; ++c) {
        REQUIRE(json["hidden_fraction"][c].number == report.hidden_fraction[c]);
        REQUIRE(json["hidden_pixel_fraction"][c].number == report.hidden_pixel_fraction[c]);
        REQUIRE(json["fully_hidden_fraction"][c].number == report.fully_hidden_fraction[c]);
        for (std::size_t v = 0; v < 64; ++v) {
            REQUIRE(json["histograms"]["x"][c][v].number == static_cast<double>(report.x[c][v]));
            REQUIRE(json["histograms"]["h"][c][v].number == static_cast<double>(report.h[c][v]));
        }
    }
    // A class without rectangles has no hidden fraction: NaN in the report, null in JSON.
    const EdaReport single = eda(Rectangles({.count = 100, .rectangles_per_image = 1, .single_class = 1,
                                             .selection = true}),
                                 100);
    REQUIRE(std::isnan(single.hidden_fraction[0]));
    REQUIRE(single.hidden_fraction[1] == 0);
    const Json single_json = JsonReader(to_json(single)).document();
    REQUIRE(single_json["hidden_fraction"][0].kind == Json::Kind::null);
    REQUIRE(single_json["options"]["single_class"].number == 1);
    REQUIRE(single_json["options"]["selection"].boolean);
    REQUIRE_THROWS_WITH(eda(data, 3001), Catch::Contains("found 3001"));
}
