#pragma once
// Multinomial logistic regression with an L2 penalty: sklearn 1.2's
// LogisticRegression(multi_class='multinomial', solver='lbfgs', C=C). It minimizes
//   f(W, b) = Σ_i CE_i + ‖W‖² / (2C),   CE_i = log Σ_k exp(z_ik) − z_i,y_i,   z_i = W·x_i + b,
// (C·f is the textbook C·Σ CE + ½‖W‖²; the intercept b is not penalized) with L-BFGS
// (analysis/lbfgs.hpp, memory 10) from W = 0, b = 0, and stops as sklearn's call of scipy
// does: max |∇f| ≤ tol, a relative decrease of f ≤ scipy's factr·eps, or max_iter
// iterations (then converged() is false, where sklearn warns). The optimum is unique up to
// one thing: adding a constant to every intercept changes no probability. L-BFGS from 0
// keeps Σ_k b_k = 0 (every gradient of b sums to 0 over the classes), and we subtract the
// rounding's remainder at the end, so the intercepts sum to 0 — what sklearn returns, too.
// Two classes are fitted as two softmax rows (row 0 = −row 1 at the optimum); sklearn keeps
// only row 1 as coef_ and computes the same probabilities from it.
//
// The loss and gradient are computed in double over row blocks on cpu.threads threads. The
// rows are cut into a fixed number of chunks whose partial sums are added in chunk order, so
// the result does not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <vector>

#include <Eigen/Core>
#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/lbfgs.hpp"
#include "latentlab/analysis/linear_model.hpp"
#include "latentlab/analysis/matrix.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/optim/option_check.hpp"

namespace latentlab::analysis {

struct LogisticRegressionOptions {
    double C = 1.0;              // inverse strength of the L2 penalty
    double tol = 1e-4;           // stop when max |∇f| ≤ tol
    std::size_t max_iter = 100;  // L-BFGS iterations
    double relative_decrease_tol = LbfgsOptions{}.relative_decrease_tol;  // scipy's; 0 turns the test off
    std::size_t memory = 10;     // L-BFGS correction pairs
    Cpu cpu{};
};

namespace detail {

// f and ∇f of the penalized multinomial loss at θ = [W (classes × features, row-major), b].
class MultinomialLoss {
public:
    MultinomialLoss(const Matrix& x, const Labels& labels, std::size_t classes, double c, const Cpu& cpu)
        : x_(x),
          labels_(labels),
          classes_(classes),
          c_(c),
          cpu_(threads_for_work(cpu, rows(x) * columns(x) * classes)) {
        // At most 64 chunks (enough for any thread count we run), and at most 2^23 doubles
        // (64 MiB) of partial gradients.
        const std::size_t per_chunk = parameter_count();
        const std::size_t by_memory = std::max<std::size_t>(1, (std::size_t{1} << 23) / per_chunk);
        chunks_ = std::min({rows(x), std::size_t{64}, by_memory});
        partial_gradients_.assign(chunks_ * per_chunk, 0.0);
        partial_losses_.assign(chunks_, 0.0);
    }

    std::size_t parameter_count() const { return classes_ * (columns(x_) + 1); }

