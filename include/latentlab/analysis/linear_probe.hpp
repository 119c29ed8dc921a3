#pragma once
// The softmax linear probe of E1: Dense(classes) + softmax on the features, trained on
// cross-entropy. Two ways to train it, with the same result type (a LinearModel):
//   Options::fast() (the default): multinomial logistic regression by L-BFGS
//     (analysis/logistic_regression.hpp) with a tiny L2 penalty (C = 1e4), which keeps the
//     optimum finite when the classes are separable. Seconds on E1's latents.
//   Options::e1_protocol(): the original's recipe, for reproducing its numbers — Keras'
//     glorot-uniform kernel and zero bias, then Nadam (Keras defaults) for 250 epochs of
//     shuffled mini-batches of 128, then SGD with lr 0.02 and Keras' time decay 0.01/300
//     per step (lr / (1 + decay·step)) for 300 epochs. The loss is the batch mean of the
//     cross-entropy, with its exact gradient softmax − one-hot (Keras clips probabilities
//     at 1e-7 in the loss, which only matters once a sample is classified with certainty).
//     Computed in float, as Keras does, with optimizer state in double (optim/).
// The E1 protocol's batch rows are spread over the threads for the logits and its feature
// columns for the gradient, so each number is summed in the same order whatever the thread
// count, and the result does not depend on it. E1's batches (128 × 2048 × 3 multiply-adds)
// are too small to be worth a parallel region (threads_for_work): they run on one thread,
// about 0.1 s an epoch on 45,000 × 2,048, a minute for the 550 epochs.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

#include <Eigen/Core>
#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/linear_model.hpp"
#include "latentlab/analysis/logistic_regression.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/analysis/shuffle.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/optim/nadam.hpp"
#include "latentlab/optim/option_check.hpp"
#include "latentlab/optim/schedule.hpp"
#include "latentlab/optim/sgd.hpp"

namespace latentlab::analysis {

enum class ProbeTraining { lbfgs, e1_protocol };

struct LinearProbeOptions {
    ProbeTraining training = ProbeTraining::lbfgs;
    // lbfgs: LogisticRegression's options.
    double C = 1e4;
    double tol = 1e-4;
    std::size_t max_iter = 100;
    // e1_protocol.
    std::size_t nadam_epochs = 250;
    std::size_t sgd_epochs = 300;
    std::size_t batch_size = 128;
    optim::NadamOptions nadam{};  // Keras' defaults (lr 0.002), as E1
    double sgd_lr = 0.02;
    double sgd_decay = 0.01 / 300;
    std::uint64_t seed = 0;  // of the initial weights and the shuffles
    Cpu cpu{};

    static LinearProbeOptions fast() { return {}; }
    static LinearProbeOptions e1_protocol() {
        LinearProbeOptions options;
        options.training = ProbeTraining::e1_protocol;
        return options;
    }
};

class LinearProbe : public LinearClassifier {
public:
    using Options = LinearProbeOptions;

    explicit LinearProbe(Options options = Options::fast()) : LinearClassifier("LinearProbe", options.cpu), o_(options) {
        constexpr auto who = "LinearProbe";
        require_threads(o_.cpu, who);
        if (o_.training == ProbeTraining::lbfgs) {
            LogisticRegression{regression_options()};  // which checks C, tol and max_iter
            return;
        }
        require(o_.batch_size >= 1, who, ": batch_size must be >= 1, found 0");
        require(o_.nadam_epochs + o_.sgd_epochs >= 1, who, ": nadam_epochs + sgd_epochs must be >= 1, found 0");
        optim::check_option(who, "sgd_lr", o_.sgd_lr, 0.0, optim::Bound::open);
        optim::check_option(who, "sgd_decay", o_.sgd_decay, 0.0);
        optim::Nadam{o_.nadam};  // checks the Nadam options
    }

    LinearProbe& fit(const Matrix& x, const Labels& labels) {
        constexpr auto who = "LinearProbe::fit";
        require_features(x, who);
        const std::size_t classes = training_classes(labels, rows(x), who);
        if (o_.training == ProbeTraining::lbfgs)
            model_ = LogisticRegression(regression_options()).fit(x, labels).model();
        else
            model_ = train_e1_protocol(x, labels, classes);
        return *this;
    }

    xt::xtensor<double, 2> predict_proba(const Matrix& x) const { return probabilities(x); }


private:
    LogisticRegressionOptions regression_options() const {
        return {.C = o_.C, .tol = o_.tol, .max_iter = o_.max_iter, .cpu = o_.cpu};
    }

