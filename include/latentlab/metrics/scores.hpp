#pragma once
// Scores computed from a ConfusionMatrix, with scikit-learn's definitions (checked against
// sklearn 1.2 by tests/unit/test_metrics.cpp):
//   accuracy (pixel accuracy)  Σ TP / total
//   precision_c = TP/(TP+FP), recall_c = TP/(TP+FN), f1_c = 2TP/(2TP+FP+FN) (= Dice of the
//   class), iou_c = TP/(TP+FP+FN) (Jaccard; E1's IoU).
// Undefined values (0/0) are 0 per class, sklearn's zero_division default.
// Averages (mean_iou and Averages::macro) run over the classes that occur, in the truth or
// in the predictions, i.e. whose IoU denominator is nonzero. That is what tf.keras' MeanIoU
// does and also what sklearn does when it is not given `labels` (it averages over the
// labels found in y_true ∪ y_pred); only with an explicit labels= list that names an absent
// class does sklearn count that class as 0 and lower the mean. A class absent from a test
// set says nothing about the network, so it must not pull the mean down.
// With E1's definition (all 4 classes occur), mean_iou equals sklearn's
// jaccard_score(average='macro').
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "latentlab/core/error.hpp"
#include "latentlab/metrics/confusion.hpp"

namespace latentlab::metrics {

struct Averages {
    double micro = 0;     // from counts summed over classes; equals accuracy for single-label classes
    double macro = 0;     // unweighted mean over the classes that occur
    double weighted = 0;  // mean weighted by each class's true count (support)
};

namespace detail {

// Per class: true positives, predicted count (column sum), true count (row sum).
struct Tallies {
    std::vector<std::uint64_t> hits, predicted, truth;
};

// Every score of an empty matrix is 0/0: that is a caller's mistake (nothing was added),
// not a value to report.
inline Tallies tallies(const ConfusionMatrix& cm, const char* score) {
    require(cm.total() > 0, score, ": the confusion matrix is empty (no sample was added)");
    const std::size_t n = cm.classes();
    Tallies t{std::vector<std::uint64_t>(n, 0), std::vector<std::uint64_t>(n, 0), std::vector<std::uint64_t>(n, 0)};
    for (std::size_t truth = 0; truth < n; ++truth)
        for (std::size_t predicted = 0; predicted < n; ++predicted) {
            const std::uint64_t count = cm(truth, predicted);
            t.truth[truth] += count;
            t.predicted[predicted] += count;
            if (truth == predicted) t.hits[truth] += count;
        }
    return t;
}

inline bool occurs(const Tallies& t, std::size_t c) { return t.truth[c] + t.predicted[c] > 0; }

// numerator(t, c) / denominator(t, c) per class, 0 where the denominator is 0.
template <class Numerator, class Denominator>
std::vector<double> per_class(const ConfusionMatrix& cm, const char* score, Numerator numerator,
                              Denominator denominator) {
    const Tallies t = tallies(cm, score);
    std::vector<double> values(cm.classes(), 0.0);
    for (std::size_t c = 0; c < values.size(); ++c) {
        const std::uint64_t d = denominator(t, c);
        if (d > 0) values[c] = static_cast<double>(numerator(t, c)) / static_cast<double>(d);
    }
    return values;
}

inline double macro_mean(const Tallies& t, const std::vector<double>& values) {
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t c = 0; c < values.size(); ++c)
        if (occurs(t, c)) {
            sum += values[c];
            ++count;
        }
    return sum / static_cast<double>(count);  // count > 0: tallies() rejects an empty matrix
}

}  // namespace detail

inline double accuracy(const ConfusionMatrix& cm) {
    const auto t = detail::tallies(cm, "accuracy");
    std::uint64_t hits = 0;
    for (const auto h : t.hits) hits += h;
    return static_cast<double>(hits) / static_cast<double>(cm.total());
}

inline std::vector<double> precision(const ConfusionMatrix& cm) {
    return detail::per_class(
        cm, "precision", [](const auto& t, std::size_t c) { return t.hits[c]; },
        [](const auto& t, std::size_t c) { return t.predicted[c]; });
}

inline std::vector<double> recall(const ConfusionMatrix& cm) {
    return detail::per_class(
        cm, "recall", [](const auto& t, std::size_t c) { return t.hits[c]; },
        [](const auto& t, std::size_t c) { return t.truth[c]; });
}

// 2TP/(2TP+FP+FN) straight from the counts; sklearn's 2PR/(P+R) is the same number.
inline std::vector<double> f1(const ConfusionMatrix& cm) {
    return detail::per_class(
        cm, "f1", [](const auto& t, std::size_t c) { return 2 * t.hits[c]; },
        [](const auto& t, std::size_t c) { return t.predicted[c] + t.truth[c]; });
}

