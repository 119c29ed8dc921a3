#pragma once
// The synthetic rectangles data set of the main study (EXPERIMENTS.md, E1).
//
// Sample i is a pure function of (seed, i): its random choices come from Rng(seed, i), so
// any subset can be generated in any order, on any number of threads, in O(batch) memory,
// and always gives the same bytes. The sampling rules are those of the original (numpy
// randint excludes its upper bound):
//   colour channel   uniform in [c − δ, c + δ − 1] (exactly c for δ = 0), c the class's
//                    centre colour (rectangles::colour_range);
//   l, h, x, y       uniform in [0, 63]; the filled pixels are columns x − l/2 … x + l/2 and
//                    rows y − h/2 … y + h/2 (integer halves, inclusive), clipped to the image;
//   selection        the geometry is resampled until the rectangle lies inside the image.
//                    Inclusion is a condition on (l, x) and one on (h, y), and the four are
//                    independent, so resampling each axis on its own gives the same
//                    distribution as resampling all four together, with fewer draws.
// An image is black (0); its rectangles are painted in drawing order, later ones covering
// earlier ones. The mask holds a class index per pixel, background = 3 (the last class).
#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/core/random_batch.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/data/dataset.hpp"
#include "latentlab/data/rectangles_options.hpp"

namespace latentlab::data {

namespace rectangles {
inline constexpr std::size_t image_bytes = ImageShape::size;
inline constexpr std::size_t mask_bytes = static_cast<std::size_t>(image_side) * image_side;
}  // namespace rectangles

// One rectangle of an image: the generative factors and how it ended up in the image.
struct RectangleParams {
    int class_index = 0;
    int r = 0, g = 0, b = 0;
    int l = 0, h = 0;       // width (columns) and height (rows)
    int x = 0, y = 0;       // centre column and row
    int order = 0;          // position in the drawing order, 0 = drawn first (at the bottom)
    int visible_area = 0;   // its pixels not covered by rectangles drawn later
};

// The fields of RectangleParams in the order of Rectangles::parameters' last axis.
inline constexpr std::array<std::string_view, 10> parameter_fields = {
    "class", "r", "g", "b", "l", "h", "x", "y", "order", "visible_area"};

constexpr std::array<int, parameter_fields.size()> field_values(const RectangleParams& p) {
    return {p.class_index, p.r, p.g, p.b, p.l, p.h, p.x, p.y, p.order, p.visible_area};
}

// An inclusive pixel range: columns x0..x1, rows y0..y1 (empty when x1 < x0 or y1 < y0).
struct PixelBox {
    int x0 = 0, x1 = -1, y0 = 0, y1 = -1;

    constexpr int area() const { return std::max(0, x1 - x0 + 1) * std::max(0, y1 - y0 + 1); }
    constexpr bool contains(int column, int row) const {
        return column >= x0 && column <= x1 && row >= y0 && row <= y1;
    }
    friend constexpr PixelBox intersect(const PixelBox& a, const PixelBox& b) {
        return {std::max(a.x0, b.x0), std::min(a.x1, b.x1), std::max(a.y0, b.y0), std::min(a.y1, b.y1)};
    }
};

// The pixels a rectangle paints, clipped to the image.
constexpr PixelBox pixel_box(const RectangleParams& p) {
    constexpr int last = rectangles::image_side - 1;
    return {std::max(0, p.x - p.l / 2), std::min(last, p.x + p.l / 2), std::max(0, p.y - p.h / 2),
            std::min(last, p.y + p.h / 2)};
}

// Class-index masks (any shape) → one-hot along a new last axis of 4 classes.
template <std::size_t N>
xt::xtensor<std::uint8_t, N + 1> one_hot(const xt::xtensor<std::uint8_t, N>& masks) {
    std::array<std::size_t, N + 1> shape{};
    std::copy(masks.shape().begin(), masks.shape().end(), shape.begin());
    shape[N] = rectangles::mask_classes;
    auto result = xt::xtensor<std::uint8_t, N + 1>::from_shape(shape);
    std::fill(result.begin(), result.end(), std::uint8_t{0});
    for (std::size_t p = 0; p < masks.size(); ++p) {
        const std::uint8_t class_index = masks.data()[p];
        require(class_index < rectangles::mask_classes, "one_hot: expected class indices in [0, ",
                rectangles::mask_classes - 1, "], found ", int{class_index}, " at element ", p);
        result.data()[p * rectangles::mask_classes + class_index] = 1;
    }
    return result;
}

// One sample with everything it owns, for tests, plots and exploration.
struct Sample {
    xt::xtensor<std::uint8_t, 3> image;  // 64×64×3
    xt::xtensor<std::uint8_t, 2> mask;   // 64×64, class index, background 3
    // Three-rectangle images: rectangles[k] is the rectangle of class k; else the one rectangle.
    std::vector<RectangleParams> rectangles;
    std::optional<int> label;  // single-rectangle images: the rectangle's class

