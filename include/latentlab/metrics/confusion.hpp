#pragma once
// The confusion matrix every score of metrics/ is computed from. Counts are summed over a
// whole data set batch by batch (E1: "from the confusion matrix summed over the whole test
// set"), so a score of the data set is never a mean of per-batch scores. Rows are the true
// class, columns the predicted class (sklearn's confusion_matrix convention). A classifier's
// output of Shape<1, 1, C> is counted by the same code: one "pixel" per image.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <ostream>
#include <span>
#include <type_traits>
#include <vector>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/tensor.hpp"

namespace latentlab::metrics {

namespace detail {

// Index of the largest of `count` values, the first on ties (numpy's argmax); `count` if a
// value is NaN, which has no place in an ordering.
template <class T>
std::size_t argmax_or_nan(const T* values, std::size_t count) {
    std::size_t best = 0;
    for (std::size_t c = 0; c < count; ++c) {
        if (std::isnan(values[c])) return count;
        if (values[c] > values[best]) best = c;
    }
    return best;
}

// Names flat pixel `index` of a batch of S in error messages: "image 2, row 3, column 5".
template <ShapeType S>
struct PixelAt {
    std::size_t index;

    friend std::ostream& operator<<(std::ostream& out, PixelAt at) {
        const std::size_t per_image = S::size / static_cast<std::size_t>(S::channels);
        const std::size_t in_image = at.index % per_image;
        return out << "image " << at.index / per_image << ", row " << in_image / S::width << ", column "
                   << in_image % S::width;
    }
};

}  // namespace detail

class ConfusionMatrix {
public:
    explicit ConfusionMatrix(std::size_t classes) : classes_(classes), counts_(classes * classes, 0) {
        require(classes > 0, "ConfusionMatrix: the class count must be positive, got 0");
    }

    std::size_t classes() const { return classes_; }

    std::uint64_t operator()(std::size_t truth, std::size_t predicted) const {
        check_class("truth", truth);
        check_class("predicted", predicted);
        return counts_[truth * classes_ + predicted];
    }

    std::uint64_t total() const {
        std::uint64_t sum = 0;
        for (const auto count : counts_) sum += count;
        return sum;
    }

    void add(std::size_t truth, std::size_t predicted) { add_count(truth, predicted, 1); }
    // `count` samples at once (a matrix restored from a checkpoint).
    void add_count(std::size_t truth, std::size_t predicted, std::uint64_t count) {
        check_class("truth", truth);
        check_class("predicted", predicted);
        counts_[truth * classes_ + predicted] += count;
    }

