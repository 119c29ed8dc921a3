#pragma once
// What the linear classifiers of analysis/ (Perceptron, LogisticRegression, LinearProbe)
// share: the fitted parameters, one weight row and one intercept per class, and what is
// computed from them — class scores coef·x + intercept, the prediction (the class of the
// highest score) and softmax probabilities. Scores are computed in double, as sklearn
// computes them on its float64 copy of the data; we read the float features directly.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "latentlab/analysis/matrix.hpp"
#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"

namespace latentlab::analysis {

namespace detail {

// x·w summed in double. The OpenMP simd reduction vectorizes the float→double conversion
// with the sum (3–4× faster than converting x first, which Eigen does one element at a
// time); the sum's order, and so its last bits, differ from a sequential loop's.
inline double dot(const float* x, const double* w, std::size_t count) {
    double sum = 0;
#ifdef _OPENMP
#pragma omp simd reduction(+ : sum)
#endif
    for (std::size_t j = 0; j < count; ++j) sum += w[j] * static_cast<double>(x[j]);
    return sum;
}

// w += c·x, element by element (the same rounding as any order).
inline void add_scaled(double* w, double c, const float* x, std::size_t count) {
#ifdef _OPENMP
#pragma omp simd
#endif
    for (std::size_t j = 0; j < count; ++j) w[j] += c * static_cast<double>(x[j]);
}

}  // namespace detail

// The class count of training labels: every class from 0 to the largest label must occur,
// and there must be at least two. A class without samples cannot be fitted (sklearn would
// silently drop it, and the model's class indices would then differ from the labels').
inline std::size_t training_classes(const Labels& labels, std::size_t samples, std::string_view who) {
    const auto classes = static_cast<std::size_t>(class_count(labels, samples, who));
    std::vector<std::size_t> counts(classes, 0);
    for (const int label : labels) ++counts[static_cast<std::size_t>(label)];
    require(classes >= 2, who, ": all ", samples, " labels are class ", classes - 1,
            "; separating classes needs samples of at least two");
    for (std::size_t c = 0; c < classes; ++c)
        require(counts[c] > 0, who, ": class ", c, " has no sample (the labels run from 0 to ", classes - 1,
                "); expected every class in that range to occur");
    return classes;
}

inline void require_threads(const Cpu& cpu, std::string_view who) {
    require(cpu.threads >= 1, who, ": cpu.threads must be >= 1, found ", cpu.threads);
}

// The threads worth starting for a parallel region of `work` multiply-adds: at most one per
// 2^20 (about a millisecond). A region costs microseconds to start when the cores are idle,
// but milliseconds when another process holds a core (E1's protocol, a region per 0.2 ms
// mini-batch step, ran 50× slower on 2 threads than on 1 on a shared 2-core machine), so
// small regions run on one thread. Our results do not depend on the thread count.
inline Cpu threads_for_work(const Cpu& cpu, std::size_t work) {
    constexpr std::size_t per_thread = std::size_t{1} << 20;
    return Cpu{static_cast<int>(std::clamp<std::size_t>(work / per_thread, 1, static_cast<std::size_t>(cpu.threads)))};
}

// Softmax of each row, in place, shifted by the row's maximum so that exp cannot overflow.
inline void softmax_rows(xt::xtensor<double, 2>& scores) {
    const std::size_t classes = scores.shape()[1];
    for (std::size_t i = 0; i < scores.shape()[0]; ++i) {
        double* s = scores.data() + i * classes;
        const double largest = *std::max_element(s, s + classes);
        double sum = 0;
        for (std::size_t k = 0; k < classes; ++k) sum += s[k] = std::exp(s[k] - largest);
        for (std::size_t k = 0; k < classes; ++k) s[k] /= sum;
    }
}

// The index of each row's largest score, the first on ties (numpy's argmax, sklearn's predict).
inline Labels argmax_rows(const xt::xtensor<double, 2>& scores) {
    const std::size_t classes = scores.shape()[1];
    Labels labels = xt::zeros<int>({scores.shape()[0]});
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const double* s = scores.data() + i * classes;
        labels(i) = static_cast<int>(std::max_element(s, s + classes) - s);
    }
    return labels;
}

struct LinearModel {
    xt::xtensor<double, 2> coef;       // classes × features (sklearn's coef_)
    xt::xtensor<double, 1> intercept;  // classes

    std::size_t classes() const { return coef.shape()[0]; }
    std::size_t features() const { return coef.shape()[1]; }
    bool fitted() const { return coef.size() > 0; }

    // Samples × classes scores coef·x + intercept. Rows are independent, so the result does
    // not depend on the thread count. `who` names the caller in errors.
    xt::xtensor<double, 2> decision_function(const Matrix& x, const Cpu& cpu, std::string_view who) const {
        require(fitted(), who, ": the model is not fitted; call fit first");
        require_features(x, who);
        require(columns(x) == features(), who, ": the matrix has ", columns(x), " features, the model was fitted on ",
                features());
        const std::size_t k = classes(), d = features();
        xt::xtensor<double, 2> scores = xt::zeros<double>({rows(x), k});
        const Cpu threads = threads_for_work(cpu, rows(x) * d * k);
        cpu::parallel_for(threads, rows(x), [&](std::size_t begin, std::size_t end, int) {
            for (std::size_t i = begin; i < end; ++i)
                for (std::size_t c = 0; c < k; ++c)
                    scores(i, c) = detail::dot(x.data() + i * d, coef.data() + c * d, d) + intercept(c);
        });
        return scores;
    }

    Labels predict(const Matrix& x, const Cpu& cpu, std::string_view who) const {
        return argmax_rows(decision_function(x, cpu, who));
    }
};

// The prediction side every fitted linear classifier offers; the derived class fits model_.
// `name` prefixes the errors ("Perceptron::predict: the model is not fitted; …").
class LinearClassifier {
public:
    xt::xtensor<double, 2> decision_function(const Matrix& x) const {
        return model_.decision_function(x, cpu_, who("decision_function"));
    }
    Labels predict(const Matrix& x) const { return model_.predict(x, cpu_, who("predict")); }

    const LinearModel& model() const { return model_; }
    const xt::xtensor<double, 2>& coef() const { return model_.coef; }
    const xt::xtensor<double, 1>& intercept() const { return model_.intercept; }

protected:
    LinearClassifier(std::string_view name, const Cpu& cpu) : name_(name), cpu_(cpu) {}

    // Samples × classes softmax probabilities, for the classifiers fitted on cross-entropy.
    xt::xtensor<double, 2> probabilities(const Matrix& x) const {
        auto scores = model_.decision_function(x, cpu_, who("predict_proba"));
        softmax_rows(scores);
        return scores;
    }
    std::string who(std::string_view method) const { return std::string(name_) + "::" + std::string(method); }

    LinearModel model_;

private:
    std::string_view name_;
    Cpu cpu_;
};

}  // namespace latentlab::analysis