    LinearModel train_e1_protocol(const Matrix& x, const Labels& labels, std::size_t classes) const {
        const std::size_t n = rows(x), d = columns(x), k = classes;
        using VectorMap = Eigen::Map<Eigen::VectorXf>;
        using ConstVectorMap = Eigen::Map<const Eigen::VectorXf>;
        // θ = [W (k × d, row-major), b]; Keras' glorot_uniform kernel, zero bias.
        std::vector<float> theta(k * d + k, 0.0f), gradient(theta.size());
        Rng init(o_.seed, 0);
        const double limit = std::sqrt(6.0 / static_cast<double>(d + k));
        for (std::size_t j = 0; j < k * d; ++j) theta[j] = static_cast<float>(init.uniform(-limit, limit));

        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        Rng shuffle(o_.seed, 1);
        std::vector<float> residuals(o_.batch_size * k);  // batch row × class: (softmax − one-hot) / batch
        const Cpu cpu = threads_for_work(o_.cpu, o_.batch_size * d * k);  // two parallel regions a step

        // The mean cross-entropy gradient of the batch order[first, first + size).
        const auto batch_gradient = [&](std::size_t first, std::size_t size) {
            const float* w = theta.data();
            const float* b = theta.data() + k * d;
            const auto scale = 1.0f / static_cast<float>(size);
            cpu::parallel_for(cpu, size, [&](std::size_t begin, std::size_t end, int) {
                for (std::size_t r = begin; r < end; ++r) {
                    const std::size_t i = order[first + r];
                    const ConstVectorMap xi(x.data() + i * d, static_cast<Eigen::Index>(d));
                    float* z = residuals.data() + r * k;
                    for (std::size_t c = 0; c < k; ++c)
                        z[c] = xi.dot(ConstVectorMap(w + c * d, static_cast<Eigen::Index>(d))) + b[c];
                    const float largest = *std::max_element(z, z + k);
                    float sum = 0;
                    for (std::size_t c = 0; c < k; ++c) sum += z[c] = std::exp(z[c] - largest);
                    for (std::size_t c = 0; c < k; ++c)
                        z[c] = (z[c] / sum - (labels(i) == static_cast<int>(c) ? 1.0f : 0.0f)) * scale;
                }
            });
            cpu::parallel_for(cpu, d, [&](std::size_t begin, std::size_t end, int) {
                const auto width = static_cast<Eigen::Index>(end - begin);
                for (std::size_t c = 0; c < k; ++c) {
                    VectorMap g(gradient.data() + c * d + begin, width);
                    g.setZero();
                    for (std::size_t r = 0; r < size; ++r)
                        g += residuals[r * k + c] * ConstVectorMap(x.data() + order[first + r] * d + begin, width);
                }
            });
            for (std::size_t c = 0; c < k; ++c) {
                float sum = 0;
                for (std::size_t r = 0; r < size; ++r) sum += residuals[r * k + c];
                gradient[k * d + c] = sum;
            }
        };
        // Epochs of shuffled batches (the last one shorter), each batch followed by step().
        const auto run_epochs = [&](std::size_t epochs, auto&& step) {
            for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
                shuffle_in_place(order, shuffle);
                for (std::size_t first = 0; first < n; first += o_.batch_size) {
                    batch_gradient(first, std::min(o_.batch_size, n - first));
                    step();
                }
            }
        };

        const std::span<float> parameters(theta);
        const std::span<const float> gradients(gradient);
        optim::Nadam nadam(o_.nadam);
        run_epochs(o_.nadam_epochs, [&] { nadam.step(parameters, gradients); });
        optim::Sgd sgd({.lr = o_.sgd_lr});
        const auto decay = optim::Schedule::time_decay(o_.sgd_decay);
        const optim::Segment all{0, theta.size()};
        std::size_t iteration = 0;
        run_epochs(o_.sgd_epochs, [&] {
            const double lr = o_.sgd_lr * decay.factor({.iteration = iteration++});
            sgd.step(parameters, gradients, lr, std::span<const optim::Segment>(&all, 1));
        });

        LinearModel model{xt::zeros<double>({k, d}), xt::zeros<double>({k})};
        std::copy(theta.begin(), theta.begin() + static_cast<std::ptrdiff_t>(k * d), model.coef.begin());
        std::copy(theta.begin() + static_cast<std::ptrdiff_t>(k * d), theta.end(), model.intercept.begin());
        return model;
    }

    Options o_;
};

}  // namespace latentlab::analysis
