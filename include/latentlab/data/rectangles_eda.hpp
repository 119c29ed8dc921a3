#pragma once
// Exploratory statistics of a rectangles data set (EXPERIMENTS.md, E1 "EDA"): how much of the
// image each class covers, how much of each rectangle later ones hide, and the histograms of
// centre and size per class. Plain arrays, so plotting code can take them as they are;
// to_json writes the same numbers for other tools.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/data/rectangles.hpp"

namespace latentlab::data {

struct EdaReport {
    using Histogram = std::array<std::uint64_t, rectangles::image_side>;  // bin v counts value v
    using PerClass = std::array<double, rectangles::class_count>;

    RectanglesOptions options;
    std::size_t images = 0;
    std::array<std::uint64_t, rectangles::class_count> rectangles{};  // rectangles of each class
    // Mean share of an image's pixels shown as class I, II, III (visible pixels) and as
    // background; the four add up to 1.
    std::array<double, rectangles::mask_classes> area_fraction{};
    // Per class, over its rectangles (NaN for a class with none):
    PerClass hidden_fraction{};        // mean of 1 − visible / drawn area
    PerClass hidden_pixel_fraction{};  // 1 − Σ visible / Σ drawn area (pixel-weighted)
    PerClass fully_hidden_fraction{};  // share of rectangles with no visible pixel left
    // Histograms of the factors per class.
    std::array<Histogram, rectangles::class_count> x{}, y{}, l{}, h{};
};

namespace eda_detail {

// Integer sums of one thread's images; hidden_sum is the one floating-point sum.
struct Tally {
    std::array<std::uint64_t, rectangles::class_count> rectangles{}, visible{}, drawn{}, fully_hidden{};
    std::array<double, rectangles::class_count> hidden_sum{};
    std::uint64_t background = 0;
    std::array<EdaReport::Histogram, rectangles::class_count> x{}, y{}, l{}, h{};

    void add(const Tally& other) {
        for (std::size_t c = 0; c < rectangles::class_count; ++c) {
            rectangles[c] += other.rectangles[c];
            visible[c] += other.visible[c];
            drawn[c] += other.drawn[c];
            fully_hidden[c] += other.fully_hidden[c];
            hidden_sum[c] += other.hidden_sum[c];
            for (std::size_t v = 0; v < rectangles::image_side; ++v) {
                x[c][v] += other.x[c][v];
                y[c][v] += other.y[c][v];
                l[c][v] += other.l[c][v];
                h[c][v] += other.h[c][v];
            }
        }
        background += other.background;
    }
};

inline void append_number(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";  // JSON has no NaN
        return;
    }
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round-trip
    out.append(buffer, result.ptr);
}

inline void append_number(std::string& out, std::uint64_t value) { out += std::to_string(value); }

template <class Array>
void append_array(std::string& out, const Array& values) {
    out += '[';
    for (std::size_t k = 0; k < values.size(); ++k) {
        if (k > 0) out += ", ";
        append_number(out, values[k]);
    }
    out += ']';
}

template <class PerClassArrays>
void append_nested(std::string& out, const PerClassArrays& arrays) {
    out += '[';
    for (std::size_t c = 0; c < arrays.size(); ++c) {
        out += c > 0 ? ",\n      " : "\n      ";
        append_array(out, arrays[c]);
    }
    out += "]";
}

inline std::string_view boolean(bool value) { return value ? "true" : "false"; }

}  // namespace eda_detail