    // One pixel per (image, row, column): its true class is the argmax of the target (one-hot),
    // its predicted class the argmax of the prediction (probabilities or logits; the argmax
    // is the same). Rows of the batch are counted into per-thread matrices that are summed
    // at the end, so the result does not depend on the thread count. On an error the matrix
    // is left as it was.
    template <class Q, ShapeType S, class T = std::remove_const_t<Q>>
    void add(TensorView<Q, S> predictions, std::type_identity_t<ConstView<T, S>> targets, const Cpu& cpu = {}) {
        static_assert(std::is_floating_point_v<T>, "ConfusionMatrix::add takes float or double scores");
        require(static_cast<std::size_t>(S::channels) == classes_, "ConfusionMatrix::add: the tensors have ",
                S::channels, " channels, the matrix counts ", classes_, " classes");
        require(predictions.batch == targets.batch, "ConfusionMatrix::add: predictions hold ", predictions.batch,
                " images, targets ", targets.batch);
        constexpr auto channels = static_cast<std::size_t>(S::channels);
        const std::size_t pixels = predictions.batch * (S::size / channels);
        const int threads = cpu::threads_for(cpu, pixels);
        std::vector<std::uint64_t> thread_counts(static_cast<std::size_t>(threads) * counts_.size(), 0);
        // A thread stops at its first NaN; the lowest of those is the first NaN of the batch,
        // so the message does not depend on the thread count either.
        constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
        std::vector<std::size_t> first_nan(static_cast<std::size_t>(threads), none);
        const T* const p = predictions.data;
        const T* const y = targets.data;
        cpu::parallel_for(cpu, pixels, [&](std::size_t begin, std::size_t end, int thread) {
            // Counted in the thread's own vector: neighbouring slices of thread_counts share
            // cache lines, and incrementing there would make the threads slow each other down.
            std::vector<std::uint64_t> counts(counts_.size(), 0);
            for (std::size_t i = begin; i < end; ++i) {
                const std::size_t truth = detail::argmax_or_nan(y + i * channels, channels);
                const std::size_t predicted = detail::argmax_or_nan(p + i * channels, channels);
                if (truth == channels || predicted == channels) {
                    first_nan[static_cast<std::size_t>(thread)] = i;
                    return;
                }
                ++counts[truth * channels + predicted];
            }
            std::copy(counts.begin(), counts.end(),
                      thread_counts.begin() + thread * static_cast<std::ptrdiff_t>(counts_.size()));
        });
        std::size_t nan_pixel = none;
        for (const auto i : first_nan) nan_pixel = std::min(nan_pixel, i);
        if (nan_pixel != none) {
            const bool in_prediction = detail::argmax_or_nan(p + nan_pixel * channels, channels) == channels;
            fail("ConfusionMatrix::add: the ", in_prediction ? "prediction" : "target", " at ",
                 detail::PixelAt<S>{nan_pixel}, " holds NaN (expected a score per class)");
        }
        for (int t = 0; t < threads; ++t)
            for (std::size_t k = 0; k < counts_.size(); ++k)
                counts_[k] += thread_counts[static_cast<std::size_t>(t) * counts_.size() + k];
    }

    // Class-index arrays of the same length, e.g. masks (std::uint8_t) or a classifier's labels.
    void add(std::span<const int> truth, std::span<const int> predicted) { add_labels(truth, predicted); }
    void add(std::span<const std::uint8_t> truth, std::span<const std::uint8_t> predicted) {
        add_labels(truth, predicted);
    }

    // Adds the counts of another matrix, e.g. one per evaluation worker.
    void merge(const ConfusionMatrix& other) {
        require(other.classes_ == classes_, "ConfusionMatrix::merge: the other matrix counts ", other.classes_,
                " classes, this one ", classes_);
        for (std::size_t k = 0; k < counts_.size(); ++k) counts_[k] += other.counts_[k];
    }

    void reset() { counts_.assign(counts_.size(), 0); }

    friend bool operator==(const ConfusionMatrix&, const ConfusionMatrix&) = default;

private:
    void check_class(const char* role, std::size_t label) const {
        require(label < classes_, "ConfusionMatrix: ", role, " class ", label, " is out of range (the matrix counts ",
                classes_, " classes: 0 to ", classes_ - 1, ")");
    }

    // Checks every label before counting any, so a bad array leaves the matrix as it was.
    template <std::integral Label>
    void add_labels(std::span<const Label> truth, std::span<const Label> predicted) {
        require(truth.size() == predicted.size(), "ConfusionMatrix::add: ", truth.size(), " true labels but ",
                predicted.size(), " predicted labels");
        const auto check = [&](std::span<const Label> labels, const char* role) {
            for (std::size_t i = 0; i < labels.size(); ++i) {
                // As a long long, so that std::uint8_t prints as a number and -1 stays -1.
                const auto label = static_cast<long long>(labels[i]);
                require(label >= 0 && static_cast<unsigned long long>(label) < classes_, "ConfusionMatrix::add: ",
                        role, " label ", i, " is ", label, ", expected a class from 0 to ", classes_ - 1);
            }
        };
        check(truth, "true");
        check(predicted, "predicted");
        for (std::size_t i = 0; i < truth.size(); ++i)
            ++counts_[static_cast<std::size_t>(truth[i]) * classes_ + static_cast<std::size_t>(predicted[i])];
    }

    std::size_t classes_;
    std::vector<std::uint64_t> counts_;
};

}  // namespace latentlab::metrics