    xt::xtensor<std::uint8_t, 3> one_hot_mask() const { return one_hot(mask); }
};

enum class PreprocessMode {
    // The original's: add noise u ~ U(0, 5) to every value, then divide by 212 + δ + 5 (the
    // original divided by the data set's maximum; this constant is the largest possible
    // value, so a sample depends on (seed, index) only). u takes 16 random bits,
    // u = 5·k/2^16: half the generator work of 32 bits, and the step (7.6e-5) is below the
    // float resolution of v + u for v ≥ 128.
    original,
    unit,       // v / 255, in [0, 1]
    symmetric,  // v / 127.5 − 1, in [−1, 1]
};

struct Preprocess {
    PreprocessMode mode = PreprocessMode::original;
    // The noise of sample i comes from (seed, i), the same every epoch; with this on, from
    // (seed, i, epoch).
    bool redraw_noise_each_epoch = false;
};

class Rectangles {
public:
    // A data::Dataset (data/dataset.hpp): DataLoader batches it with its own preprocessing.
    using input_shape = rectangles::ImageShape;
    using target_shape = rectangles::MaskShape;

    explicit Rectangles(RectanglesOptions options, Preprocess preprocess = {})
        : options_(options), preprocess_(preprocess) {
        validate(options_);
    }

    std::size_t size() const { return options_.count; }
    const RectanglesOptions& options() const { return options_; }
    int rectangles_per_image() const { return options_.rectangles_per_image; }

    // The class of single-rectangle image i, without generating it.
    int label(std::size_t i) const {
        require(options_.rectangles_per_image == 1, "Rectangles::label: images with ",
                options_.rectangles_per_image, " rectangles have no single label (use masks or parameters)");
        check_index(i);
        return options_.single_class.value_or(static_cast<int>(i % rectangles::class_count));
    }

    // Draws sample i: image (64×64×3 bytes), mask (64×64 class indices) and the parameters
    // of its rectangles_per_image() rectangles (indexed by class when there are three). Any
    // pointer may be null to skip that output. Allocates nothing.
    void draw(std::size_t i, std::uint8_t* image, std::uint8_t* mask, RectangleParams* params) const {
        std::array<RectangleParams, rectangles::max_rectangles> local;
        if (!params) params = local.data();
        sample_rectangles(i, params);
        if (image) std::memset(image, 0, rectangles::image_bytes);
        if (mask) std::memset(mask, rectangles::background_class, rectangles::mask_bytes);
        const int n = options_.rectangles_per_image;
        for (int position = 0; position < n; ++position) {
            for (int k = 0; k < n; ++k) {
                if (params[k].order == position) paint(params[k], image, mask);
            }
        }
    }

    Sample sample(std::size_t i) const {
        constexpr auto side = static_cast<std::size_t>(rectangles::image_side);
        Sample s{.image = xt::xtensor<std::uint8_t, 3>::from_shape({side, side, std::size_t{rectangles::channels}}),
                 .mask = xt::xtensor<std::uint8_t, 2>::from_shape({side, side}),
                 .rectangles = std::vector<RectangleParams>(static_cast<std::size_t>(options_.rectangles_per_image)),
                 .label = std::nullopt};
        draw(i, s.image.data(), s.mask.data(), s.rectangles.data());
        if (options_.rectangles_per_image == 1) s.label = s.rectangles[0].class_index;
        return s;
    }