    double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& gradient) {
        const std::size_t n = rows(x_), d = columns(x_), k = classes_, p = parameter_count();
        const double* w = theta.data();
        const double* b = theta.data() + k * d;
        cpu::parallel_for(cpu_, chunks_, [&](std::size_t begin, std::size_t end, int) {
            std::vector<double> z(k);
            for (std::size_t chunk = begin; chunk < end; ++chunk) {
                double* g = partial_gradients_.data() + chunk * p;
                double* gb = g + k * d;
                std::fill(g, g + p, 0.0);
                double loss = 0;
                for (std::size_t i = n * chunk / chunks_; i < n * (chunk + 1) / chunks_; ++i) {
                    const float* xi = x_.data() + i * d;
                    for (std::size_t c = 0; c < k; ++c) z[c] = dot(xi, w + c * d, d) + b[c];
                    const double largest = *std::max_element(z.begin(), z.end());
                    double sum = 0;
                    for (const double zc : z) sum += std::exp(zc - largest);
                    const double log_normalizer = largest + std::log(sum);
                    const auto truth = static_cast<std::size_t>(labels_(i));
                    loss += log_normalizer - z[truth];
                    // ∂CE_i/∂z_ic = softmax_c − [c = truth]
                    for (std::size_t c = 0; c < k; ++c) {
                        const double residual = std::exp(z[c] - log_normalizer) - (c == truth ? 1.0 : 0.0);
                        add_scaled(g + c * d, residual, xi, d);
                        gb[c] += residual;
                    }
                }
                partial_losses_[chunk] = loss;
            }
        });
        Eigen::Map<const Eigen::VectorXd> weights(w, static_cast<Eigen::Index>(k * d));
        double value = weights.squaredNorm() / (2 * c_);
        gradient.setZero();
        gradient.head(static_cast<Eigen::Index>(k * d)) = weights / c_;
        for (std::size_t chunk = 0; chunk < chunks_; ++chunk) {
            value += partial_losses_[chunk];
            gradient += Eigen::Map<const Eigen::VectorXd>(partial_gradients_.data() + chunk * p,
                                                          static_cast<Eigen::Index>(p));
        }
        return value;
    }

private:
    const Matrix& x_;
    const Labels& labels_;
    std::size_t classes_;
    double c_;
    Cpu cpu_;
    std::size_t chunks_ = 1;
    std::vector<double> partial_gradients_;  // chunk × θ
    std::vector<double> partial_losses_;
};

}  // namespace detail

class LogisticRegression : public LinearClassifier {
public:
    using Options = LogisticRegressionOptions;

    explicit LogisticRegression(Options options = {}) : LinearClassifier("LogisticRegression", options.cpu), o_(options) {
        constexpr auto who = "LogisticRegression";
        optim::check_option(who, "C", o_.C, 0.0, optim::Bound::open);
        optim::check_option(who, "tol", o_.tol, 0.0);
        optim::check_option(who, "relative_decrease_tol", o_.relative_decrease_tol, 0.0);
        require(o_.max_iter >= 1, who, ": max_iter must be >= 1, found 0");
        require(o_.memory >= 1, who, ": memory must be >= 1, found 0");
        require_threads(o_.cpu, who);
    }

    LogisticRegression& fit(const Matrix& x, const Labels& labels) {
        constexpr auto who = "LogisticRegression::fit";
        require_features(x, who);
        const std::size_t classes = training_classes(labels, rows(x), who);
        const std::size_t d = columns(x);
        detail::MultinomialLoss loss(x, labels, classes, o_.C, o_.cpu);
        Eigen::VectorXd theta = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(loss.parameter_count()));
        result_ = minimize_lbfgs(loss, theta,
                                 {.memory = o_.memory,
                                  .max_iterations = o_.max_iter,
                                  .gradient_tol = o_.tol,
                                  .relative_decrease_tol = o_.relative_decrease_tol});
        model_.coef = xt::zeros<double>({classes, d});
        std::copy(theta.data(), theta.data() + classes * d, model_.coef.data());
        const auto b = theta.tail(static_cast<Eigen::Index>(classes));
        model_.intercept = xt::zeros<double>({classes});
        for (std::size_t c = 0; c < classes; ++c) model_.intercept(c) = b(static_cast<Eigen::Index>(c)) - b.mean();
        return *this;
    }

    // Samples × classes softmax probabilities (sklearn's predict_proba).
    xt::xtensor<double, 2> predict_proba(const Matrix& x) const { return probabilities(x); }

    std::size_t iterations() const { return result_.iterations; }  // sklearn's n_iter_
    bool converged() const { return result_.converged(); }
    // The objective f and max |∇f| at the solution, and why L-BFGS stopped.
    const LbfgsResult& optimization() const { return result_; }

private:
    Options o_;
    LbfgsResult result_;
};

}  // namespace latentlab::analysis
