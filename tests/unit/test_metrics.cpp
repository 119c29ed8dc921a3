// The metrics of include/latentlab/metrics against scikit-learn 1.2 (tools/make_metrics_golden.py),
// their invariants (totals, thread-count independence, merge), numpy's argmax tie rule, the
// averaging of classes that do not occur, and the errors for bad input.
#include <latentlab/metrics/metrics.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

#include "latentlab/core/random.hpp"
#include "latentlab/data/npy.hpp"

using namespace latentlab;
using namespace latentlab::metrics;

namespace {

using Segmentation = Shape<8, 8, 4>;    // the golden segmentation set: 3 images, 4 classes
using Classification = Shape<1, 1, 5>;  // the golden classification set: 200 samples, 5 classes

template <class T>
xt::xarray<T> golden(const std::string& set, const std::string& name) {
    const auto path = std::filesystem::path(LATENTLAB_TEST_DATA_DIR) / "metrics" / set / (name + ".npy");
    INFO("golden file " << path.string());
    REQUIRE(std::filesystem::exists(path));
    return load_npy<T>(path);
}

template <class T, ShapeType S>
HostTensor<T, S> golden_tensor(const std::string& set, const std::string& name) {
    const auto array = golden<T>(set, name);
    REQUIRE(array.size() % S::size == 0);
    HostTensor<T, S> tensor(array.size() / S::size);
    std::copy(array.begin(), array.end(), tensor.data());
    return tensor;
}

template <class T, ShapeType S>
HostTensor<T, S> one_hot(std::span<const int> labels) {
    REQUIRE(labels.size() % (S::size / S::channels) == 0);
    HostTensor<T, S> tensor(labels.size() / (S::size / S::channels));
    std::fill(tensor.data(), tensor.data() + tensor.size(), T(0));
    for (std::size_t i = 0; i < labels.size(); ++i) tensor.data()[i * S::channels + labels[i]] = T(1);
    return tensor;
}

std::string report_text(const std::string& set) {
    const auto bytes = golden<std::uint8_t>(set, "report");
    return {bytes.begin(), bytes.end()};
}

// Scores from counts are exact ratios: they agree with sklearn to rounding.
void check_values(const std::vector<double>& ours, const xt::xarray<double>& reference, const std::string& what) {
    INFO(what);
    REQUIRE(ours.size() == reference.size());
    for (std::size_t c = 0; c < ours.size(); ++c) {
        INFO("class " << c);
        CHECK(ours[c] == Approx(reference(c)).epsilon(1e-12).margin(1e-15));
    }
}

void check_averages(const Averages& ours, const xt::xarray<double>& reference, const std::string& what) {
    INFO(what << " averages (micro, macro, weighted)");
    REQUIRE(reference.size() == 3);
    CHECK(ours.micro == Approx(reference(0)).epsilon(1e-12));
    CHECK(ours.macro == Approx(reference(1)).epsilon(1e-12));
    CHECK(ours.weighted == Approx(reference(2)).epsilon(1e-12));
}

// Every score of `cm` against the sklearn values of `set`, whose classes all occur.
void check_scores(const ConfusionMatrix& cm, const std::string& set, int report_digits) {
    INFO("set " << set);
    const auto confusion = golden<std::uint64_t>(set, "confusion");
    REQUIRE(confusion.size() == cm.classes() * cm.classes());
    for (std::size_t t = 0; t < cm.classes(); ++t)
        for (std::size_t p = 0; p < cm.classes(); ++p) {
            INFO("truth " << t << ", predicted " << p);
            CHECK(cm(t, p) == confusion(t, p));
        }
    CHECK(accuracy(cm) == Approx(golden<double>(set, "accuracy")(0)).epsilon(1e-12));
    check_values(iou(cm), golden<double>(set, "iou"), "iou");
    CHECK(mean_iou(cm) == Approx(golden<double>(set, "iou_macro")(0)).epsilon(1e-12));
    check_values(precision(cm), golden<double>(set, "precision"), "precision");
    check_values(recall(cm), golden<double>(set, "recall"), "recall");
    check_values(f1(cm), golden<double>(set, "f1"), "f1");
    check_values(dice(cm), golden<double>(set, "f1"), "dice");
    check_averages(precision_averages(cm), golden<double>(set, "precision_averages"), "precision");
    check_averages(recall_averages(cm), golden<double>(set, "recall_averages"), "recall");
    check_averages(f1_averages(cm), golden<double>(set, "f1_averages"), "f1");
    CHECK(classification_report(cm).to_string(report_digits) == report_text(set));
}

// The log losses of the golden file: float64 with eps 'auto', float32 with eps 'auto', eps 1e-15.
template <class T>
void check_log_loss(double ours_auto, double ours_1e15, const std::string& set) {
    const auto reference = golden<double>(set, "log_loss");
    const double tolerance = sizeof(T) == 4 ? 1e-5 : 1e-12;  // float: the inputs are rounded
    INFO("log loss of " << set << " in " << (sizeof(T) == 4 ? "float" : "double"));
    CHECK(ours_auto == Approx(reference(sizeof(T) == 4 ? 1 : 0)).epsilon(tolerance));
    CHECK(ours_1e15 == Approx(reference(2)).epsilon(tolerance));
}

std::vector<int> golden_labels(const std::string& set, const std::string& name) {
    const auto array = golden<int>(set, name);
    return {array.begin(), array.end()};
}

template <class T, ShapeType S>
HostTensor<T, S> random_scores(std::size_t batch, std::uint64_t seed) {
    HostTensor<T, S> tensor(batch);
    Rng rng(seed, 5);
    for (std::size_t i = 0; i < tensor.size(); ++i) tensor.data()[i] = static_cast<T>(rng.uniform(0.0, 1.0));
    return tensor;
}

}  // namespace

