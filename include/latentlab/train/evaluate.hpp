#pragma once
// Evaluation and inference of a network on a dataset, in eval mode (dropout off, batch
// norm on its running statistics), batched:
//   evaluate(net, loss, data)  → the mean loss and, for one-hot targets, the confusion
//                                matrix summed over the whole set (mean IoU, accuracy, …);
//   predict(net, data or x)    → the outputs, as probabilities (a softmax is applied when
//                                the network ends in logits) or raw;
//   predict_classes(net, x)    → the argmax class of every pixel (N×H×W) or image (N).
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include <xtensor/xtensor.hpp>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/backend/cpu/softmax.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/data/dataset.hpp"
#include "latentlab/data/loader.hpp"
#include "latentlab/metrics/confusion.hpp"
#include "latentlab/network.hpp"

namespace latentlab::train {

// A loss a network with output shape Out trains on: value_and_gradient(cpu, p, target, dp)
// returns the mean loss over the batch and writes ∂loss/∂p (losses/ holds them).
template <class L, class Out, class T = float>
concept LossFor = ShapeType<Out> && requires(const L& loss, const Cpu& cpu, ConstView<T, Out> p,
                                             TensorView<T, Out> dp) {
    { loss.value_and_gradient(cpu, p, p, dp) } -> std::convertible_to<double>;
};

// True when every target row (pixel or image) of the batch is one-hot over ≥ 2 classes:
// the targets of segmentation and classification, for which a confusion matrix means
// something (an autoencoder's image targets are not).
template <ShapeType S>
bool one_hot_targets(ConstView<float, S> y) {
    if (S::channels < 2) return false;
    for (std::size_t row = 0; row < y.size() / S::channels; ++row) {
        int ones = 0;
        for (int c = 0; c < S::channels; ++c) {
            const float v = y.data[row * S::channels + c];
            if (v == 1.0f) ++ones;
            else if (v != 0.0f) return false;
        }
        if (ones != 1) return false;
    }
    return true;
}

struct EvaluateOptions {
    std::size_t batch = 256;
    Cpu cpu{};
    bool confusion = true;  // also count the confusion matrix when the targets are one-hot
};

struct Evaluation {
    double loss = 0;
    std::size_t samples = 0;
    std::optional<metrics::ConfusionMatrix> confusion;  // when the targets were one-hot
};

template <class Net, class Loss, data::Dataset D>
    requires LossFor<Loss, typename Net::output_shape>
Evaluation evaluate(Net& net, const Loss& loss, const D& dataset, EvaluateOptions options = {}) {
    static_assert(std::is_same_v<typename D::input_shape, typename Net::input_shape>,
                  "evaluate: the dataset's input shape differs from the network's");
    static_assert(std::is_same_v<typename D::target_shape, typename Net::output_shape>,
                  "evaluate: the dataset's target shape differs from the network's output shape");
    using Out = typename Net::output_shape;
    require(options.batch > 0, "evaluate: the batch size must be positive");
    const std::size_t batch = std::min(options.batch, dataset.size());
    if (net.planned_batch() < batch) net.plan(batch);
    data::DataLoader loader(dataset, {.batch = batch, .shuffle = false, .cpu = options.cpu});
    HostTensor<float, Out> gradient(batch);
    Evaluation result;
    double total = 0;
    bool first = true;
    for (const auto& b : loader.epoch(0)) {
        const auto p = net.forward(b.x, Mode::eval);
        TensorView<float, Out> dp{gradient.data(), b.x.batch};
        const double value = loss.value_and_gradient(options.cpu, p, b.y, dp);
        require(std::isfinite(value), "evaluate: the loss is ", value, " on the batch of samples ", b.indices.front(),
                "…", b.indices.back());
        total += value * static_cast<double>(b.x.batch);
        result.samples += b.x.batch;
        if (first && options.confusion && one_hot_targets(b.y))
            result.confusion.emplace(static_cast<std::size_t>(Out::channels));
        first = false;
        if (result.confusion) result.confusion->add(p, b.y, options.cpu);
    }
    result.loss = total / static_cast<double>(result.samples);
    return result;
}

enum class PredictOutput {
    automatic,  // probabilities: a softmax over the channels unless the network ends in Softmax or Sigmoid
    raw,        // what the network's last layer gives
};

struct PredictOptions {
    std::size_t batch = 256;
    PredictOutput output = PredictOutput::automatic;
    Cpu cpu{};
};

// The name of the network's last layer in execution order ("Softmax" for E1's networks).
template <class Net>
std::string last_layer_name(Net& net) {
    std::string name;
    visit_layers(net.root(), [&](auto& layer, int) {
        using L = std::remove_cvref_t<decltype(layer)>;
        if constexpr (!requires { layer.for_each_child([](auto&) {}); }) name = L::name();
    });
    return name;
}

template <class Net>
HostTensor<float, typename Net::output_shape> predict(Net& net, ConstView<float, typename Net::input_shape> x,
                                                     PredictOptions options = {}) {
    using Out = typename Net::output_shape;
    require(options.batch > 0, "predict: the batch size must be positive");
    require(x.batch > 0, "predict: no images");
    const std::size_t batch = std::min(options.batch, x.batch);
    if (net.planned_batch() < batch) net.plan(batch);
    const std::string last = last_layer_name(net);
    const bool softmax = options.output == PredictOutput::automatic && last.rfind("Softmax", 0) != 0 &&
                         last.rfind("Sigmoid", 0) != 0;
    HostTensor<float, Out> result(x.batch);
    for (std::size_t first = 0; first < x.batch; first += batch) {
        const std::size_t count = std::min(batch, x.batch - first);
        const auto y = net.forward({x.image(first), count}, Mode::eval);
        float* out = result.data() + first * Out::size;
        if (softmax)
            cpu::softmax_forward(options.cpu, y.data, out, Out::height * Out::width, Out::channels, count);
        else
            std::copy(y.data, y.data + y.size(), out);
    }
    return result;
}

template <class Net, data::Dataset D>
HostTensor<float, typename Net::output_shape> predict(Net& net, const D& dataset, PredictOptions options = {}) {
    static_assert(std::is_same_v<typename D::input_shape, typename Net::input_shape>,
                  "predict: the dataset's input shape differs from the network's");
    HostTensor<float, typename Net::input_shape> x(dataset.size());
    data::DataLoader loader(dataset, {.batch = std::min(options.batch, dataset.size()), .shuffle = false, .cpu = options.cpu});
    for (const auto& b : loader.epoch(0)) std::copy(b.x.data, b.x.end(), x.data() + b.indices.front() * D::input_shape::size);
    return predict(net, x.view(), options);
}

// The index of the largest channel of every pixel: N×H×W for a segmentation output, N×1×1
// for a classifier's.
template <ShapeType S>
xt::xtensor<std::int32_t, 3> argmax_classes(ConstView<float, S> p) {
    xt::xtensor<std::int32_t, 3> classes({p.batch, static_cast<std::size_t>(S::height), static_cast<std::size_t>(S::width)});
    for (std::size_t px = 0; px < classes.size(); ++px) {
        const float* row = p.data + px * S::channels;
        classes.data()[px] = static_cast<std::int32_t>(std::max_element(row, row + S::channels) - row);
    }
    return classes;
}

template <class Net>
xt::xtensor<std::int32_t, 3> predict_classes(Net& net, ConstView<float, typename Net::input_shape> x,
                                             PredictOptions options = {}) {
    options.output = PredictOutput::raw;  // the argmax of logits and of probabilities agree
    const auto y = predict(net, x, options);
    return argmax_classes(y.view());
}

}  // namespace latentlab::train
