#pragma once
// The k-nearest-neighbour classifier (scikit-learn's KNeighborsClassifier with uniform
// weights) and its k-fold cross-validated accuracy: a non-linear counterpart to the linear
// probes — how well the classes of a latent space can be told apart *locally*.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/knn.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/analysis/shuffle.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"

namespace latentlab::analysis {

struct KnnClassifierOptions {
    std::size_t k = 5;  // neighbours that vote
    Cpu cpu = {};
};

class KnnClassifier {
public:
    using Options = KnnClassifierOptions;

    explicit KnnClassifier(Options options = {}) : options_(options) {
        require(options_.k >= 1, "KnnClassifier: option k = ", options_.k, "; expected k ≥ 1");
    }

    // Keeps a copy of the training set (kNN has no other model).
    KnnClassifier& fit(const Matrix& x, const Labels& labels) {
        require_features(x, "KnnClassifier::fit");
        const int classes = class_count(labels, rows(x), "KnnClassifier::fit");
        require(options_.k <= rows(x), "KnnClassifier::fit: option k = ", options_.k, " but only ", rows(x),
                " training samples; expected k ≤ the training set size");
        train_ = x;
        labels_ = labels;
        classes_ = classes;
        return *this;
    }

    // The majority class among each row's k nearest training samples (Euclidean, ties in
    // distance by the smaller training index); a tied vote goes to the smallest class, as in
    // scikit-learn.
    Labels predict(const Matrix& x) const {
        require(classes_ > 0, "KnnClassifier::predict: the classifier is not fitted; call fit first");
        require_features(x, "KnnClassifier::predict");
        require(columns(x) == columns(train_), "KnnClassifier::predict: ", columns(x),
                " features; expected ", columns(train_), " as in the training set");
        const KnnGraph neighbours = exact_knn(x, train_, options_.k, options_.cpu);
        Labels predicted = Labels::from_shape({rows(x)});
        std::vector<std::size_t> votes(static_cast<std::size_t>(classes_));
        for (std::size_t i = 0; i < rows(x); ++i) {
            std::fill(votes.begin(), votes.end(), 0);
            for (std::size_t j = 0; j < options_.k; ++j)
                ++votes[static_cast<std::size_t>(labels_(static_cast<std::size_t>(neighbours.indices(i, j))))];
            // max_element returns the first maximum: the smallest class of a tie.
            predicted(i) = static_cast<int>(std::max_element(votes.begin(), votes.end()) - votes.begin());
        }
        return predicted;
    }

    const Options& options() const { return options_; }

private:
    Options options_;
    Matrix train_;
    Labels labels_;
    int classes_ = 0;
};

// Accuracy of the k-NN classifier over `folds`-fold cross-validation: the fraction of all
// samples predicted correctly by the classifier fitted on the other folds. The split: the
// samples 0 … n − 1 are shuffled by shuffle_in_place with Rng(seed) (Fisher–Yates: for
// i = n − 1 down to 1, swap positions i and uniform_int(0, i)), and fold f takes positions
// [f·n/folds, (f + 1)·n/folds) — contiguous folds whose sizes differ by at most one.
inline double knn_accuracy_cv(const Matrix& x, const Labels& labels, std::size_t k = 5, std::size_t folds = 5,
                              std::uint64_t seed = 0, const Cpu& cpu = {}) {
    require_features(x, "knn_accuracy_cv");
    class_count(labels, rows(x), "knn_accuracy_cv");
    const std::size_t n = rows(x), d = columns(x);
    require(folds >= 2 && folds <= n, "knn_accuracy_cv: folds = ", folds, "; expected 2 ≤ folds ≤ ", n,
            " (the sample count)");
    const std::size_t smallest_training = n - (n + folds - 1) / folds;
    require(k >= 1 && k <= smallest_training, "knn_accuracy_cv: k = ", k, "; expected 1 ≤ k ≤ ", smallest_training,
            " (the smallest training part of a ", folds, "-fold split of ", n, " samples)");

    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    Rng rng(seed);
    shuffle_in_place(order, rng);

    const auto gather = [&](const std::vector<std::size_t>& samples, Matrix& features, Labels& classes) {
        features = Matrix::from_shape({samples.size(), d});
        classes = Labels::from_shape({samples.size()});
        for (std::size_t s = 0; s < samples.size(); ++s) {
            std::copy_n(row(x, samples[s]).data(), d, features.data() + s * d);
            classes(s) = labels(samples[s]);
        }
    };
    std::size_t correct = 0;
    for (std::size_t f = 0; f < folds; ++f) {
        const std::size_t begin = f * n / folds, end = (f + 1) * n / folds;
        std::vector<std::size_t> test(order.begin() + static_cast<std::ptrdiff_t>(begin),
                                      order.begin() + static_cast<std::ptrdiff_t>(end));
        std::vector<std::size_t> train(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(begin));
        train.insert(train.end(), order.begin() + static_cast<std::ptrdiff_t>(end), order.end());
        std::sort(train.begin(), train.end());  // ties in distance then go to the smaller sample index
        Matrix train_x, test_x;
        Labels train_y, test_y;
        gather(train, train_x, train_y);
        gather(test, test_x, test_y);
        const Labels predicted = KnnClassifier({.k = k, .cpu = cpu}).fit(train_x, train_y).predict(test_x);
        for (std::size_t s = 0; s < test.size(); ++s) correct += predicted(s) == test_y(s);
    }
    return static_cast<double>(correct) / static_cast<double>(n);
}

}  // namespace latentlab::analysis