TEMPLATE_TEST_CASE("Segmentation metrics match scikit-learn", "[metrics][golden]", float, double) {
    const auto probabilities = golden_tensor<TestType, Segmentation>("segmentation", "probabilities");
    const auto targets = golden_tensor<TestType, Segmentation>("segmentation", "targets");
    REQUIRE(probabilities.batch() == 3);
    ConfusionMatrix cm(4);
    cm.add(probabilities.view(), targets.view(), Cpu{2});
    CHECK(cm.total() == 3 * 8 * 8);
    // E1's mean IoU (all 4 classes occur, one of them rare) is sklearn's jaccard_score(average='macro').
    check_scores(cm, "segmentation", 4);

    // Class-index masks give the same matrix.
    const auto truth = golden<std::uint8_t>("segmentation", "truth");
    const auto predicted = golden<std::uint8_t>("segmentation", "predicted");
    const std::vector<std::uint8_t> truth_mask(truth.begin(), truth.end());
    const std::vector<std::uint8_t> predicted_mask(predicted.begin(), predicted.end());
    ConfusionMatrix from_masks(4);
    from_masks.add(truth_mask, predicted_mask);
    CHECK(cm == from_masks);

    check_log_loss<TestType>(log_loss(probabilities.view(), targets.view()),
                             log_loss(probabilities.view(), targets.view(), 1e-15), "segmentation");
    check_log_loss<TestType>(log_loss(probabilities.view(), truth_mask),
                             log_loss(probabilities.view(), truth_mask, 1e-15), "segmentation");
}

TEMPLATE_TEST_CASE("Classification metrics match scikit-learn, with a class never predicted", "[metrics][golden]",
                   float, double) {
    const auto probabilities = golden_tensor<TestType, Classification>("classification", "probabilities");
    const auto truth = golden_labels("classification", "truth");
    const auto predicted = golden_labels("classification", "predicted");
    REQUIRE(probabilities.batch() == 200);
    const auto targets = one_hot<TestType, Classification>(truth);
    ConfusionMatrix cm(5);
    cm.add(probabilities.view(), targets.view());
    CHECK(cm.total() == 200);
    check_scores(cm, "classification", 2);
    // Class 3 is never predicted: its precision is 0/0, reported as 0 (sklearn's zero_division).
    CHECK(precision(cm)[3] == 0.0);
    CHECK(iou(cm)[3] == 0.0);

    ConfusionMatrix from_labels(5);
    from_labels.add(truth, predicted);
    CHECK(cm == from_labels);

    // Some probabilities are exactly 0 and one row is exactly one-hot: the clip at eps decides
    // the value, and eps 'auto' differs between float and double as in sklearn 1.2.
    check_log_loss<TestType>(log_loss(probabilities.view(), targets.view()),
                             log_loss(probabilities.view(), targets.view(), 1e-15), "classification");
    check_log_loss<TestType>(log_loss(probabilities.view(), truth), log_loss(probabilities.view(), truth, 1e-15),
                             "classification");
}

