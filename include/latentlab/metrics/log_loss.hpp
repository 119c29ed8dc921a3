#pragma once
// Log loss (cross-entropy of predicted probabilities against true classes) exactly as
// scikit-learn 1.2's sklearn.metrics.log_loss computes it, per pixel (a classifier's
// Shape<1, 1, C> output: per image):
//   1. clip every probability to [eps, 1 − eps];
//   2. renormalize the pixel's probabilities to sum 1 (sklearn 1.2 does this silently);
//   3. ℓ = −log p_true; the result is the mean of ℓ over all pixels of the batch.
// The default eps is sklearn 1.2's eps='auto': the machine epsilon of the probabilities'
// type (1.19e-7 for float, 2.22e-16 for double; sklearn before 1.2 used 1e-15 for both).
// One deliberate difference: sklearn clips any value, we reject values outside [0, 1] (and
// NaN/Inf) with an Error, because such values mean logits were passed where probabilities
// belong, and clipping them yields a plausible-looking but meaningless number.
// The sum runs sequentially in pixel order: the result does not depend on a thread count.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>

#include "latentlab/core/error.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/metrics/confusion.hpp"

namespace latentlab::metrics {

namespace detail {

// The mean of −log p_true over the pixels; true_class(i) gives pixel i's class (and
// checks it).
template <class T, ShapeType S, class TrueClass>
double mean_log_loss(ConstView<T, S> probabilities, double eps, TrueClass true_class) {
    require(std::isfinite(eps) && eps > 0 && eps < 0.5, "log_loss: eps must be in (0, 0.5), got ", eps);
    require(probabilities.batch > 0, "log_loss: the batch is empty (a mean over no samples is undefined)");
    constexpr auto classes = static_cast<std::size_t>(S::channels);
    const std::size_t pixels = probabilities.size() / classes;
    double total = 0;
    for (std::size_t i = 0; i < pixels; ++i) {
        const T* p = probabilities.data + i * classes;
        double sum = 0;
        for (std::size_t c = 0; c < classes; ++c) {
            const double value = static_cast<double>(p[c]);
            require(value >= 0 && value <= 1, "log_loss: the probability of class ", c, " at ", PixelAt<S>{i}, " is ",
                    value, ", expected a value in [0, 1] (were logits passed instead of probabilities?)");
            sum += std::clamp(value, eps, 1 - eps);
        }
        total -= std::log(std::clamp(static_cast<double>(p[true_class(i)]), eps, 1 - eps) / sum);
    }
    return total / static_cast<double>(pixels);
}

template <class T, ShapeType S, std::integral Label>
double log_loss_of_labels(ConstView<T, S> probabilities, std::span<const Label> labels, double eps) {
    const std::size_t pixels = probabilities.size() / static_cast<std::size_t>(S::channels);
    require(labels.size() == pixels, "log_loss: ", labels.size(), " labels for ", pixels, " pixels (",
            probabilities.batch, " images of ", S::dims, ")");
    return mean_log_loss(probabilities, eps, [&](std::size_t i) {
        // As a long long, so that std::uint8_t prints as a number and -1 stays -1.
        const auto label = static_cast<long long>(labels[i]);
        require(label >= 0 && label < S::channels, "log_loss: label ", i, " is ", label,
                ", expected a class from 0 to ", S::channels - 1);
        return static_cast<std::size_t>(label);
    });
}

}  // namespace detail

// With one-hot targets of the probabilities' shape (each pixel exactly one 1, zeros elsewhere).
template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
double log_loss(TensorView<Q, S> probabilities, std::type_identity_t<ConstView<T, S>> one_hot,
                double eps = std::numeric_limits<T>::epsilon()) {
    require(probabilities.batch == one_hot.batch, "log_loss: probabilities hold ", probabilities.batch,
            " images, targets ", one_hot.batch);
    constexpr auto classes = static_cast<std::size_t>(S::channels);
    return detail::mean_log_loss<T, S>(probabilities, eps, [&](std::size_t i) {
        const T* y = one_hot.data + i * classes;
        std::size_t ones = 0, hot = 0;
        for (std::size_t c = 0; c < classes; ++c) {
            require(y[c] == T(0) || y[c] == T(1), "log_loss: the target at ", detail::PixelAt<S>{i}, " holds ",
                    y[c], " for class ", c, ", expected a one-hot vector (0 or 1)");
            if (y[c] == T(1)) {
                ++ones;
                hot = c;
            }
        }
        require(ones == 1, "log_loss: the target at ", detail::PixelAt<S>{i}, " has ", ones,
                " ones, expected a one-hot vector (exactly one 1)");
        return hot;
    });
}

// With one class index per pixel (batch × H × W labels), e.g. a mask or a classifier's labels.
template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
double log_loss(TensorView<Q, S> probabilities, std::span<const int> labels,
                double eps = std::numeric_limits<T>::epsilon()) {
    return detail::log_loss_of_labels<T, S>(probabilities, labels, eps);
}

template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
double log_loss(TensorView<Q, S> probabilities, std::span<const std::uint8_t> labels,
                double eps = std::numeric_limits<T>::epsilon()) {
    return detail::log_loss_of_labels<T, S>(probabilities, labels, eps);
}

}  // namespace latentlab::metrics