    const Preprocess& preprocessing() const { return preprocess_; }

    // The network's input and one-hot target for the samples `indices`, one image per
    // batch entry, in parallel over images, preprocessed as given at construction.
    void fill(std::span<const std::size_t> indices, TensorView<float, input_shape> x, TensorView<float, target_shape> y,
              const FillContext& context = {}) const {
        fill(indices, x, y, preprocess_, context.epoch, context.cpu);
    }

    // The same with another preprocessing. `epoch` matters only with
    // pre.redraw_noise_each_epoch.
    void fill(std::span<const std::size_t> indices, TensorView<float, input_shape> x, TensorView<float, target_shape> y,
              const Preprocess& pre, std::size_t epoch, const Cpu& cpu = {}) const {
        require(x.batch == indices.size(), "Rectangles::fill: the input tensor holds ", x.batch,
                " images, expected one per index (", indices.size(), ")");
        require(y.batch == indices.size(), "Rectangles::fill: the target tensor holds ", y.batch,
                " images, expected one per index (", indices.size(), ")");
        require(epoch <= max_noise_epoch, "Rectangles::fill: expected an epoch ≤ ", max_noise_epoch, ", found ",
                epoch);
        for (const std::size_t i : indices) check_index(i);
        const std::uint64_t noise_epoch = pre.redraw_noise_each_epoch ? epoch : 0;
        cpu::parallel_for(cpu, indices.size(), [&](std::size_t begin, std::size_t end, int) {
            alignas(64) std::array<std::uint8_t, rectangles::image_bytes> image;
            alignas(64) std::array<std::uint8_t, rectangles::mask_bytes> mask;
            for (std::size_t k = begin; k < end; ++k) {
                draw(indices[k], image.data(), mask.data(), nullptr);
                preprocess(pre.mode, indices[k], noise_epoch, image.data(), x.image(k));
                write_one_hot(mask.data(), y.image(k));
            }
        });
    }

    // Images first … first + count − 1 as N×64×64×3 bytes.
    xt::xtensor<std::uint8_t, 4> images(std::size_t first, std::size_t count, const Cpu& cpu = {}) const {
        constexpr auto side = static_cast<std::size_t>(rectangles::image_side);
        auto out = xt::xtensor<std::uint8_t, 4>::from_shape({count, side, side, std::size_t{rectangles::channels}});
        generate(first, count, cpu, [&](std::size_t k, std::size_t i) {
            draw(i, out.data() + k * rectangles::image_bytes, nullptr, nullptr);
        });
        return out;
    }

    // Class-index masks N×64×64 (background 3); one_hot() makes N×64×64×4.
    xt::xtensor<std::uint8_t, 3> masks(std::size_t first, std::size_t count, const Cpu& cpu = {}) const {
        constexpr auto side = static_cast<std::size_t>(rectangles::image_side);
        auto out = xt::xtensor<std::uint8_t, 3>::from_shape({count, side, side});
        generate(first, count, cpu, [&](std::size_t k, std::size_t i) {
            draw(i, nullptr, out.data() + k * rectangles::mask_bytes, nullptr);
        });
        return out;
    }

    // N × rectangles_per_image() × parameter_fields: the rectangles' factors (by class when
    // there are three), without drawing the images.
    xt::xtensor<float, 3> parameters(std::size_t first, std::size_t count, const Cpu& cpu = {}) const {
        const auto n = static_cast<std::size_t>(options_.rectangles_per_image);
        auto out = xt::xtensor<float, 3>::from_shape({count, n, parameter_fields.size()});
        generate(first, count, cpu, [&](std::size_t k, std::size_t i) {
            std::array<RectangleParams, rectangles::max_rectangles> params;
            sample_rectangles(i, params.data());
            float* row = out.data() + k * n * parameter_fields.size();
            for (std::size_t r = 0; r < n; ++r) {
                for (const int value : field_values(params[r])) *row++ = static_cast<float>(value);
            }
        });
        return out;
    }