TEST_CASE("Averages skip a class absent from truth and predictions, per-class values are 0", "[metrics]") {
    // A 6-class matrix over the 5-class golden labels: class 5 never occurs. sklearn without
    // labels= averages over the classes that occur, so every average must stay as it was.
    const auto truth = golden_labels("classification", "truth");
    const auto predicted = golden_labels("classification", "predicted");
    ConfusionMatrix six(6), five(5);
    six.add(truth, predicted);
    five.add(truth, predicted);
    for (const auto& values : {iou(six), dice(six), precision(six), recall(six), f1(six)}) CHECK(values[5] == 0.0);
    CHECK(mean_iou(six) == mean_iou(five));
    CHECK(mean_iou(six) == Approx(golden<double>("classification", "iou_macro")(0)).epsilon(1e-12));
    check_averages(precision_averages(six), golden<double>("classification", "precision_averages"), "precision");
    check_averages(recall_averages(six), golden<double>("classification", "recall_averages"), "recall");
    check_averages(f1_averages(six), golden<double>("classification", "f1_averages"), "f1");
    // sklearn lists only the classes that occur: the report has no row for class 5.
    CHECK(classification_report(six).to_string() == report_text("classification"));

    // By hand: classes 0 and 1 have IoU 1/2, class 2 never occurs and is left out of the mean
    // (counting it as 0 would give 1/3).
    ConfusionMatrix small(3);
    small.add(0, 0);
    small.add(0, 1);
    small.add(1, 1);
    CHECK(iou(small) == std::vector<double>{0.5, 0.5, 0.0});
    CHECK(mean_iou(small) == 0.5);
    CHECK(f1_averages(small).macro == Approx((2.0 / 3 + 2.0 / 3) / 2));
    CHECK(accuracy(small) == Approx(2.0 / 3));
}

TEST_CASE("Confusion matrix counts every pixel once, for any thread count", "[metrics]") {
    using S = Shape<16, 12, 4>;
    const auto predictions = random_scores<float, S>(7, 1);
    const auto targets = random_scores<float, S>(7, 2);
    ConfusionMatrix one(4), two(4), three(4);
    one.add(predictions.view(), targets.view(), Cpu{1});
    two.add(predictions.view(), targets.view(), Cpu{2});
    three.add(predictions.view(), targets.view(), Cpu{3});
    CHECK(one.total() == 7 * 16 * 12);
    CHECK(one == two);
    CHECK(one == three);
    std::uint64_t diagonal = 0;
    for (std::size_t c = 0; c < 4; ++c) diagonal += one(c, c);
    CHECK(accuracy(one) == Approx(static_cast<double>(diagonal) / (7 * 16 * 12)));

    // Per-pixel reference: the counts equal a plain loop over the pixels.
    ConfusionMatrix by_pixel(4);
    for (std::size_t n = 0; n < 7; ++n)
        for (int h = 0; h < 16; ++h)
            for (int w = 0; w < 12; ++w) {
                int t = 0, p = 0;
                for (int c = 1; c < 4; ++c) {
                    if (targets(n, h, w, c) > targets(n, h, w, t)) t = c;
                    if (predictions(n, h, w, c) > predictions(n, h, w, p)) p = c;
                }
                by_pixel.add(static_cast<std::size_t>(t), static_cast<std::size_t>(p));
            }
    CHECK(one == by_pixel);

    // An empty batch adds nothing.
    const HostTensor<float, S> empty(0);
    one.add(empty.view(), empty.view());
    CHECK(one.total() == 7 * 16 * 12);
}

