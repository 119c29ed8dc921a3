#pragma once
// K-fold cross-validation with sklearn's fold sizes: KFold (shuffle the indices, then cut
// them into `folds` contiguous folds, the first n % folds one sample larger) and
// StratifiedKFold (sklearn ≥ 0.24's allocation: the sorted labels are dealt to the folds in
// turn, so every fold gets its share of each class and the fold sizes are KFold's; with
// shuffle, each class's fold assignments are shuffled). Shuffles come from our Rng, so the
// folds are sklearn's procedure, not its exact draws. Train and test indices are returned in
// ascending order, as sklearn returns them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/matrix.hpp"
#include "latentlab/analysis/shuffle.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"

namespace latentlab::analysis {

struct Split {
    std::vector<std::size_t> train, test;
};

struct KFold {
    std::size_t folds = 5;
    bool shuffle = true;
    std::uint64_t seed = 0;
    bool stratified = false;

    // The folds of n samples; `labels` (one per sample) are needed only when stratified.
    std::vector<Split> splits(std::size_t n, const Labels& labels = {}) const {
        constexpr auto who = "KFold::splits";
        require(folds >= 2, who, ": folds must be >= 2, found ", folds);
        require(folds <= n, who, ": ", folds, " folds of ", n, " samples; expected at most one fold per sample");
        require(!stratified || labels.size() == n, who, ": stratified folds need one label per sample, found ",
                labels.size(), " labels for ", n, " samples");
        const std::vector<std::size_t> fold_of = stratified ? stratified_folds(n, labels) : plain_folds(n);
        std::vector<Split> result(folds);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t f = 0; f < folds; ++f) (fold_of[i] == f ? result[f].test : result[f].train).push_back(i);
        return result;
    }

private:
    // The fold of each sample: contiguous runs of the (shuffled) indices.
    std::vector<std::size_t> plain_folds(std::size_t n) const {
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        if (shuffle) {
            Rng rng(seed, 0);
            shuffle_in_place(order, rng);
        }
        std::vector<std::size_t> fold_of(n);
        std::size_t position = 0;
        for (std::size_t f = 0; f < folds; ++f)
            for (std::size_t size = n / folds + (f < n % folds ? 1 : 0); size > 0; --size)
                fold_of[order[position++]] = f;
        return fold_of;
    }

    std::vector<std::size_t> stratified_folds(std::size_t n, const Labels& labels) const {
        constexpr auto who = "KFold::splits";
        const auto classes = static_cast<std::size_t>(class_count(labels, n, who));
        std::vector<std::size_t> counts(classes, 0);
        for (const int label : labels) ++counts[static_cast<std::size_t>(label)];
        require(std::any_of(counts.begin(), counts.end(), [&](std::size_t count) { return count >= folds; }), who,
                ": ", folds, " stratified folds, but no class has that many samples (the largest has ",
                *std::max_element(counts.begin(), counts.end()), ")");
        // allocation[f][c]: samples of class c in fold f, from dealing the sorted labels.
        std::vector<std::vector<std::size_t>> allocation(folds, std::vector<std::size_t>(classes, 0));
        std::size_t position = 0;
        for (std::size_t c = 0; c < classes; ++c)
            for (std::size_t j = 0; j < counts[c]; ++j, ++position) ++allocation[position % folds][c];
        // Each class's samples, in their order, take its fold numbers in blocks (shuffled).
        Rng rng(seed, 0);
        std::vector<std::size_t> fold_of(n);
        for (std::size_t c = 0; c < classes; ++c) {
            std::vector<std::size_t> class_folds;
            for (std::size_t f = 0; f < folds; ++f) class_folds.insert(class_folds.end(), allocation[f][c], f);
            if (shuffle) shuffle_in_place(class_folds, rng);
            std::size_t next = 0;
            for (std::size_t i = 0; i < n; ++i)
                if (static_cast<std::size_t>(labels(i)) == c) fold_of[i] = class_folds[next++];
        }
        return fold_of;
    }
};

// The rows of x at `indices`, in that order.
inline Matrix select_rows(const Matrix& x, const std::vector<std::size_t>& indices) {
    const std::size_t d = columns(x);
    Matrix selected = xt::zeros<float>({indices.size(), d});
    for (std::size_t r = 0; r < indices.size(); ++r) {
        require(indices[r] < rows(x), "select_rows: index ", indices[r], " (position ", r, ") is outside the ",
                rows(x), " rows");
        std::copy_n(x.data() + indices[r] * d, d, selected.data() + r * d);
    }
    return selected;
}

inline Labels select_rows(const Labels& labels, const std::vector<std::size_t>& indices) {
    Labels selected = xt::zeros<int>({indices.size()});
    for (std::size_t r = 0; r < indices.size(); ++r) {
        require(indices[r] < labels.size(), "select_rows: index ", indices[r], " (position ", r, ") is outside the ",
                labels.size(), " labels");
        selected(r) = labels(indices[r]);
    }
    return selected;
}

// Per-fold accuracy of fit_predict(train_x, train_labels, test_x) → predicted test labels.
using FitPredict = std::function<Labels(const Matrix&, const Labels&, const Matrix&)>;

inline std::vector<double> cross_val_score(const Matrix& x, const Labels& labels, const KFold& kfold,
                                           const FitPredict& fit_predict) {
    constexpr auto who = "cross_val_score";
    require_features(x, who);
    class_count(labels, rows(x), who);
    std::vector<double> accuracies;
    for (const Split& split : kfold.splits(rows(x), labels)) {
        const Labels truth = select_rows(labels, split.test);
        const Labels predicted = fit_predict(select_rows(x, split.train), select_rows(labels, split.train),
                                             select_rows(x, split.test));
        require(predicted.size() == truth.size(), who, ": fold ", accuracies.size(), " predicted ", predicted.size(),
                " labels for ", truth.size(), " test samples");
        std::size_t hits = 0;
        for (std::size_t i = 0; i < truth.size(); ++i) hits += predicted(i) == truth(i) ? 1 : 0;
        accuracies.push_back(static_cast<double>(hits) / static_cast<double>(truth.size()));
    }
    return accuracies;
}

}  // namespace latentlab::analysis
