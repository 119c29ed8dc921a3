#pragma once
// E1's linear-separability question: can a hyperplane per class separate the classes of these
// features? A probe (one-vs-all perceptrons, or the softmax probe) is fitted on the data and
// scored on the same data — no split, since the question is whether a separating hyperplane
// exists, not whether it generalizes. F1 = 1 means the probe found one.
// The features are used as given: standardize first (analysis/standardize.hpp) as E1 does.
#include <cstddef>
#include <span>
#include <vector>

#include "latentlab/analysis/linear_probe.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/analysis/perceptron.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/metrics/confusion.hpp"
#include "latentlab/metrics/scores.hpp"

namespace latentlab::analysis {

struct ProbeScore {
    metrics::ConfusionMatrix confusion;  // rows = true class, columns = predicted class
    double f1_micro = 0;                 // = accuracy for single-label classes
    std::vector<double> f1_per_class;
};

// The scores of predictions against the truth, over `classes` classes.
inline ProbeScore probe_score(const Labels& truth, const Labels& predicted, std::size_t classes) {
    metrics::ConfusionMatrix confusion(classes);
    confusion.add(std::span<const int>(truth.data(), truth.size()),
                  std::span<const int>(predicted.data(), predicted.size()));
    return {confusion, metrics::f1_averages(confusion).micro, metrics::f1(confusion)};
}

// One-vs-all perceptrons (E1's first probe).
inline ProbeScore separability(const Matrix& x, const Labels& labels, const PerceptronOptions& options = {}) {
    Perceptron probe(options);
    probe.fit(x, labels);
    return probe_score(labels, probe.predict(x), probe.model().classes());
}

// The softmax probe, by L-BFGS (LinearProbeOptions::fast()) or E1's protocol.
inline ProbeScore separability(const Matrix& x, const Labels& labels, const LinearProbeOptions& options) {
    LinearProbe probe(options);
    probe.fit(x, labels);
    return probe_score(labels, probe.predict(x), probe.model().classes());
}

}  // namespace latentlab::analysis