TEST_CASE("Merging confusion matrices equals adding both batches to one", "[metrics]") {
    using S = Shape<6, 5, 3>;
    const auto p1 = random_scores<double, S>(4, 11), y1 = random_scores<double, S>(4, 12);
    const auto p2 = random_scores<double, S>(3, 13), y2 = random_scores<double, S>(3, 14);
    ConfusionMatrix a(3), b(3), both(3);
    a.add(p1.view(), y1.view());
    b.add(p2.view(), y2.view());
    both.add(p1.view(), y1.view());
    both.add(p2.view(), y2.view());
    CHECK_FALSE(a == both);
    a.merge(b);
    CHECK(a == both);
    CHECK(a.total() == 7 * 6 * 5);
    a.reset();
    CHECK(a.total() == 0);
    CHECK(a.classes() == 3);
}

TEST_CASE("Argmax ties go to the lowest class index, as numpy's", "[metrics]") {
    using S = Shape<1, 4, 4>;
    HostTensor<float, S> p(1), y(1);
    const float scores[4][4] = {{0.25f, 0.25f, 0.25f, 0.25f},  // all tied: class 0
                                {0.0f, 0.4f, 0.4f, 0.2f},      // 1 and 2 tied: class 1
                                {-0.0f, 0.0f, -1.0f, -2.0f},   // -0 equals +0: class 0
                                {0.1f, 0.2f, 0.3f, 0.3f}};     // 2 and 3 tied: class 2
    const float truth[4][4] = {{0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 1}, {0.5f, 0, 0.5f, 0}};
    for (int w = 0; w < 4; ++w)
        for (int c = 0; c < 4; ++c) {
            p(0, 0, w, c) = scores[w][c];
            y(0, 0, w, c) = truth[w][c];
        }
    ConfusionMatrix cm(4);
    cm.add(p.view(), y.view());
    CHECK(cm(3, 0) == 2);  // pixels 0 and 2
    CHECK(cm(3, 1) == 1);  // pixel 1
    CHECK(cm(0, 2) == 1);  // pixel 3, the target tie also going to class 0
    CHECK(cm.total() == 4);
}

TEST_CASE("Confusion matrix rejects mismatched shapes, NaN and labels out of range", "[metrics][errors]") {
    using S = Shape<3, 4, 4>;
    auto p = random_scores<float, S>(2, 21);
    const auto y = random_scores<float, S>(2, 22);
    const HostTensor<float, S> short_batch(1);

    CHECK_THROWS_WITH(ConfusionMatrix(0), Catch::Contains("class count must be positive"));
    ConfusionMatrix three(3);
    CHECK_THROWS_WITH(three.add(p.view(), y.view()), Catch::Contains("4 channels") && Catch::Contains("3 classes"));
    ConfusionMatrix cm(4);
    CHECK_THROWS_WITH(cm.add(p.view(), short_batch.view()),
                      Catch::Contains("predictions hold 2 images, targets 1"));

    // NaN at image 1, row 2, column 3 (and a later one): the first is named, for any thread
    // count, and nothing is counted.
    p(1, 2, 3, 1) = std::numeric_limits<float>::quiet_NaN();
    p(1, 2, 2, 0) = std::numeric_limits<float>::quiet_NaN();
    for (const int threads : {1, 2}) {
        CHECK_THROWS_WITH(cm.add(p.view(), y.view(), Cpu{threads}),
                          Catch::Contains("prediction at image 1, row 2, column 2 holds NaN"));
        CHECK(cm.total() == 0);
    }
    auto bad_target = random_scores<float, S>(2, 23);
    bad_target(0, 1, 0, 3) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(cm.add(y.view(), bad_target.view()), Catch::Contains("target at image 0, row 1, column 0"));
    CHECK(cm.total() == 0);

    CHECK_THROWS_WITH(cm.add(4, 0), Catch::Contains("truth class 4 is out of range"));
    CHECK_THROWS_WITH(cm.add(0, 7), Catch::Contains("predicted class 7 is out of range"));
    CHECK_THROWS_WITH(cm(0, 4), Catch::Contains("predicted class 4 is out of range"));
    CHECK_THROWS_WITH(cm.add(std::vector<int>{0, 1, 2}, std::vector<int>{0, 1}),
                      Catch::Contains("3 true labels but 2 predicted labels"));
    CHECK_THROWS_WITH(cm.add(std::vector<int>{0, 1, 2}, std::vector<int>{0, -1, 2}),
                      Catch::Contains("predicted label 1 is -1, expected a class from 0 to 3"));
    CHECK_THROWS_WITH(cm.add(std::vector<std::uint8_t>{0, 9}, std::vector<std::uint8_t>{0, 1}),
                      Catch::Contains("true label 1 is 9"));
    CHECK(cm.total() == 0);  // a bad label array counts nothing, not even its good prefix
    CHECK_THROWS_WITH(cm.merge(three), Catch::Contains("the other matrix counts 3 classes, this one 4"));
}

