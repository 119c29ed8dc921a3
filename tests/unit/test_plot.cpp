#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <dlfcn.h>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "image_support.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/data/image.hpp"
#include "latentlab/plot/figure.hpp"
#include "latentlab/plot/image_grid.hpp"

using namespace latentlab;
using latentlab::testing::load_png;
using latentlab::testing::LoadedPng;
using latentlab::testing::TempDir;
using plot::Point;
using plot::TextRole;

namespace {

// Cairo and fontconfig keep fonts in caches that live until the process ends, which
// LeakSanitizer (the asan preset runs with detect_leaks=1) reports as leaks: release them
// at exit, after every figure is gone. fontconfig comes with Cairo; its FcFini is looked
// up rather than linked, so the tests need no link flag of their own.
struct ReleaseFontCaches {
    ~ReleaseFontCaches() {
        cairo_debug_reset_static_data();
        if (auto* fontconfig_fini = reinterpret_cast<void (*)()>(dlsym(RTLD_DEFAULT, "FcFini"))) fontconfig_fini();
    }
} const release_font_caches;

std::vector<plot::TextItem> all_texts(const plot::FigureLayout& layout) {
    std::vector<plot::TextItem> texts = layout.texts;
    for (const auto& axes : layout.axes) texts.insert(texts.end(), axes.texts.begin(), axes.texts.end());
    return texts;
}

std::vector<std::string> texts_of(const plot::FigureLayout& layout, TextRole role) {
    std::vector<std::string> out;
    for (const auto& text : all_texts(layout)) {
        if (text.role == role) out.push_back(text.text + text.superscript);
    }
    return out;
}

std::size_t code_points(const std::string& utf8) {
    return static_cast<std::size_t>(
        std::count_if(utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t count = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
    return count;
}

// Checks that the document is well-formed as far as its tags go: every element closed in
// order, one root element, declarations and comments skipped. Returns "" or the problem.
std::string xml_tag_problem(const std::string& xml) {
    std::vector<std::string> open;
    std::size_t roots = 0;
    for (std::size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at)) {
        if (xml.compare(at, 4, "<!--") == 0) {
            const auto end = xml.find("-->", at);
            if (end == std::string::npos) return "unterminated comment";
            at = end + 3;
            continue;
        }
        // The tag ends at the first '>' outside quotes.
        std::size_t end = at + 1;
        char quote = 0;
        for (; end < xml.size() && (quote || xml[end] != '>'); ++end) {
            if (quote && xml[end] == quote) quote = 0;
            else if (!quote && (xml[end] == '"' || xml[end] == '\'')) quote = xml[end];
        }
        if (end == xml.size()) return "unterminated tag at " + std::to_string(at);
        const std::string tag = xml.substr(at + 1, end - at - 1);
        at = end + 1;
        if (tag.empty()) return "empty tag";
        if (tag[0] == '?' || tag[0] == '!') continue;
        if (tag[0] == '/') {
            const std::string name = tag.substr(1, tag.find_first_of(" \t\n") - 1);
            if (open.empty() || open.back() != name) return "</" + name + "> closes " + (open.empty() ? "nothing" : "<" + open.back() + ">");
            open.pop_back();
            continue;
        }
        if (open.empty()) ++roots;
        if (tag.back() != '/') open.push_back(tag.substr(0, tag.find_first_of(" \t\n/")));
    }
    if (!open.empty()) return "<" + open.back() + "> is never closed";
    if (roots != 1) return std::to_string(roots) + " root elements";
    return "";
}

bool overlap(const plot::Rect& a, const plot::Rect& b) {
    // A pixel of slack: neighbouring boxes may touch.
    return a.x + 1 < b.right() && b.x + 1 < a.right() && a.y + 1 < b.bottom() && b.y + 1 < a.bottom();
}

// Turned texts (45° category labels) have overlapping bounding boxes even when they stand
// apart; for them what counts is the distance between their parallel baselines.
bool overlap(const plot::TextItem& a, const plot::TextItem& b) {
    if (a.angle == 0 && b.angle == 0) return overlap(a.box, b.box);
    REQUIRE(a.angle == b.angle);
    const double across = std::abs(-(b.origin.x - a.origin.x) * std::sin(a.angle) + (b.origin.y - a.origin.y) * std::cos(a.angle));
    return across < 1.1 * a.font.size;  // DejaVu Sans: ascent + descent ≈ 1.16 font sizes
}

// Layout invariants of every figure: texts inside the page, tick labels of an axis apart,
// axis labels and titles clear of tick labels.
void check_layout(const plot::Figure& figure, const plot::FigureLayout& layout) {
    const double width = figure.options().width, height = figure.options().height;
    for (const auto& text : all_texts(layout)) {
        INFO("text '" << text.text << text.superscript << "'");
        CHECK(text.box.x >= -0.5);
        CHECK(text.box.y >= -0.5);
        CHECK(text.box.right() <= width + 0.5);
        CHECK(text.box.bottom() <= height + 0.5);
    }
    for (const auto& axes : layout.axes) {
        const auto of = [&](std::initializer_list<TextRole> roles) {
            std::vector<plot::TextItem> out;
            for (const auto& t : axes.texts) {
                if (std::find(roles.begin(), roles.end(), t.role) != roles.end()) out.push_back(t);
            }
            return out;
        };
        for (TextRole role : {TextRole::x_tick, TextRole::y_tick, TextRole::colorbar_tick}) {
            const auto ticks = of({role});
            for (std::size_t i = 0; i < ticks.size(); ++i) {
                for (std::size_t j = i + 1; j < ticks.size(); ++j) {
                    INFO("tick labels '" << ticks[i].text << "' and '" << ticks[j].text << "'");
                    CHECK_FALSE(overlap(ticks[i], ticks[j]));
                }
            }
        }
        const auto ticks = of({TextRole::x_tick, TextRole::y_tick, TextRole::colorbar_tick});
        for (const auto& label : of({TextRole::x_label, TextRole::y_label, TextRole::title, TextRole::colorbar_label})) {
            for (const auto& tick : ticks) {
                INFO("'" << label.text << "' and tick label '" << tick.text << "'");
                CHECK_FALSE(overlap(label.box, tick.box));
            }
        }
        if (axes.legend) {
            for (const auto& text : of({TextRole::legend})) CHECK(text.box.x >= axes.legend->box.x);
            for (const auto& text : of({TextRole::legend})) CHECK(text.box.right() <= axes.legend->box.right() + 0.5);
            CHECK(axes.legend->box.x >= axes.plot.x);
            CHECK(axes.legend->box.right() <= axes.plot.right());
        }
    }
}

// Saves the figure as PNG, SVG and PDF and checks each file; returns the PNG.
LoadedPng save_all(const plot::Figure& figure, const TempDir& dir, const std::string& name) {
    const plot::FigureLayout layout = figure.layout();
    check_layout(figure, layout);

    figure.save(dir / (name + ".png"));
    LoadedPng png = load_png(dir / (name + ".png"));
    CHECK(png.width == figure.options().width);
    CHECK(png.height == figure.options().height);

    figure.save(dir / (name + ".svg"));
    const auto svg_bytes = testing::read_bytes(dir / (name + ".svg"));
    const std::string svg(svg_bytes.begin(), svg_bytes.end());
    CHECK(xml_tag_problem(svg) == "");
    CHECK(svg.find("width=\"" + std::to_string(figure.options().width) + "px\"") != std::string::npos);
    // Cairo writes text as glyph outlines, each character one <use> of its glyph: every
    // text of the layout (titles, labels, ticks, legend, annotations) is in the file.
    std::size_t characters = 0;
    for (const auto& text : all_texts(layout)) characters += code_points(text.text) + code_points(text.superscript);
    CHECK(count_of(svg, "<use xlink:href=\"#glyph") == characters);

    figure.save(dir / (name + ".pdf"));
    const auto pdf_bytes = testing::read_bytes(dir / (name + ".pdf"));
    const std::string pdf(pdf_bytes.begin(), pdf_bytes.end());
    CHECK(pdf.rfind("%PDF-", 0) == 0);
    CHECK(pdf.find("%%EOF", pdf.size() > 16 ? pdf.size() - 16 : 0) != std::string::npos);
    return png;
}

Color pixel(const LoadedPng& png, double x, double y) {
    const std::uint8_t* p = png.at(static_cast<int>(y), static_cast<int>(x));
    return {p[0], p[1], p[2]};
}

bool near(Color a, Color b, int tolerance) {
    return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
}

std::size_t non_white(const LoadedPng& png) {
    std::size_t count = 0;
    for (int y = 0; y < png.height; ++y) {
        for (int x = 0; x < png.width; ++x) count += pixel(png, x, y) == Color{255, 255, 255} ? 0 : 1;
    }
    return count;
}

// A tick label read back as a number (U+2212 as '-').
double label_value(std::string text) {
    const std::string minus = "\u2212";
    if (text.rfind(minus, 0) == 0) text = "-" + text.substr(minus.size());
    return std::stod(text);
}

}  // namespace

TEST_CASE("linear ticks follow the 1-2-5 rule", "[plot][ticks]") {
    const plot::TickSet ticks = plot::linear_ticks(0, 1, 0.2);
    std::vector<std::string> labels;
    for (const auto& t : ticks.major) labels.push_back(t.label.text);
    CHECK(labels == std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"});
    CHECK(ticks.multiplier.empty());

    labels.clear();
    const auto symmetric = plot::linear_ticks(-2.5, 2.5, 1);
    for (const auto& t : symmetric.major) labels.push_back(t.label.text);
    CHECK(labels == std::vector<std::string>{"\u22122", "\u22121", "0", "1", "2"});

    const auto candidates = plot::linear_tick_candidates(0, 37);
    REQUIRE(candidates.size() >= 3);
    double previous_step = 0;
    for (const auto& candidate : candidates) {
        REQUIRE(candidate.major.size() >= 2);
        const double step = candidate.major[1].value - candidate.major[0].value;
        const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
        CHECK((std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 || std::abs(mantissa - 5) < 1e-9));
        CHECK(step > previous_step);
        previous_step = step;
        for (const auto& t : candidate.major) CHECK((t.value >= 0 && t.value <= 37));
    }
    CHECK(candidates.back().major.size() == 2);

    const auto large = plot::linear_ticks(0, 2e5, 5e4);
    CHECK(large.multiplier.text == "\u00d710");
    CHECK(large.multiplier.superscript == "5");
    CHECK(large.major[1].label.text == "0.5");
    CHECK(large.major[4].label.text == "2.0");
    const auto small = plot::linear_ticks(0, 3e-4, 1e-4);
    CHECK(small.multiplier.superscript == "\u22124");
    CHECK(small.major[3].label.text == "3");
}

TEST_CASE("log ticks label powers of ten, or 1-2-5 values over less than two decades", "[plot][ticks]") {
    const auto candidates = plot::log_tick_candidates(1e-3, 10);
    const auto& decades = candidates.front();
    REQUIRE(decades.major.size() == 5);
    CHECK(decades.major[0].label.text == "10");
    CHECK(decades.major[0].label.superscript == "\u22123");
    CHECK(decades.major[4].label.superscript == "1");
    CHECK(decades.major[2].value == Approx(0.1));
    CHECK(std::count_if(decades.minor.begin(), decades.minor.end(), [](double v) { return std::abs(v - 0.002) < 1e-12; }) == 1);
    CHECK(decades.minor.size() == 4 * 8);
    REQUIRE(candidates.size() >= 2);
    CHECK(candidates[1].major.size() == 3);  // every second decade

    std::vector<double> values;
    const auto one_decade = plot::log_tick_candidates(2, 60);
    for (const auto& t : one_decade.front().major) values.push_back(label_value(t.label.text));
    CHECK(values == std::vector<double>{2, 5, 10, 20, 50});
    CHECK_THROWS_WITH(plot::log_tick_candidates(0, 10), Catch::Contains("positive"));
}

TEST_CASE("histogram bins follow numpy.histogram", "[plot][histogram]") {
    const std::vector<double> values{0.0, 0.5, 1.0, 2.0, 3.0, 3.5, -1.0};
    const std::vector<double> edges{0, 1, 2, 3};
    // [0, 1) [1, 2) [2, 3] (the last bin holds its right edge); 3.5 and −1 are outside.
    CHECK(plot::histogram_counts(values, edges) == std::vector<double>{2, 1, 2});

    std::vector<double> ramp(100);
    for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<double>(i);
    // np.histogram_bin_edges(np.arange(100), "auto"): Sturges' width 99 / (log2(100) + 1)
    // is below Freedman–Diaconis' 2·49.5 / 100^(1/3), so ⌈7.64⌉ = 8 bins.
    const auto automatic = plot::histogram_edges(ramp);
    REQUIRE(automatic.size() == 9);
    CHECK(automatic.front() == 0);
    CHECK(automatic.back() == 99);
    CHECK(automatic[1] == Approx(99.0 / 8));
    CHECK(plot::histogram_edges(ramp, 4) == std::vector<double>{0, 24.75, 49.5, 74.25, 99});
    CHECK(plot::histogram_edges(std::vector<double>{3.0, 3.0}) == std::vector<double>{2.5, 3.5});
    CHECK_THROWS_WITH(plot::histogram_counts(values, std::vector<double>{0, 2, 1}), Catch::Contains("increasing"));
}

TEST_CASE("a line plot draws its series where the axes put it, in SVG, PNG and PDF", "[plot][line]") {
    TempDir dir;
    plot::Figure figure({.width = 480, .height = 360, .title = "Loss"});
    std::vector<double> x{0, 2.5, 5, 7.5, 10}, level(5, 1.8), falling{1.2, 1.0, 0.8, 0.6, 0.4};
    figure.axes()
        .line(x, level, {.label = "train"})
        .line(x, falling, {.label = "validation", .style = plot::LineStyle::dashed})
        .set_ylim(0, 2)
        .set_xlabel("epoch")
        .set_ylabel("loss");
    const LoadedPng png = save_all(figure, dir, "line");
    const auto layout = figure.layout();
    const auto& axes = layout.axes.at(0);

    CHECK(texts_of(layout, TextRole::figure_title) == std::vector<std::string>{"Loss"});
    CHECK(texts_of(layout, TextRole::x_label) == std::vector<std::string>{"epoch"});
    CHECK(texts_of(layout, TextRole::y_label) == std::vector<std::string>{"loss"});
    CHECK(texts_of(layout, TextRole::legend) == std::vector<std::string>{"train", "validation"});
    for (const auto& tick : axes.x_ticks.major) CHECK(label_value(tick.label.text) == Approx(tick.value));
    CHECK(axes.transform.y.low == 0);
    CHECK(axes.transform.y.high == 2);

    // The level line is a band of the first palette colour at the row of y = 1.8.
    const double row = axes.transform.y(1.8), column = axes.transform.x(6.0);
    bool found = false;
    for (int dy = -1; dy <= 1; ++dy) found = found || near(pixel(png, column, row + dy), tab10[0], 40);
    CHECK(found);
    CHECK_FALSE(near(pixel(png, column, row + 6), tab10[0], 60));
    CHECK_FALSE(near(pixel(png, column, row - 6), tab10[0], 60));
    CHECK(non_white(png) > 2000);

    // "best" keeps the legend off the data: the upper corners hold the level line.
    REQUIRE(axes.legend);
    CHECK(axes.legend->box.y > axes.plot.center().y);
    CHECK_FALSE(axes.legend->box.contains({axes.legend->box.x + 1, row}));
    REQUIRE(axes.legend->rows.size() == 2);
    CHECK(axes.legend->rows[1].entry.color == tab10[1]);
    CHECK(axes.legend->rows[1].entry.style == plot::LineStyle::dashed);

    // render() gives the pixels the PNG holds.
    const auto rendered = figure.render();
    REQUIRE(rendered.shape()[0] == 360);
    const std::uint8_t* p = rendered.data() + (static_cast<std::size_t>(row) * 480 + static_cast<std::size_t>(column)) * 4;
    CHECK(Color{p[0], p[1], p[2]} == pixel(png, column, row));
}

TEST_CASE("log axes show powers of ten and refuse values they cannot show", "[plot][line]") {
    TempDir dir;
    plot::Figure figure({.width = 400, .height = 300});
    std::vector<double> loss;
    for (int i = 0; i < 50; ++i) loss.push_back(3.0 * std::exp(-i / 8.0));
    figure.axes().line(loss).set_log_y();
    save_all(figure, dir, "log");
    const auto labels = texts_of(figure.layout(), TextRole::y_tick);
    CHECK(std::find(labels.begin(), labels.end(), "10\u22121") != labels.end());
    CHECK(std::find(labels.begin(), labels.end(), "100") != labels.end());  // 10 with superscript 0

    loss[7] = 0;
    plot::Figure bad({.width = 400, .height = 300});
    bad.axes().line(loss, {.label = "train"}).set_log_y();
    const auto path = dir / "bad_log.png";
    CHECK_THROWS_WITH(bad.save(path), Catch::Contains("line 'train'") && Catch::Contains("y[7] = 0") &&
                                          Catch::Contains("log y-axis"));
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("overlaid histograms draw translucent bars of the counted heights", "[plot][histogram]") {
    TempDir dir;
    plot::Figure figure({.width = 480, .height = 360});
    const std::vector<double> values{0.5, 1.2, 1.7, 2.1, 2.2, 2.3, 2.9};  // counts 1, 2, 4
    std::vector<double> other{0.2, 0.4, 0.6};
    figure.axes()
        .histogram(values, {.label = "with selection", .edges = {0, 1, 2, 3}})
        .histogram(other, {.label = "without", .edges = {0, 1, 2, 3}})
        .set_xlabel("x")
        .set_ylabel("count");
    const LoadedPng png = save_all(figure, dir, "histogram");
    const auto layout = figure.layout();
    const auto& axes = layout.axes.at(0);
    CHECK(axes.transform.y.low == 0);  // bars stand on zero: no margin below

    // Inside the 4-count bar: the fill colour at 45 % over white; above it: background.
    const double x = axes.transform.x(2.3);
    const Color fill{static_cast<std::uint8_t>(std::lround(0.55 * 255 + 0.45 * tab10[0].r)),
                     static_cast<std::uint8_t>(std::lround(0.55 * 255 + 0.45 * tab10[0].g)),
                     static_cast<std::uint8_t>(std::lround(0.55 * 255 + 0.45 * tab10[0].b))};
    CHECK(near(pixel(png, x, axes.transform.y(1.3)), fill, 3));
    CHECK(near(pixel(png, x, axes.transform.y(3.8)), fill, 3));
    const Color above = pixel(png, x, axes.transform.y(4.0) - 5);
    CHECK(above.b - above.r < 20);
    CHECK(texts_of(layout, TextRole::legend) == std::vector<std::string>{"with selection", "without"});
    CHECK(axes.legend->rows[0].entry.handle == plot::LegendEntry::Handle::patch);
}

TEST_CASE("a scatter of 50,000 points by class renders fast with every class visible", "[plot][scatter]") {
    TempDir dir;
    std::vector<double> x, y;
    std::vector<int> classes;
    Rng rng(5, 0);
    for (int i = 0; i < 50'000; ++i) {
        classes.push_back(i % 3);
        x.push_back(rng.normal(2.0 * (i % 3), 1.0));
        y.push_back(rng.normal(i % 3 == 1 ? 3.0 : 0.0, 1.0));
    }
    const std::vector<Color> colors{data::class_color(0), data::class_color(1), data::class_color(2)};
    plot::Figure figure({.width = 640, .height = 480});
    figure.axes().scatter(x, y, classes, {.class_names = {"I", "II", "III"}, .colors = colors});

    const auto start = std::chrono::steady_clock::now();
    figure.save(dir / "scatter.png");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(seconds < 3.0);

    const LoadedPng png = load_png(dir / "scatter.png");
    std::vector<bool> seen(3, false);
    for (int row = 0; row < png.height; ++row) {
        for (int column = 0; column < png.width; ++column) {
            for (std::size_t k = 0; k < 3; ++k) seen[k] = seen[k] || near(pixel(png, column, row), colors[k], 25);
        }
    }
    CHECK(seen == std::vector<bool>{true, true, true});
    CHECK(non_white(png) > 640 * 480 / 5);
    const auto layout = figure.layout();
    CHECK(texts_of(layout, TextRole::legend) == std::vector<std::string>{"I", "II", "III"});
    for (std::size_t k = 0; k < 3; ++k) CHECK(layout.axes[0].legend->rows[k].entry.color == colors[k]);

    // The vector formats with fewer points (50,000 make a 12 MB SVG).
    plot::Figure small({.width = 640, .height = 480, .title = "PCA"});
    const std::vector<double> x_small(x.begin(), x.begin() + 3000), y_small(y.begin(), y.begin() + 3000);
    small.axes().scatter(x_small, y_small, {.label = "latents"}).set_xlabel("PC 1").set_ylabel("PC 2");
    save_all(small, dir, "scatter_small");
}

TEST_CASE("a confusion matrix shows counts in cells coloured by value", "[plot][heatmap]") {
    TempDir dir;
    const xt::xtensor<int, 2> counts = {{50, 2, 0}, {5, 40, 7}, {1, 0, 63}};
    plot::Figure figure({.width = 520, .height = 440});
    figure.axes().confusion_matrix(counts, {.class_names = {"class I", "class II", "class III"}});
    const LoadedPng png = save_all(figure, dir, "confusion");
    const auto layout = figure.layout();
    const auto& axes = layout.axes.at(0);

    CHECK(texts_of(layout, TextRole::annotation) ==
          std::vector<std::string>{"50", "2", "0", "5", "40", "7", "1", "0", "63"});
    CHECK(texts_of(layout, TextRole::y_tick) == std::vector<std::string>{"class I", "class II", "class III"});
    CHECK(texts_of(layout, TextRole::x_tick) == std::vector<std::string>{"class I", "class II", "class III"});
    CHECK(texts_of(layout, TextRole::x_label) == std::vector<std::string>{"Predicted class"});
    CHECK(texts_of(layout, TextRole::y_label) == std::vector<std::string>{"True class"});
    REQUIRE(axes.colorbar);
    CHECK(axes.colorbar->scale.low == 0);
    CHECK(axes.colorbar->scale.high == 63);
    // Square cells, row 0 at the top.
    CHECK(std::abs(axes.plot.width - axes.plot.height) < 1);
    CHECK(axes.transform.y(0) < axes.transform.y(2));
    for (std::size_t i = 0; i < 3; ++i) {
        for (std::size_t j = 0; j < 3; ++j) {
            INFO("cell " << i << ", " << j);
            // Away from the centred text.
            const Point at = axes.transform(static_cast<double>(j) - 0.35, static_cast<double>(i) - 0.35);
            CHECK(near(pixel(png, at.x, at.y), colormap_color(Colormap::viridis, counts(i, j) / 63.0), 2));
        }
    }
    // Dark cells get white text, light cells black.
    for (const auto& text : axes.texts) {
        if (text.role == TextRole::annotation && text.text == "63") CHECK(text.color == Color{0, 0, 0});
        if (text.role == TextRole::annotation && text.text == "2") CHECK(text.color == Color{255, 255, 255});
    }

    plot::Figure normalized({.width = 520, .height = 440});
    normalized.axes().confusion_matrix(xt::xtensor<double, 2>{{1, 1}, {0, 4}}, {.normalize = true});
    CHECK(texts_of(normalized.layout(), TextRole::annotation) == std::vector<std::string>{"0.50", "0.50", "0.00", "1.00"});
    CHECK(texts_of(normalized.layout(), TextRole::x_tick) == std::vector<std::string>{"0", "1"});
}

TEST_CASE("a heatmap with long column labels turns them and keeps the layout clear", "[plot][heatmap]") {
    TempDir dir;
    auto matrix = xt::xtensor<double, 2>::from_shape({10, 10});
    for (std::size_t i = 0; i < matrix.size(); ++i) matrix.data()[i] = std::sin(static_cast<double>(i)) * 0.37;
    std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                   "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    plot::Figure figure({.width = 600, .height = 560});
    figure.axes().heatmap(matrix, {.row_labels = names, .column_labels = names, .colorbar_label = "activation"});
    save_all(figure, dir, "heatmap");
    const auto layout = figure.layout();
    CHECK(texts_of(layout, TextRole::x_tick) == names);
    for (const auto& text : layout.axes[0].texts) {
        if (text.role == TextRole::x_tick) CHECK(text.angle != 0);
    }
    const auto annotations = texts_of(layout, TextRole::annotation);
    REQUIRE(annotations.size() == 100);
    CHECK(annotations[1] == "0.31");  // sin(1)·0.37, two decimals
    CHECK(texts_of(layout, TextRole::colorbar_label) == std::vector<std::string>{"activation"});
}

TEST_CASE("an image grid shows each image sharp under its caption", "[plot][image]") {
    TempDir dir;
    auto images = xt::xtensor<std::uint8_t, 4>::from_shape({3, 8, 8, 3});
    images.fill(0);
    for (std::size_t k = 0; k < 3; ++k) xt::view(images, k, xt::all(), xt::all(), k) = std::uint8_t{255};
    images(2, 0, 0, 0) = 255;  // one odd pixel, top left of the third image
    const auto figure = plot::image_grid(images, {.columns = 2, .captions = {"red", "green", "blue"}, .title = "Samples"});
    CHECK(figure.options().rows == 2);
    CHECK(figure.options().columns == 2);
    const LoadedPng png = save_all(figure, dir, "grid");
    const auto layout = figure.layout();
    CHECK(texts_of(layout, TextRole::title) == std::vector<std::string>{"red", "green", "blue"});
    CHECK(texts_of(layout, TextRole::figure_title) == std::vector<std::string>{"Samples"});
    CHECK_FALSE(layout.axes[3].visible);  // no fourth image
    const std::vector<Color> expected{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
    for (std::size_t k = 0; k < 3; ++k) {
        const auto& axes = layout.axes[k];
        CHECK(axes.plot.width == Approx(128).margin(1));
        const Point centre = axes.transform(3.5, 3.5);
        CHECK(pixel(png, centre.x, centre.y) == expected[k]);
        for (const auto& text : axes.texts) CHECK(text.box.bottom() <= axes.plot.y);
    }
    const Point corner = layout.axes[2].transform(0, 0);
    CHECK(pixel(png, corner.x, corner.y) == Color{255, 0, 255});
    const Point next = layout.axes[2].transform(1, 1);
    CHECK(pixel(png, next.x, next.y) == Color{0, 0, 255});
}

TEST_CASE("axes in a row or column line up", "[plot][figure]") {
    TempDir dir;
    plot::Figure figure({.width = 800, .height = 600, .rows = 2, .columns = 2});
    const std::vector<double> x{0, 1, 2, 3}, wide{10000, 25000, 40000, 55000}, narrow{0.1, 0.3, 0.2, 0.4};
    figure.axes(0, 0).line(x, narrow).set_title("narrow");
    figure.axes(0, 1).line(x, wide).set_ylabel("wide values");
    figure.axes(1, 0).line(x, wide).set_xlabel("step");
    figure.axes(1, 1).histogram(narrow);
    save_all(figure, dir, "grid_of_axes");
    const auto layout = figure.layout();
    const auto& a = layout.axes;
    CHECK(a[0].plot.x == Approx(a[2].plot.x));
    CHECK(a[0].plot.right() == Approx(a[2].plot.right()));
    CHECK(a[1].plot.x == Approx(a[3].plot.x));
    CHECK(a[0].plot.y == Approx(a[1].plot.y));
    CHECK(a[0].plot.bottom() == Approx(a[1].plot.bottom()));
    CHECK(a[2].plot.y == Approx(a[3].plot.y));
    CHECK(a[0].plot.right() < a[1].plot.x);
    CHECK(a[0].plot.bottom() < a[2].plot.y);
    CHECK_THROWS_WITH(figure.axes(), Catch::Contains("2×2") && Catch::Contains("axes(row, column)"));
    CHECK_THROWS_WITH(figure.axes(2, 0), Catch::Contains("Figure::axes(2, 0)"));
}

TEST_CASE("bad plot input throws errors that name the series and the problem", "[plot][errors]") {
    TempDir dir;
    plot::Figure figure({.width = 400, .height = 300});
    plot::Axes& axes = figure.axes();
    const std::vector<double> three{1, 2, 3}, two{1, 2}, none;
    CHECK_THROWS_WITH(axes.line(none, none, {.label = "train"}), Catch::Contains("line 'train'") && Catch::Contains("no points"));
    CHECK_THROWS_WITH(axes.line(three, two), Catch::Contains("x has 3 values but y has 2"));
    CHECK_THROWS_WITH(axes.line(three, std::vector<double>{1, std::nan(""), 3}), Catch::Contains("y[1] is nan"));
    CHECK_THROWS_WITH(axes.line(xt::xtensor<double, 2>(xt::zeros<double>({2, 2}))), Catch::Contains("expected a 1-d array"));
    CHECK_THROWS_WITH(axes.histogram(none), Catch::Contains("histogram 1") && Catch::Contains("no values"));
    CHECK_THROWS_WITH(axes.histogram(three, {.edges = {0, 0}}), Catch::Contains("increasing"));
    CHECK_THROWS_WITH(axes.scatter(three, three, std::vector<int>{0, 1}), Catch::Contains("3 points but 2 class labels"));
    CHECK_THROWS_WITH(axes.scatter(three, three, std::vector<int>{0, -1, 1}), Catch::Contains("negative"));
    CHECK_THROWS_WITH(axes.scatter(three, three, std::vector<int>{0, 1, 2}, {.class_names = {"a", "b"}}),
                      Catch::Contains("2 class names given for 3 classes"));
    CHECK_THROWS_WITH(axes.heatmap(xt::xtensor<double, 2>(xt::zeros<double>({2, 3})), {.row_labels = {"one"}}),
                      Catch::Contains("1 row labels for 2 rows"));
    CHECK_THROWS_WITH(axes.heatmap(xt::xtensor<double, 3>(xt::zeros<double>({2, 3, 1}))), Catch::Contains("2-d"));
    CHECK_THROWS_WITH(axes.confusion_matrix(xt::xtensor<int, 2>(xt::zeros<int>({2, 3}))), Catch::Contains("square"));
    CHECK_THROWS_WITH(axes.confusion_matrix(xt::xtensor<int, 2>{{1, -1}, {0, 1}}), Catch::Contains("[0][1] is -1"));
    CHECK_THROWS_WITH(axes.image(xt::xtensor<std::uint8_t, 3>(xt::zeros<std::uint8_t>({4, 4, 2}))),
                      Catch::Contains("image") && Catch::Contains("got 2"));
    CHECK_THROWS_WITH(axes.set_xlim(1, 1), Catch::Contains("set_xlim") && Catch::Contains("low < high"));
    CHECK(axes.empty());  // nothing half-added

    // Any sized range of numbers: a 1-d xtensor, a std::array of ints.
    axes.line(xt::xtensor<float, 1>{1, 2, 3}, std::array<int, 3>{4, 5, 6});
    CHECK_FALSE(axes.empty());
    const auto jpg = dir / "figure.jpg";
    CHECK_THROWS_WITH(figure.save(jpg), Catch::Contains(jpg.string()) && Catch::Contains("'.jpg'"));
    CHECK_FALSE(std::filesystem::exists(jpg));
    const auto missing = dir / "no_such_dir" / "figure.svg";
    CHECK_THROWS_WITH(figure.save(missing), Catch::Contains(missing.string()) && Catch::Contains("cannot open for writing"));

    CHECK_THROWS_WITH(plot::Figure({.width = 0}), Catch::Contains("width and height"));
    CHECK_THROWS_WITH(plot::Figure({.rows = 0}), Catch::Contains("rows and columns"));
    plot::Figure tiny({.width = 30, .height = 30});
    tiny.axes().line(three, three).set_xlabel("a long label").set_ylabel("another label");
    CHECK_THROWS_WITH(tiny.layout(), Catch::Contains("too small"));
}
