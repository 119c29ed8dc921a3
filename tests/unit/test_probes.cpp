// The linear-separability probes of include/latentlab/analysis: one-vs-all perceptrons and
// multinomial logistic regression against scikit-learn 1.2 (tools/make_probes_golden.py),
// the softmax probe (fast and E1's protocol), the separability score, the L-BFGS minimizer,
// k-fold splitting (sklearn's folds) and cross-validation; thread-count independence; and the
// errors for bad input and bad options.
#include <latentlab/analysis/cross_validation.hpp>
#include <latentlab/analysis/lbfgs.hpp>
#include <latentlab/analysis/linear_probe.hpp>
#include <latentlab/analysis/logistic_regression.hpp>
#include <latentlab/analysis/perceptron.hpp>
#include <latentlab/analysis/separability.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <xtensor/xarray.hpp>

#include "latentlab/core/random.hpp"
#include "analysis_support.hpp"
#include "latentlab/data/npy.hpp"

using namespace latentlab;
using namespace latentlab::analysis;
using Catch::Contains;

namespace {

template <class T>
xt::xarray<T> golden(const std::string& name) { return testing::golden_array<T>("probes", name); }

Matrix golden_features(const std::string& set) { return testing::golden_matrix("probes", set + "_x"); }

Labels golden_labels(const std::string& name) { return testing::golden_labels("probes", name); }

void check_close(const xt::xtensor<double, 2>& ours, const xt::xarray<double>& reference, double tolerance,
                 const std::string& what) {
    INFO(what);
    REQUIRE(ours.shape()[0] == reference.shape()[0]);
    REQUIRE(ours.shape()[1] == reference.shape()[1]);
    for (std::size_t i = 0; i < ours.shape()[0]; ++i)
        for (std::size_t j = 0; j < ours.shape()[1]; ++j) {
            INFO("element (" << i << ", " << j << ")");
            CHECK(ours(i, j) == Approx(reference(i, j)).margin(tolerance));
        }
}

// Row `row` of `ours` against the single row of a 1 × d reference, times `sign`.
void check_row(const xt::xtensor<double, 2>& ours, std::size_t row, const xt::xarray<double>& reference, double sign,
               double tolerance) {
    INFO("row " << row);
    REQUIRE(reference.dimension() == 2);
    REQUIRE(reference.shape()[0] == 1);
    REQUIRE(reference.shape()[1] == ours.shape()[1]);
    for (std::size_t j = 0; j < ours.shape()[1]; ++j)
        CHECK(ours(row, j) == Approx(sign * reference(0, j)).margin(tolerance));
}

struct Data {
    Matrix x;
    Labels y;
};

// Class c's samples around separation·e_c with noise of deviation `noise` (needs d ≥ classes).
Data blobs(std::size_t n, std::size_t d, std::size_t classes, double separation, double noise, std::uint64_t seed) {
    Data data{xt::zeros<float>({n, d}), xt::zeros<int>({n})};
    Rng rng(seed);
    for (std::size_t i = 0; i < n; ++i) {
        data.y(i) = static_cast<int>(i % classes);
        for (std::size_t j = 0; j < d; ++j)
            data.x(i, j) = static_cast<float>((j == i % classes ? separation : 0.0) + rng.normal(0.0, noise));
    }
    return data;
}

// Four clusters at (±2, ±2); the class is 1 where the signs differ (XOR): no line separates it.
Data xor_set(std::size_t n, std::uint64_t seed) {
    Data data{xt::zeros<float>({n, std::size_t{2}}), xt::zeros<int>({n})};
    Rng rng(seed);
    for (std::size_t i = 0; i < n; ++i) {
        const bool right = i % 2 == 1, up = (i / 2) % 2 == 1;
        data.x(i, 0) = static_cast<float>((right ? 2.0 : -2.0) + rng.normal(0.0, 0.3));
        data.x(i, 1) = static_cast<float>((up ? 2.0 : -2.0) + rng.normal(0.0, 0.3));
        data.y(i) = right != up ? 1 : 0;
    }
    return data;
}

bool same(const xt::xtensor<double, 2>& a, const xt::xtensor<double, 2>& b) {
    return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

// ---- Perceptron ---------------------------------------------------------------------------------

TEST_CASE("Perceptron without shuffling equals sklearn on three classes", "[analysis][probes]") {
    const Matrix x = golden_features("multiclass");
    const Labels y = golden_labels("multiclass_y");
    Perceptron perceptron({.shuffle = false});
    perceptron.fit(x, y);
    // Weights are sums of ±x in double, as sklearn's; only the dot products' rounding differs.
    check_close(perceptron.coef(), golden<double>("multiclass_perceptron_coef"), 1e-12, "coef");
    const auto intercept = golden<double>("multiclass_perceptron_intercept");
    for (std::size_t c = 0; c < 3; ++c) CHECK(perceptron.intercept()(c) == intercept(c));
    CHECK(perceptron.epochs_run() == static_cast<std::size_t>(golden<std::int64_t>("multiclass_perceptron_epochs")(0)));
    CHECK(perceptron.converged());
    const Labels predicted = perceptron.predict(x);
    const Labels expected = golden_labels("multiclass_perceptron_predicted");
    CHECK(std::equal(predicted.begin(), predicted.end(), expected.begin(), expected.end()));
}

TEST_CASE("Perceptron without shuffling equals sklearn on two classes", "[analysis][probes]") {
    const Matrix x = golden_features("binary");
    const Labels y = golden_labels("binary_y");
    Perceptron perceptron({.shuffle = false});
    perceptron.fit(x, y);
    // sklearn's coef_ is one row, class 1 against class 0; ours holds it and its negation.
    const auto coef = golden<double>("binary_perceptron_coef");
    REQUIRE(perceptron.coef().shape()[0] == 2);
    check_row(perceptron.coef(), 1, coef, 1.0, 1e-12);
    check_row(perceptron.coef(), 0, coef, -1.0, 1e-12);
    const double b = golden<double>("binary_perceptron_intercept")(0);
    CHECK(perceptron.intercept()(1) == b);
    CHECK(perceptron.intercept()(0) == -b);
    CHECK(perceptron.epochs_run() == static_cast<std::size_t>(golden<std::int64_t>("binary_perceptron_epochs")(0)));
    const Labels predicted = perceptron.predict(x);
    const Labels expected = golden_labels("binary_perceptron_predicted");
    CHECK(std::equal(predicted.begin(), predicted.end(), expected.begin(), expected.end()));
    // The two scores of a sample are opposite, and class 1 wins exactly where its score is > 0.
    const auto scores = perceptron.decision_function(x);
    for (std::size_t i = 0; i < rows(x); ++i) {
        CHECK(scores(i, 0) == -scores(i, 1));
        CHECK(predicted(i) == (scores(i, 1) > 0 ? 1 : 0));
    }
}

TEST_CASE("Perceptron separates separable classes with F1 1", "[analysis][probes]") {
    const Data data = blobs(300, 5, 3, 6.0, 0.5, 11);
    const ProbeScore score = separability(data.x, data.y, PerceptronOptions{.seed = 4});
    CHECK(score.f1_micro == 1.0);
    CHECK(score.f1_per_class == std::vector<double>{1.0, 1.0, 1.0});
    CHECK(score.confusion.total() == 300);
    for (std::size_t c = 0; c < 3; ++c) CHECK(score.confusion(c, c) == 100);
}

TEST_CASE("Linear probes do not separate XOR", "[analysis][probes]") {
    const Data data = xor_set(200, 5);
    // No line gets more than 3 of the 4 clusters right.
    CHECK(separability(data.x, data.y).f1_micro <= 0.76);
    CHECK(separability(data.x, data.y, LinearProbeOptions::fast()).f1_micro <= 0.76);
}

TEST_CASE("Perceptron stops by sklearn's rules", "[analysis][probes]") {
    SECTION("max_epochs caps the training, which then has not converged") {
        const Data data = xor_set(100, 2);
        Perceptron perceptron({.max_epochs = 3});
        perceptron.fit(data.x, data.y);
        CHECK(perceptron.epochs_run() == 3);
        CHECK_FALSE(perceptron.converged());
    }
    SECTION("with tol 0, epochs without mistakes never count as no improvement") {
        // On separable data the loss drops to 0 and stays there: 0 > 0 − 0·n is false, which
        // resets the count; with tol > 0 it is true, and training stops 5 epochs later.
        const Data data = blobs(60, 3, 3, 6.0, 0.5, 3);
        Perceptron perceptron({.max_epochs = 40, .tol = 0});
        perceptron.fit(data.x, data.y);
        CHECK(perceptron.epochs_run() == 40);
        CHECK_FALSE(perceptron.converged());
        Perceptron default_tol;
        default_tol.fit(data.x, data.y);
        CHECK(default_tol.converged());
        CHECK(default_tol.epochs_run() < 40);
    }
}

TEST_CASE("Perceptron results do not depend on the thread count", "[analysis][probes]") {
    const Data data = blobs(400, 8, 4, 1.0, 1.0, 21);  // overlapping: many updates and epochs
    Perceptron one({.seed = 9, .cpu = Cpu{1}}), two({.seed = 9, .cpu = Cpu{2}});
    one.fit(data.x, data.y);
    two.fit(data.x, data.y);
    CHECK(same(one.coef(), two.coef()));
    CHECK(std::equal(one.intercept().begin(), one.intercept().end(), two.intercept().begin()));
    CHECK(one.epochs_run() == two.epochs_run());
    CHECK(same(one.decision_function(data.x), two.decision_function(data.x)));
    // The seed changes the shuffles, and so the weights.
    Perceptron other({.seed = 10});
    other.fit(data.x, data.y);
    CHECK_FALSE(same(one.coef(), other.coef()));
}

// ---- Logistic regression ------------------------------------------------------------------------

TEST_CASE("LogisticRegression reaches sklearn's optimum on three classes", "[analysis][probes]") {
    const Matrix x = golden_features("multiclass");
    const Labels y = golden_labels("multiclass_y");
    LogisticRegression regression({.C = 0.5, .tol = 1e-8, .max_iter = 1000, .relative_decrease_tol = 0});
    regression.fit(x, y);
    CHECK(regression.converged());
    CHECK(regression.optimization().stop == LbfgsStop::gradient);
    CHECK(regression.optimization().gradient_max_norm <= 1e-8);
    check_close(regression.coef(), golden<double>("multiclass_logistic_coef"), 1e-8, "coef");
    const auto intercept = golden<double>("multiclass_logistic_intercept");
    for (std::size_t c = 0; c < 3; ++c) CHECK(regression.intercept()(c) == Approx(intercept(c)).margin(1e-8));
    check_close(regression.predict_proba(x), golden<double>("multiclass_logistic_proba"), 1e-8, "predict_proba");

    // sklearn's defaults (tol 1e-4, its relative-decrease test) stop near the optimum too.
    LogisticRegression defaults({.C = 0.5});
    defaults.fit(x, y);
    CHECK(defaults.converged());
    CHECK(defaults.iterations() <= 100);
    check_close(defaults.coef(), golden<double>("multiclass_logistic_coef"), 1e-4, "coef at the default tolerance");
}

TEST_CASE("LogisticRegression reaches sklearn's optimum on two classes", "[analysis][probes]") {
    const Matrix x = golden_features("binary");
    const Labels y = golden_labels("binary_y");
    LogisticRegression regression({.C = 2.0, .tol = 1e-8, .max_iter = 1000, .relative_decrease_tol = 0});
    regression.fit(x, y);
    CHECK(regression.converged());
    // sklearn keeps row 1 of the two softmax rows; row 0 is its negation at the optimum.
    const auto coef = golden<double>("binary_logistic_coef");
    check_row(regression.coef(), 1, coef, 1.0, 1e-8);
    check_row(regression.coef(), 0, coef, -1.0, 1e-8);
    const double b = golden<double>("binary_logistic_intercept")(0);
    CHECK(regression.intercept()(1) == Approx(b).margin(1e-8));
    CHECK(regression.intercept()(0) == Approx(-b).margin(1e-8));
    check_close(regression.predict_proba(x), golden<double>("binary_logistic_proba"), 1e-8, "predict_proba");
    const Labels predicted = regression.predict(x);
    const auto proba = golden<double>("binary_logistic_proba");
    for (std::size_t i = 0; i < rows(x); ++i) CHECK(predicted(i) == (proba(i, 1) > proba(i, 0) ? 1 : 0));
}

TEST_CASE("LogisticRegression results do not depend on the thread count", "[analysis][probes]") {
    // 64 chunks of rows, split 1 or 2 ways (3000 × 250 × 3 multiply-adds: worth 2 threads).
    const Data data = blobs(3000, 250, 3, 1.0, 1.0, 8);
    LogisticRegression one({.cpu = Cpu{1}}), two({.cpu = Cpu{2}});
    one.fit(data.x, data.y);
    two.fit(data.x, data.y);
    CHECK(same(one.coef(), two.coef()));
    CHECK(std::equal(one.intercept().begin(), one.intercept().end(), two.intercept().begin()));
    CHECK(one.iterations() == two.iterations());
    CHECK(same(one.predict_proba(data.x), two.predict_proba(data.x)));
    // The intercepts are the ones that sum to 0.
    CHECK(std::abs(one.intercept()(0) + one.intercept()(1) + one.intercept()(2)) < 1e-12);
}

TEST_CASE("minimize_lbfgs finds the minimum of the Rosenbrock function", "[analysis][probes]") {
    const auto rosenbrock = [](const Eigen::VectorXd& v, Eigen::VectorXd& gradient) {
        const double a = 1 - v(0), b = v(1) - v(0) * v(0);
        gradient(0) = -2 * a - 400 * v(0) * b;
        gradient(1) = 200 * b;
        return a * a + 100 * b * b;
    };
    Eigen::VectorXd v(2);
    v << -1.2, 1.0;
    const LbfgsResult result =
        minimize_lbfgs(rosenbrock, v, {.max_iterations = 200, .gradient_tol = 1e-9, .relative_decrease_tol = 0});
    CHECK(result.stop == LbfgsStop::gradient);
    CHECK(result.converged());
    CHECK(result.gradient_max_norm <= 1e-9);
    CHECK(v(0) == Approx(1.0).margin(1e-8));
    CHECK(v(1) == Approx(1.0).margin(1e-8));
    CHECK(result.value < 1e-16);
    CHECK(result.iterations < 100);
    CHECK(result.evaluations >= result.iterations + 1);

    v << -1.2, 1.0;
    CHECK(minimize_lbfgs(rosenbrock, v, {.max_iterations = 3}).stop == LbfgsStop::max_iterations);
}

// ---- Softmax probe and separability -------------------------------------------------------------

TEST_CASE("LinearProbe fast is logistic regression with a tiny L2 penalty", "[analysis][probes]") {
    const Matrix x = golden_features("multiclass");
    const Labels y = golden_labels("multiclass_y");
    LinearProbe probe;
    probe.fit(x, y);
    LogisticRegression regression({.C = 1e4});
    regression.fit(x, y);
    CHECK(same(probe.coef(), regression.coef()));
    CHECK(same(probe.predict_proba(x), regression.predict_proba(x)));
    const Data separable = blobs(150, 4, 3, 6.0, 0.5, 17);
    CHECK(separability(separable.x, separable.y, LinearProbeOptions::fast()).f1_micro == 1.0);
}

TEST_CASE("LinearProbe with E1's protocol separates a small separable set", "[analysis][probes]") {
    const Data data = blobs(90, 4, 3, 4.0, 0.5, 23);
    auto options = LinearProbeOptions::e1_protocol();
    CHECK(options.nadam_epochs == 250);
    CHECK(options.sgd_epochs == 300);
    CHECK(options.batch_size == 128);
    options.batch_size = 32;  // 3 batches an epoch, the last one shorter
    LinearProbe probe(options);
    probe.fit(data.x, data.y);
    const ProbeScore score = probe_score(data.y, probe.predict(data.x), 3);
    CHECK(score.f1_micro == 1.0);
    // The probabilities of the true classes are high after 550 epochs.
    const auto proba = probe.predict_proba(data.x);
    for (std::size_t i = 0; i < rows(data.x); ++i) CHECK(proba(i, static_cast<std::size_t>(data.y(i))) > 0.8);
}

TEST_CASE("LinearProbe with E1's protocol does not depend on the thread count", "[analysis][probes]") {
    // A batch big enough (80 × 9000 × 3 multiply-adds) to be split over 2 threads.
    const Data data = blobs(80, 9000, 3, 2.0, 1.0, 29);
    auto options = LinearProbeOptions::e1_protocol();
    options.nadam_epochs = 4;
    options.sgd_epochs = 4;
    options.batch_size = 80;
    options.cpu = Cpu{1};
    LinearProbe one(options);
    one.fit(data.x, data.y);
    options.cpu = Cpu{2};
    LinearProbe two(options);
    two.fit(data.x, data.y);
    CHECK(same(one.coef(), two.coef()));
    CHECK(std::equal(one.intercept().begin(), one.intercept().end(), two.intercept().begin()));
    // Training moved the weights away from their initial values, and the seed sets those.
    options.seed = 1;
    LinearProbe other(options);
    other.fit(data.x, data.y);
    CHECK_FALSE(same(one.coef(), other.coef()));
}

TEST_CASE("probe_score counts predictions into F1 scores", "[analysis][probes]") {
    Labels truth = {0, 0, 0, 1, 1, 2};
    Labels predicted = {0, 0, 1, 1, 1, 0};
    const ProbeScore score = probe_score(truth, predicted, 3);
    CHECK(score.confusion(0, 0) == 2);
    CHECK(score.confusion(0, 1) == 1);
    CHECK(score.confusion(2, 0) == 1);
    CHECK(score.f1_micro == Approx(4.0 / 6.0));
    // f1_c = 2TP / (2TP + FP + FN): class 0: 4/6, class 1: 4/5, class 2: 0.
    REQUIRE(score.f1_per_class.size() == 3);
    CHECK(score.f1_per_class[0] == Approx(4.0 / 6.0));
    CHECK(score.f1_per_class[1] == Approx(0.8));
    CHECK(score.f1_per_class[2] == 0.0);
}

// ---- Cross-validation ---------------------------------------------------------------------------

TEST_CASE("KFold without shuffling gives sklearn's folds", "[analysis][probes]") {
    const Labels labels = golden_labels("kfold_labels");
    const Labels plain = golden_labels("kfold_fold_of");
    const Labels stratified = golden_labels("kfold_stratified_fold_of");
    for (const bool stratify : {false, true}) {
        INFO((stratify ? "StratifiedKFold" : "KFold"));
        const Labels& expected = stratify ? stratified : plain;
        const auto splits = KFold{.folds = 5, .shuffle = false, .stratified = stratify}.splits(labels.size(), labels);
        REQUIRE(splits.size() == 5);
        for (std::size_t f = 0; f < 5; ++f) {
            std::vector<std::size_t> test;
            for (std::size_t i = 0; i < labels.size(); ++i)
                if (expected(i) == static_cast<int>(f)) test.push_back(i);
            CHECK(splits[f].test == test);
        }
    }
}

TEST_CASE("KFold folds have sklearn's sizes and cover every sample once", "[analysis][probes]") {
    const Labels labels = golden_labels("kfold_labels");  // 23 samples: classes of 12, 7 and 4
    for (const bool stratify : {false, true})
        for (const std::uint64_t seed : {0u, 1u, 2u}) {
            INFO("stratified " << stratify << ", seed " << seed);
            const KFold kfold{.folds = 5, .seed = seed, .stratified = stratify};
            const auto splits = kfold.splits(labels.size(), labels);
            REQUIRE(splits.size() == 5);
            std::vector<int> times_tested(labels.size(), 0);
            for (std::size_t f = 0; f < 5; ++f) {
                const auto& [train, test] = splits[f];
                CHECK(test.size() == (f < 3 ? 5u : 4u));  // 23 = 5 + 5 + 5 + 4 + 4
                CHECK(train.size() + test.size() == labels.size());
                CHECK(std::is_sorted(train.begin(), train.end()));
                CHECK(std::is_sorted(test.begin(), test.end()));
                std::set<std::size_t> all(train.begin(), train.end());
                all.insert(test.begin(), test.end());
                CHECK(all.size() == labels.size());  // train and test are disjoint and cover all
                for (const std::size_t i : test) ++times_tested[i];
                if (stratify) {  // class c's 12, 7, 4 samples dealt over the folds: counts differ by ≤ 1
                    std::vector<std::size_t> per_class(3, 0);
                    for (const std::size_t i : test) ++per_class[static_cast<std::size_t>(labels(i))];
                    CHECK(per_class[0] >= 2);
                    CHECK(per_class[0] <= 3);
                    CHECK(per_class[1] >= 1);
                    CHECK(per_class[1] <= 2);
                    CHECK(per_class[2] <= 1);
                }
            }
            CHECK(std::all_of(times_tested.begin(), times_tested.end(), [](int t) { return t == 1; }));
        }
    // The seed decides the shuffle.
    const auto a = KFold{.seed = 1}.splits(23);
    CHECK(a[0].test == KFold{.seed = 1}.splits(23)[0].test);
    CHECK(a[0].test != KFold{.seed = 2}.splits(23)[0].test);
}

TEST_CASE("cross_val_score reports each fold's accuracy", "[analysis][probes]") {
    const Data data = blobs(60, 4, 3, 6.0, 0.5, 31);
    const KFold kfold{.folds = 4, .seed = 5, .stratified = true};
    // Always class 0: each fold's accuracy is its share of class 0 (5 of 15, stratified).
    const auto always_zero = [](const Matrix&, const Labels&, const Matrix& test) {
        return Labels(xt::zeros<int>({rows(test)}));
    };
    const auto share = cross_val_score(data.x, data.y, kfold, always_zero);
    REQUIRE(share.size() == 4);
    for (const double accuracy : share) CHECK(accuracy == Approx(1.0 / 3.0));
    const auto perceptron = [](const Matrix& train_x, const Labels& train_y, const Matrix& test_x) {
        return Perceptron().fit(train_x, train_y).predict(test_x);
    };
    const auto accuracies = cross_val_score(data.x, data.y, kfold, perceptron);
    CHECK(accuracies == std::vector<double>(4, 1.0));
}

TEST_CASE("select_rows copies the chosen rows in order", "[analysis][probes]") {
    const Data data = blobs(10, 3, 2, 1.0, 1.0, 1);
    const std::vector<std::size_t> indices{7, 2, 7};
    const Matrix x = select_rows(data.x, indices);
    const Labels y = select_rows(data.y, indices);
    REQUIRE(rows(x) == 3);
    for (std::size_t r = 0; r < 3; ++r) {
        CHECK(y(r) == data.y(indices[r]));
        for (std::size_t j = 0; j < 3; ++j) CHECK(x(r, j) == data.x(indices[r], j));
    }
}

// ---- Errors -------------------------------------------------------------------------------------

TEST_CASE("Probes reject bad data with a message", "[analysis][probes]") {
    const Data data = blobs(12, 3, 3, 4.0, 0.5, 2);
    Labels one_class = xt::zeros<int>({12});
    Labels short_labels = xt::zeros<int>({11});
    Labels gap = data.y;
    for (auto& label : gap) label = label == 1 ? 2 : label;  // classes 0 and 2 only
    Matrix nan = data.x;
    nan(4, 1) = std::numeric_limits<float>::quiet_NaN();

    Perceptron perceptron;
    REQUIRE_THROWS_WITH(perceptron.fit(data.x, one_class), Contains("Perceptron::fit") && Contains("at least two"));
    REQUIRE_THROWS_WITH(perceptron.fit(data.x, short_labels), Contains("11 labels for 12 samples"));
    REQUIRE_THROWS_WITH(perceptron.fit(data.x, gap), Contains("class 1 has no sample"));
    REQUIRE_THROWS_WITH(perceptron.fit(nan, data.y), Contains("element (4, 1)") && Contains("finite"));
    REQUIRE_THROWS_WITH(perceptron.predict(data.x), Contains("Perceptron::predict") && Contains("not fitted"));
    perceptron.fit(data.x, data.y);
    const Matrix narrow = xt::zeros<float>({2, 2});
    REQUIRE_THROWS_WITH(perceptron.predict(narrow), Contains("2 features") && Contains("fitted on 3"));
    REQUIRE_THROWS_WITH(perceptron.predict(nan), Contains("finite"));

    LogisticRegression regression;
    REQUIRE_THROWS_WITH(regression.fit(data.x, one_class), Contains("LogisticRegression::fit"));
    REQUIRE_THROWS_WITH(regression.fit(nan, data.y), Contains("LogisticRegression::fit") && Contains("finite"));
    REQUIRE_THROWS_WITH(regression.predict_proba(data.x), Contains("not fitted"));
    LinearProbe probe(LinearProbeOptions::e1_protocol());
    REQUIRE_THROWS_WITH(probe.fit(data.x, short_labels), Contains("LinearProbe::fit"));
    REQUIRE_THROWS_WITH(separability(nan, data.y), Contains("finite"));
}

TEST_CASE("Probes and splitters reject bad options with a message", "[analysis][probes]") {
    REQUIRE_THROWS_WITH(Perceptron({.max_epochs = 0}), Contains("max_epochs must be >= 1"));
    REQUIRE_THROWS_WITH(Perceptron({.tol = -1}), Contains("tol") && Contains("found -1"));
    REQUIRE_THROWS_WITH(Perceptron({.no_change_epochs = 0}), Contains("no_change_epochs"));
    REQUIRE_THROWS_WITH(Perceptron({.cpu = Cpu{0}}), Contains("cpu.threads"));
    REQUIRE_THROWS_WITH(LogisticRegression({.C = 0}), Contains("C must be finite and > 0, found 0"));
    REQUIRE_THROWS_WITH(LogisticRegression({.C = std::nan("")}), Contains("C must be"));
    REQUIRE_THROWS_WITH(LogisticRegression({.max_iter = 0}), Contains("max_iter"));
    REQUIRE_THROWS_WITH(LinearProbe({.C = -1}), Contains("C must be"));
    auto e1 = LinearProbeOptions::e1_protocol();
    e1.batch_size = 0;
    REQUIRE_THROWS_WITH(LinearProbe(e1), Contains("batch_size"));
    e1 = LinearProbeOptions::e1_protocol();
    e1.nadam.beta1 = 1.5;
    REQUIRE_THROWS_WITH(LinearProbe(e1), Contains("Nadam") && Contains("beta1"));

    const Labels labels = golden_labels("kfold_labels");
    REQUIRE_THROWS_WITH(KFold{.folds = 1}.splits(10), Contains("folds must be >= 2"));
    REQUIRE_THROWS_WITH(KFold{.folds = 5}.splits(4), Contains("5 folds of 4 samples"));
    REQUIRE_THROWS_WITH(KFold{.stratified = true}.splits(10, labels), Contains("23 labels for 10 samples"));
    REQUIRE_THROWS_WITH((KFold{.folds = 13, .stratified = true}.splits(labels.size(), labels)),
                        Contains("no class has that many samples"));
    const Matrix x = xt::zeros<float>({3, 2});
    REQUIRE_THROWS_WITH((select_rows(x, {0, 3})), Contains("index 3") && Contains("3 rows"));
    const Data data = blobs(20, 2, 2, 4.0, 0.5, 3);
    const auto too_few = [](const Matrix&, const Labels&, const Matrix&) { return Labels(xt::zeros<int>({1})); };
    REQUIRE_THROWS_WITH(cross_val_score(data.x, data.y, KFold{}, too_few), Contains("predicted 1 labels for 4"));
}