TEST_CASE("Scores of an empty confusion matrix are an error", "[metrics][errors]") {
    const ConfusionMatrix cm(4);
    CHECK_THROWS_WITH(accuracy(cm), Catch::Contains("accuracy: the confusion matrix is empty"));
    CHECK_THROWS_WITH(mean_iou(cm), Catch::Contains("empty"));
    CHECK_THROWS_WITH(f1_averages(cm), Catch::Contains("empty"));
    CHECK_THROWS_WITH(classification_report(cm), Catch::Contains("empty"));
}

TEST_CASE("Log loss rejects logits, targets that are not one-hot and bad labels or eps", "[metrics][errors]") {
    using S = Shape<2, 2, 3>;
    HostTensor<double, S> p(2), y(2);
    for (std::size_t i = 0; i < p.size(); ++i) {
        p.data()[i] = 1.0 / 3;
        y.data()[i] = i % 3 == 0 ? 1.0 : 0.0;
    }
    const std::vector<int> labels(8, 0);
    CHECK(log_loss(p.view(), y.view()) == Approx(std::log(3.0)));
    CHECK(log_loss(p.view(), labels) == Approx(std::log(3.0)));

    auto logits = p;
    logits(1, 0, 1, 2) = 2.5;
    CHECK_THROWS_WITH(log_loss(logits.view(), y.view()),
                      Catch::Contains("probability of class 2 at image 1, row 0, column 1 is 2.5"));
    logits(1, 0, 1, 2) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(log_loss(logits.view(), labels), Catch::Contains("expected a value in [0, 1]"));

    auto soft = y;
    soft(0, 1, 1, 1) = 0.5;
    CHECK_THROWS_WITH(log_loss(p.view(), soft.view()), Catch::Contains("target at image 0, row 1, column 1 holds 0.5"));
    soft(0, 1, 1, 1) = 1.0;
    CHECK_THROWS_WITH(log_loss(p.view(), soft.view()), Catch::Contains("has 2 ones"));

    CHECK_THROWS_WITH(log_loss(p.view(), std::vector<int>(7, 0)), Catch::Contains("7 labels for 8 pixels"));
    CHECK_THROWS_WITH(log_loss(p.view(), std::vector<int>{0, 0, 0, 3, 0, 0, 0, 0}),
                      Catch::Contains("label 3 is 3, expected a class from 0 to 2"));
    CHECK_THROWS_WITH(log_loss(p.view(), std::vector<std::uint8_t>(8, 200)), Catch::Contains("label 0 is 200"));
    CHECK_THROWS_WITH(log_loss(p.view(), y.view(), 0.0), Catch::Contains("eps must be in (0, 0.5), got 0"));
    CHECK_THROWS_WITH(log_loss(p.view(), y.view(), 0.7), Catch::Contains("eps must be"));
    const HostTensor<double, S> empty(0), one(1);
    CHECK_THROWS_WITH(log_loss(empty.view(), empty.view()), Catch::Contains("batch is empty"));
    CHECK_THROWS_WITH(log_loss(p.view(), one.view()), Catch::Contains("probabilities hold 2 images, targets 1"));
}
