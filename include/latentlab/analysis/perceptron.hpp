#pragma once
// One-vs-all perceptrons: sklearn.linear_model.Perceptron (1.2) with its defaults — SGD on
// the perceptron loss max(0, −y·(w·x + b)) with rate 1, no penalty, an intercept, and
// sklearn's stopping rule. E1 asks whether a hyperplane per class separates the latents.
//
// Per class c, a binary classifier with targets y = +1 for c and −1 otherwise; w = 0, b = 0.
// Each epoch (the samples in order, or shuffled first):
//   for each sample: p = w·x + b; if y·p ≤ 0 (a mistake, or on the plane, as at the start):
//   loss += −y·p, w += y·x, b += y.
// After the epoch, with best = the lowest epoch loss before it: the epoch counts as "no
// improvement" when loss > best − tol·n (and resets the count otherwise); training stops
// after no_change_epochs such epochs in a row, or after max_epochs (not converged).
// This is sklearn's _plain_sgd loop for loss="perceptron", eta0=1, learning_rate="constant";
// with shuffle = false the weights equal sklearn's coef_ and intercept_ up to the rounding
// of the dot products (tests/unit/test_probes.cpp checks it). Shuffled epochs use our Rng,
// not sklearn's generator: the same procedure on a different order.
//
// Two classes: sklearn fits one classifier, class 1 against class 0. The classifier of
// class 0 would make the same updates with the opposite sign, so it is exactly the negated
// one: we fit class 1's and store both rows (row 0 = −row 1), and the prediction is
// sklearn's (class 1 where its score is > 0).
//
// The classifiers are independent and trained in parallel over classes; each class's
// shuffles come from its own stream, so the result does not depend on the thread count.
// Weights are double (as sklearn's); the float features are read, never copied.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/linear_model.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/analysis/shuffle.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/optim/option_check.hpp"

namespace latentlab::analysis {

struct PerceptronOptions {
    std::size_t max_epochs = 1000;      // sklearn's max_iter
    double tol = 1e-3;                  // an epoch must lower the best loss by more than tol·n
    std::size_t no_change_epochs = 5;   // sklearn's n_iter_no_change
    bool shuffle = true;                // shuffle the samples before every epoch
    std::uint64_t seed = 0;             // of the shuffles
    Cpu cpu{};
};

class Perceptron : public LinearClassifier {
public:
    using Options = PerceptronOptions;

    explicit Perceptron(Options options = {}) : LinearClassifier("Perceptron", options.cpu), o_(options) {
        constexpr auto who = "Perceptron";
        require(o_.max_epochs >= 1, who, ": max_epochs must be >= 1, found 0");
        optim::check_option(who, "tol", o_.tol, 0.0);
        require(o_.no_change_epochs >= 1, who, ": no_change_epochs must be >= 1, found 0");
        require_threads(o_.cpu, who);
    }

    Perceptron& fit(const Matrix& x, const Labels& labels) {
        constexpr auto who = "Perceptron::fit";
        require_features(x, who);
        const std::size_t classes = training_classes(labels, rows(x), who);
        const std::size_t d = columns(x);
        // With two classes only class 1's classifier is trained (see the top of this file).
        const std::size_t first_trained = classes == 2 ? 1 : 0;
        const std::size_t trained = classes - first_trained;
        std::vector<Binary> results(trained);
        cpu::parallel_for(o_.cpu, trained, [&](std::size_t begin, std::size_t end, int) {
            for (std::size_t t = begin; t < end; ++t)
                results[t] = train_binary(x, labels, static_cast<int>(first_trained + t));
        });

        model_.coef = xt::zeros<double>({classes, d});
        model_.intercept = xt::zeros<double>({classes});
        epochs_ = 0;
        converged_ = true;
        for (std::size_t t = 0; t < trained; ++t) {
            const std::size_t c = first_trained + t;
            std::copy(results[t].weights.begin(), results[t].weights.end(), model_.coef.data() + c * d);
            model_.intercept(c) = results[t].intercept;
            epochs_ = std::max(epochs_, results[t].epochs);
            converged_ = converged_ && results[t].converged;
        }
        if (classes == 2) {
            for (std::size_t j = 0; j < d; ++j) model_.coef(0, j) = -model_.coef(1, j);
            model_.intercept(0) = -model_.intercept(1);
        }
        return *this;
    }

    // Epochs of the longest-running classifier (sklearn's n_iter_).
    std::size_t epochs_run() const { return epochs_; }
    // Whether every classifier stopped by the no-improvement rule before max_epochs.
    bool converged() const { return converged_; }

private:
    struct Binary {
        std::vector<double> weights;
        double intercept = 0;
        std::size_t epochs = 0;
        bool converged = false;
    };

    // Class c against the rest, with its shuffles from stream c.
    Binary train_binary(const Matrix& x, const Labels& labels, int c) const {
        const std::size_t n = rows(x), d = columns(x);
        Binary result{std::vector<double>(d, 0.0)};
        double* w = result.weights.data();
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        Rng rng(o_.seed, static_cast<std::uint64_t>(c));
        double best_loss = std::numeric_limits<double>::infinity();
        std::size_t no_improvement = 0;
        const double required_gain = o_.tol * static_cast<double>(n);
        for (std::size_t epoch = 0; epoch < o_.max_epochs; ++epoch) {
            if (o_.shuffle) shuffle_in_place(order, rng);  // the previous epoch's order, shuffled (sklearn's way)
            double loss = 0;
            for (const std::size_t i : order) {
                const float* xi = x.data() + i * d;
                const double y = labels(i) == c ? 1.0 : -1.0;
                const double margin = y * (detail::dot(xi, w, d) + result.intercept);
                if (margin <= 0) {
                    loss -= margin;
                    detail::add_scaled(w, y, xi, d);
                    result.intercept += y;
                }
            }
            result.epochs = epoch + 1;
            no_improvement = loss > best_loss - required_gain ? no_improvement + 1 : 0;
            best_loss = std::min(best_loss, loss);
            if (no_improvement >= o_.no_change_epochs) {
                result.converged = true;
                break;
            }
        }
        return result;
    }

    Options o_;
    std::size_t epochs_ = 0;
    bool converged_ = false;
};

}  // namespace latentlab::analysis