// The Dice coefficient of a class's true and predicted pixel sets is its F1 score.
inline std::vector<double> dice(const ConfusionMatrix& cm) { return f1(cm); }

inline std::vector<double> iou(const ConfusionMatrix& cm) {
    return detail::per_class(
        cm, "iou", [](const auto& t, std::size_t c) { return t.hits[c]; },
        [](const auto& t, std::size_t c) { return t.predicted[c] + t.truth[c] - t.hits[c]; });
}

inline double mean_iou(const ConfusionMatrix& cm) {
    return detail::macro_mean(detail::tallies(cm, "mean_iou"), iou(cm));
}

namespace detail {

// In single-label classification every wrong sample is one FP (of its predicted class) and
// one FN (of its true class), so micro precision, recall and F1 all equal accuracy.
inline Averages averages(const ConfusionMatrix& cm, const char* score, const std::vector<double>& values) {
    const Tallies t = tallies(cm, score);
    double weighted = 0;
    for (std::size_t c = 0; c < values.size(); ++c) weighted += values[c] * static_cast<double>(t.truth[c]);
    return {accuracy(cm), macro_mean(t, values), weighted / static_cast<double>(cm.total())};
}

}  // namespace detail

inline Averages precision_averages(const ConfusionMatrix& cm) {
    return detail::averages(cm, "precision_averages", precision(cm));
}
inline Averages recall_averages(const ConfusionMatrix& cm) {
    return detail::averages(cm, "recall_averages", recall(cm));
}
inline Averages f1_averages(const ConfusionMatrix& cm) { return detail::averages(cm, "f1_averages", f1(cm)); }

// sklearn's classification_report as numbers, and as its text table.
struct ClassificationReport {
    std::vector<double> precision, recall, f1;
    std::vector<std::uint64_t> support;  // true count per class
    std::vector<bool> occurs;            // in the truth or in the predictions
    double accuracy = 0;
    Averages precision_averages, recall_averages, f1_averages;

    // The table sklearn.metrics.classification_report(y_true, y_pred, digits=digits) prints,
    // character for character: one row per class that occurs (sklearn lists the labels of
    // y_true ∪ y_pred), then accuracy, macro avg and weighted avg.
    std::string to_string(int digits = 2) const {
        require(digits >= 0 && digits <= 17, "ClassificationReport::to_string: digits must be 0 to 17, got ", digits);
        int width = 12;  // "weighted avg"
        for (std::size_t c = 0; c < support.size(); ++c)
            if (occurs[c]) width = std::max(width, static_cast<int>(std::to_string(c).size()));
        width = std::max(width, digits);
        std::string text;
        const auto append = [&text](const char* format, auto... values) {
            const std::size_t length = static_cast<std::size_t>(std::snprintf(nullptr, 0, format, values...));
            const std::size_t start = text.size();
            text.resize(start + length + 1);  // room for snprintf's terminating zero
            std::snprintf(text.data() + start, length + 1, format, values...);
            text.pop_back();
        };
        std::uint64_t total = 0;
        for (const auto s : support) total += s;
        const auto row = [&](const std::string& name, double p, double r, double f, std::uint64_t count) {
            append("%*s ", width, name.c_str());
            for (const double value : {p, r, f}) append(" %9.*f", digits, value);
            append(" %9llu\n", static_cast<unsigned long long>(count));
        };
        append("%*s ", width, "");
        for (const char* header : {"precision", "recall", "f1-score", "support"}) append(" %9s", header);
        text += "\n\n";
        for (std::size_t c = 0; c < support.size(); ++c)
            if (occurs[c]) row(std::to_string(c), precision[c], recall[c], f1[c], support[c]);
        text += "\n";
        // Accuracy fills only the f1-score column.
        append("%*s  %9s %9s %9.*f %9llu\n", width, "accuracy", "", "", digits, accuracy,
               static_cast<unsigned long long>(total));
        row("macro avg", precision_averages.macro, recall_averages.macro, f1_averages.macro, total);
        row("weighted avg", precision_averages.weighted, recall_averages.weighted, f1_averages.weighted, total);
        return text;
    }
};

inline ClassificationReport classification_report(const ConfusionMatrix& cm) {
    const auto t = detail::tallies(cm, "classification_report");
    ClassificationReport report{precision(cm), recall(cm), f1(cm), t.truth, {}, accuracy(cm), precision_averages(cm),
                                recall_averages(cm), f1_averages(cm)};
    for (std::size_t c = 0; c < cm.classes(); ++c) report.occurs.push_back(detail::occurs(t, c));
    return report;
}

}  // namespace latentlab::metrics