// Statistics of samples 0 … count − 1, in parallel over images.
inline EdaReport eda(const Rectangles& data, std::size_t count, const Cpu& cpu = {}) {
    using eda_detail::Tally;
    require(count >= 1 && count <= data.size(), "eda: expected a count of images in [1, ", data.size(),
            "] (the data set's size), found ", count);
    std::vector<Tally> tallies(static_cast<std::size_t>(std::max(cpu.threads, 1)));
    cpu::parallel_for(cpu, count, [&](std::size_t begin, std::size_t end, int thread) {
        Tally& tally = tallies[static_cast<std::size_t>(thread)];
        std::array<std::uint8_t, rectangles::mask_bytes> mask;
        std::array<RectangleParams, rectangles::max_rectangles> params;
        for (std::size_t i = begin; i < end; ++i) {
            data.draw(i, nullptr, mask.data(), params.data());
            for (const std::uint8_t m : mask) tally.background += m == rectangles::background_class;
            for (int k = 0; k < data.rectangles_per_image(); ++k) {
                const RectangleParams& p = params[static_cast<std::size_t>(k)];
                const auto c = static_cast<std::size_t>(p.class_index);
                const int drawn = pixel_box(p).area();  // ≥ 1: the centre is in the image
                tally.rectangles[c] += 1;
                tally.visible[c] += static_cast<std::uint64_t>(p.visible_area);
                tally.drawn[c] += static_cast<std::uint64_t>(drawn);
                tally.fully_hidden[c] += p.visible_area == 0;
                tally.hidden_sum[c] += 1.0 - static_cast<double>(p.visible_area) / drawn;
                tally.x[c][static_cast<std::size_t>(p.x)] += 1;
                tally.y[c][static_cast<std::size_t>(p.y)] += 1;
                tally.l[c][static_cast<std::size_t>(p.l)] += 1;
                tally.h[c][static_cast<std::size_t>(p.h)] += 1;
            }
        }
    });
    Tally total;
    for (const Tally& tally : tallies) total.add(tally);  // in thread order: reproducible

    EdaReport report{.options = data.options(), .images = count};
    const double pixels = static_cast<double>(count) * static_cast<double>(rectangles::mask_bytes);
    constexpr double none = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t c = 0; c < rectangles::class_count; ++c) {
        const auto n = static_cast<double>(total.rectangles[c]);
        report.rectangles[c] = total.rectangles[c];
        report.area_fraction[c] = static_cast<double>(total.visible[c]) / pixels;
        report.hidden_fraction[c] = n > 0 ? total.hidden_sum[c] / n : none;
        report.hidden_pixel_fraction[c] =
            n > 0 ? 1.0 - static_cast<double>(total.visible[c]) / static_cast<double>(total.drawn[c]) : none;
        report.fully_hidden_fraction[c] = n > 0 ? static_cast<double>(total.fully_hidden[c]) / n : none;
    }
    // From the mask, while the classes' shares come from the geometry: the sum being 1 checks
    // one against the other.
    report.area_fraction[rectangles::background_class] = static_cast<double>(total.background) / pixels;
    report.x = total.x;
    report.y = total.y;
    report.l = total.l;
    report.h = total.h;
    return report;
}

// The report as one JSON object (numbers in shortest round-trip form; NaN as null).
inline std::string to_json(const EdaReport& report) {
    using namespace eda_detail;
    const RectanglesOptions& o = report.options;
    std::string out = "{\n";
    out += "  \"images\": " + std::to_string(report.images) + ",\n";
    out += "  \"options\": {\"count\": " + std::to_string(o.count) + ", \"delta\": " + std::to_string(o.delta) +
           ", \"seed\": " + std::to_string(o.seed) +
           ", \"rectangles_per_image\": " + std::to_string(o.rectangles_per_image) + ", \"single_class\": " +
           (o.single_class ? std::to_string(*o.single_class) : std::string("null")) + ", \"order\": \"" +
           (o.order == DrawOrder::random ? "random" : "fixed") + "\", \"selection\": " +
           std::string(boolean(o.selection)) + ",\n";
    out += "    \"free\": {\"colour\": " + std::string(boolean(o.free.colour)) + ", \"l\": " +
           std::string(boolean(o.free.l)) + ", \"h\": " + std::string(boolean(o.free.h)) + ", \"x\": " +
           std::string(boolean(o.free.x)) + ", \"y\": " + std::string(boolean(o.free.y)) + "},\n";
    out += "    \"fixed\": {\"l\": " + std::to_string(o.fixed.l) + ", \"h\": " + std::to_string(o.fixed.h) +
           ", \"x\": " + std::to_string(o.fixed.x) + ", \"y\": " + std::to_string(o.fixed.y) + "}},\n";
    out += "  \"classes\": [\"I\", \"II\", \"III\", \"background\"],\n";
    const auto field = [&](std::string_view name, const auto& values) {
        out += "  \"";
        out += name;
        out += "\": ";
        append_array(out, values);
        out += ",\n";
    };
    field("rectangles", report.rectangles);
    field("area_fraction", report.area_fraction);
    field("hidden_fraction", report.hidden_fraction);
    field("hidden_pixel_fraction", report.hidden_pixel_fraction);
    field("fully_hidden_fraction", report.fully_hidden_fraction);
    out += "  \"histograms\": {";
    const std::array<std::pair<std::string_view, const std::array<EdaReport::Histogram, rectangles::class_count>*>, 4>
        histograms = {{{"x", &report.x}, {"y", &report.y}, {"l", &report.l}, {"h", &report.h}}};
    for (std::size_t k = 0; k < histograms.size(); ++k) {
        out += k > 0 ? ",\n    \"" : "\n    \"";
        out += histograms[k].first;
        out += "\": ";
        append_nested(out, *histograms[k].second);
    }
    out += "}\n}\n";
    return out;
}

}  // namespace latentlab::data