    // Classes of single-rectangle images first … first + count − 1.
    xt::xtensor<int, 1> labels(std::size_t first, std::size_t count) const {
        check_range(first, count);
        auto out = xt::xtensor<int, 1>::from_shape({count});
        for (std::size_t k = 0; k < count; ++k) out(k) = label(first + k);
        return out;
    }

private:
    // The noise counter is (1, epoch, block) packed into the index of random_bits(seed, i, ·):
    // bit 63 keeps it apart from the counters Rng(seed, i) uses for the geometry.
    static constexpr int noise_block_bits = 20;
    static constexpr std::uint64_t max_noise_epoch = (std::uint64_t{1} << (63 - noise_block_bits)) - 1;
    static constexpr std::size_t values_per_noise_batch = 2 * 4 * random_batch_blocks;  // 16 bits each

    void check_index(std::size_t i) const {
        require(i < options_.count, "Rectangles: sample index ", i, " is out of range: the data set has ",
                options_.count, " images");
    }

    void check_range(std::size_t first, std::size_t count) const {
        require(first <= options_.count && count <= options_.count - first, "Rectangles: samples ", first, " … ",
                first + count, " (exclusive) are out of range: the data set has ", options_.count, " images");
    }

    // body(k, first + k) for k in [0, count), in parallel.
    template <class Body>
    void generate(std::size_t first, std::size_t count, const Cpu& cpu, Body&& body) const {
        check_range(first, count);
        cpu::parallel_for(cpu, count, [&](std::size_t begin, std::size_t end, int) {
            for (std::size_t k = begin; k < end; ++k) body(k, first + k);
        });
    }

    // A size and a centre along one axis; with selection, redrawn until the span fits.
    void sample_axis(Rng& rng, bool size_free, int fixed_size, bool centre_free, int fixed_centre, int& size,
                     int& centre) const {
        constexpr int last = rectangles::image_side - 1;
        for (;;) {
            size = size_free ? static_cast<int>(rng.uniform_int(0, last)) : fixed_size;
            centre = centre_free ? static_cast<int>(rng.uniform_int(0, last)) : fixed_centre;
            // validate() has ruled out a fixed pair that can never fit.
            if (!options_.selection || (centre - size / 2 >= 0 && centre + size / 2 <= last)) return;
        }
    }

    // The factors, drawing order and visible areas of sample i's rectangles.
    void sample_rectangles(std::size_t i, RectangleParams* params) const {
        check_index(i);
        Rng rng(options_.seed, i);
        const int n = options_.rectangles_per_image;
        // drawn[position] = the slot drawn at that position.
        std::array<int, rectangles::max_rectangles> drawn = {0, 1, 2};
        if (n > 1 && options_.order == DrawOrder::random) {
            for (int k = n - 1; k > 0; --k) std::swap(drawn[k], drawn[rng.uniform_int(0, k)]);
        }
        const FreeFactors& free = options_.free;
        const FixedFactors& fixed = options_.fixed;
        for (int slot = 0; slot < n; ++slot) {
            RectangleParams& p = params[slot];
            p.class_index = n == 1 ? label(i) : slot;
            int* channels[3] = {&p.r, &p.g, &p.b};
            for (int c = 0; c < 3; ++c) {
                const auto range = rectangles::colour_range(p.class_index, c, options_.delta);
                *channels[c] = free.colour ? static_cast<int>(rng.uniform_int(range.low, range.high))
                                           : rectangles::centre_colours[p.class_index][c];
            }
            sample_axis(rng, free.l, fixed.l, free.x, fixed.x, p.l, p.x);
            sample_axis(rng, free.h, fixed.h, free.y, fixed.y, p.h, p.y);
        }
        for (int position = 0; position < n; ++position) params[drawn[position]].order = position;
        for (int k = 0; k < n; ++k) params[k].visible_area = visible_area(params, n, k);
    }

