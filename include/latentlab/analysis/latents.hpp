#pragma once
// Activations of a tagged layer, the raw material of every latent study:
//   latents<"bottleneck">(net, data)              one row per image: the layer's H×W×C output
//                                                 flattened in NHWC order (n × H·W·C);
//   latents_per_position<"bottleneck">(net, data) one row per spatial position (n·H·W × C),
//                                                 with the class of the target pixels under it.
// The data stream through the network in eval mode (dropout off), in batches: memory is the
// result plus one batch of activations, never all of the network's activations.
// A tag is the tap point (Tag<"name", L> in the network type); a name that no layer carries,
// or that several carry, is an Error that lists the network's tags.
#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "latentlab/analysis/matrix.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/fixed_string.hpp"
#include "latentlab/data/dataset.hpp"
#include "latentlab/data/loader.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/layers/layer.hpp"
#include "latentlab/layers/tag.hpp"
#include "latentlab/network.hpp"

namespace latentlab::analysis {

struct LatentOptions {
    std::size_t batch = 256;
    std::size_t first = 0;  // samples first … first + count − 1 of the dataset
    std::size_t count = 0;  // 0: to the end
    Cpu cpu{};
};

// One row per position and the class of each position.
struct PositionLatents {
    Matrix features;  // n·H·W × C
    Labels labels;    // the majority class of the target pixels the position covers
};

namespace latents_detail {

// The names of every tag in the network, for error messages.
template <class Net>
std::string tag_names(Net& net) {
    std::string names;
    visit_layers(net.root(), [&](auto& layer, int) {
        using L = std::remove_cvref_t<decltype(layer)>;
        if constexpr (requires { L::tag_name; }) {
            if (!names.empty()) names += ", ";
            names += '"';
            names += L::tag_name.view();
            names += '"';
        }
    });
    return names.empty() ? "none" : names;
}

// Calls f(tag_layer) on the one layer tagged Name (an Error unless there is exactly one).
template <FixedString Name, class Net, class F>
void with_tag(Net& net, const char* who, F&& f) {
    int found = 0;
    visit_layers(net.root(), [&](auto& layer, int) {
        if constexpr (TaggedAs<std::remove_cvref_t<decltype(layer)>, Name>) {
            if (++found == 1) f(layer);
        }
    });
    require(found == 1, who, ": ", found, " layers of the network are tagged \"", Name.view(),
            "\"; expected exactly one (the network's tags: ", tag_names(net), ")");
}

// The tagged layer's output shape, found at compile time from the network type.
template <FixedString Name, class Net>
std::size_t tag_output_size(Net& net, const char* who, std::size_t* channels = nullptr) {
    std::size_t size = 0;
    with_tag<Name>(net, who, [&](auto& layer) {
        using Out = typename std::remove_cvref_t<decltype(layer)>::output_shape;
        size = Out::size;
        if (channels) *channels = static_cast<std::size_t>(Out::channels);
    });
    return size;
}

// Runs the network over samples [first, first + count) of the dataset in batches and calls
// consume(batch, row_offset) after each forward, while the tag's output is valid.
template <class Net, data::Dataset D, class Consume>
std::size_t stream(Net& net, const D& dataset, const LatentOptions& options, const char* who, Consume&& consume) {
    static_assert(std::is_same_v<typename D::input_shape, typename Net::input_shape>,
                  "latents: the dataset's input shape differs from the network's");
    require(options.batch > 0, who, ": the batch size is 0; expected ≥ 1");
    require(options.first < dataset.size(), who, ": first sample ", options.first, " is past the dataset's ",
            dataset.size(), " samples");
    const std::size_t count = options.count ? options.count : dataset.size() - options.first;
    require(count <= dataset.size() - options.first, who, ": samples ", options.first, " … ",
            options.first + count - 1, " run past the dataset's ", dataset.size(), " samples");
    const std::size_t batch = std::min(options.batch, count);
    if (net.planned_batch() < batch) net.plan(batch);

    std::vector<std::size_t> indices;
    HostTensor<float, typename D::input_shape> x(batch);
    HostTensor<float, typename D::target_shape> y(batch);
    for (std::size_t start = 0; start < count; start += batch) {
        const std::size_t n = std::min(batch, count - start);
        indices.resize(n);
        for (std::size_t k = 0; k < n; ++k) indices[k] = options.first + start + k;
        TensorView<float, typename D::input_shape> xv{x.data(), n};
        TensorView<float, typename D::target_shape> yv{y.data(), n};
        dataset.fill(indices, xv, yv, {.epoch = 0, .cpu = options.cpu});
        (void)net.forward(xv, Mode::eval);
        consume(ConstView<float, typename D::target_shape>{y.data(), n}, start);
    }
    return count;
}

}  // namespace latents_detail

// The tagged layer's activation of each image, flattened (n × H·W·C, NHWC order).
template <FixedString Name, class Net, data::Dataset D>
Matrix latents(Net& net, const D& dataset, const LatentOptions& options = {}) {
    constexpr const char* who = "latents";
    const std::size_t features = latents_detail::tag_output_size<Name>(net, who);
    const std::size_t count = options.count ? options.count : dataset.size() - std::min(options.first, dataset.size());
    Matrix result = Matrix::from_shape({count, features});
    latents_detail::stream(net, dataset, options, who, [&](auto targets, std::size_t row) {
        latents_detail::with_tag<Name>(net, who, [&](auto& layer) {
            const auto out = layer.last_output();
            std::copy(out.data, out.data + targets.batch * features, result.data() + row * features);
        });
    });
    return result;
}

// The tagged layer's activation at each spatial position (n·H·W × C) and, for targets that
// are class maps (one-hot N×H'×W'×K at the input's resolution, H' = s·H), the majority class
// of the s×s target pixels under each position (ties: the smaller class).
template <FixedString Name, class Net, data::Dataset D>
PositionLatents latents_per_position(Net& net, const D& dataset, const LatentOptions& options = {}) {
    constexpr const char* who = "latents_per_position";
    using Target = typename D::target_shape;
    std::size_t channels = 0;
    const std::size_t size = latents_detail::tag_output_size<Name>(net, who, &channels);
    const std::size_t positions = size / channels;
    const std::size_t count = options.count ? options.count : dataset.size() - std::min(options.first, dataset.size());
    PositionLatents result{Matrix::from_shape({count * positions, channels}), Labels::from_shape({count * positions})};
    latents_detail::stream(net, dataset, options, who, [&](auto targets, std::size_t row) {
        latents_detail::with_tag<Name>(net, who, [&](auto& layer) {
            using Out = typename std::remove_cvref_t<decltype(layer)>::output_shape;
            static_assert(Target::height % Out::height == 0 && Target::width % Out::width == 0,
                          "latents_per_position: the target's height and width must be multiples of the tagged "
                          "layer's, so that each position covers a block of target pixels");
            constexpr int sy = Target::height / Out::height;
            constexpr int sx = Target::width / Out::width;
            const auto out = layer.last_output();
            std::copy(out.data, out.data + targets.batch * size, result.features.data() + row * positions * channels);
            std::vector<double> votes(static_cast<std::size_t>(Target::channels));
            for (std::size_t image = 0; image < targets.batch; ++image) {
                const float* t = targets.image(image);
                for (int py = 0; py < Out::height; ++py) {
                    for (int px = 0; px < Out::width; ++px) {
                        std::fill(votes.begin(), votes.end(), 0.0);
                        for (int dy = 0; dy < sy; ++dy)
                            for (int dx = 0; dx < sx; ++dx) {
                                const float* pixel = t + ((py * sy + dy) * Target::width + px * sx + dx) * Target::channels;
                                for (int c = 0; c < Target::channels; ++c) votes[static_cast<std::size_t>(c)] += pixel[c];
                            }
                        const auto best = std::max_element(votes.begin(), votes.end()) - votes.begin();
                        result.labels((row + image) * positions + static_cast<std::size_t>(py * Out::width + px)) =
                            static_cast<int>(best);
                    }
                }
            }
        });
    });
    return result;
}

}  // namespace latentlab::analysis