    // Area of rectangle k minus the union of the later ones over it, by inclusion–exclusion
    // (at most two later rectangles): computed from the geometry, independently of painting,
    // so the tests can hold it against the mask.
    static int visible_area(const RectangleParams* params, int n, int k) {
        std::array<PixelBox, rectangles::max_rectangles> later;
        int later_count = 0;
        for (int j = 0; j < n; ++j) {
            if (params[j].order > params[k].order) later[later_count++] = pixel_box(params[j]);
        }
        const PixelBox box = pixel_box(params[k]);
        int area = box.area();
        for (unsigned subset = 1; subset < (1u << later_count); ++subset) {
            PixelBox common = box;
            for (int j = 0; j < later_count; ++j) {
                if (subset & (1u << j)) common = intersect(common, later[j]);
            }
            area += (std::popcount(subset) % 2 == 1 ? -1 : 1) * common.area();
        }
        return area;
    }

    static void paint(const RectangleParams& p, std::uint8_t* image, std::uint8_t* mask) {
        const PixelBox box = pixel_box(p);
        const auto width = static_cast<std::size_t>(box.x1 - box.x0 + 1);
        for (int row = box.y0; row <= box.y1; ++row) {
            const auto first = static_cast<std::size_t>(row * rectangles::image_side + box.x0);
            if (image) {
                std::uint8_t* pixel = image + first * rectangles::channels;
                for (std::size_t column = 0; column < width; ++column, pixel += rectangles::channels) {
                    pixel[0] = static_cast<std::uint8_t>(p.r);
                    pixel[1] = static_cast<std::uint8_t>(p.g);
                    pixel[2] = static_cast<std::uint8_t>(p.b);
                }
            }
            if (mask) std::memset(mask + first, p.class_index, width);
        }
    }

    // __restrict: without it GCC's -O2 cost model won't vectorize a byte-to-float loop that
    // needs a run-time aliasing check.
    void preprocess(PreprocessMode mode, std::size_t i, std::uint64_t noise_epoch,
                    const std::uint8_t* __restrict image, float* __restrict out) const {
        switch (mode) {
            case PreprocessMode::original: {
                const float scale = 1.0f / static_cast<float>(212 + options_.delta + 5);
                constexpr float noise_step = 5.0f / 65536.0f;
                constexpr std::size_t half = values_per_noise_batch / 2;
                static_assert(rectangles::image_bytes % values_per_noise_batch == 0);
                RandomBatch noise;
                for (std::size_t start = 0; start < rectangles::image_bytes; start += values_per_noise_batch) {
                    const std::uint64_t counter = (std::uint64_t{1} << 63) | (noise_epoch << noise_block_bits) |
                                                  (start / values_per_noise_batch * random_batch_blocks);
                    random_bits_batch(options_.seed, i, counter, noise);
                    const std::uint32_t* __restrict words = noise.words[0].data();
                    const std::uint8_t* __restrict v = image + start;
                    float* __restrict o = out + start;
                    // The low halves of the 128 words serve the first 128 values, the high
                    // halves the next 128 (contiguous, so both loops vectorize).
                    for (std::size_t j = 0; j < half; ++j) {
                        const float u = static_cast<float>(words[j] & 0xFFFFu) * noise_step;
                        o[j] = (static_cast<float>(v[j]) + u) * scale;
                    }
                    for (std::size_t j = 0; j < half; ++j) {
                        const float u = static_cast<float>(words[j] >> 16) * noise_step;
                        o[half + j] = (static_cast<float>(v[half + j]) + u) * scale;
                    }
                }
                return;
            }
            case PreprocessMode::unit:
                for (std::size_t j = 0; j < rectangles::image_bytes; ++j) out[j] = static_cast<float>(image[j]) / 255.0f;
                return;
            case PreprocessMode::symmetric:
                for (std::size_t j = 0; j < rectangles::image_bytes; ++j)
                    out[j] = static_cast<float>(image[j]) / 127.5f - 1.0f;
                return;
        }
    }

    static void write_one_hot(const std::uint8_t* __restrict mask, float* __restrict out) {
        for (std::size_t p = 0; p < rectangles::mask_bytes; ++p) {
            for (int c = 0; c < rectangles::mask_classes; ++c) {
                out[p * rectangles::mask_classes + c] = mask[p] == c ? 1.0f : 0.0f;
            }
        }
    }

    RectanglesOptions options_;
    Preprocess preprocess_;
};

}  // namespace latentlab::data
