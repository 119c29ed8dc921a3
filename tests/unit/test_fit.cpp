// train::fit end to end on a small classification task: learning, determinism, resume
// after an interruption or a stop, micro-batching, freezing, early stopping, plateaus,
// NaN handling, the run directory, checkpoints and predict/evaluate.
#include <latentlab/layers/activations.hpp>
#include <latentlab/layers/conv.hpp>
#include <latentlab/layers/dense.hpp>
#include <latentlab/layers/dropout.hpp>
#include <latentlab/layers/flatten.hpp>
#include <latentlab/layers/pool.hpp>
#include <latentlab/layers/sequential.hpp>
#include <latentlab/layers/tag.hpp>
#include <latentlab/losses/softmax_cross_entropy.hpp>
#include <latentlab/optim/optim.hpp>
#include <latentlab/train/train.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;

namespace {

using Image = Shape<6, 6, 1>;
using Label = Shape<1, 1, 2>;

// Images with a bright 2×2 square in the left (class 0) or right (class 1) half, on noise:
// a pure function of the index.
struct Squares {
    using input_shape = Image;
    using target_shape = Label;
    std::size_t count = 256;
    std::uint64_t seed = 1;

    std::size_t size() const { return count; }
    void fill(std::span<const std::size_t> indices, TensorView<float, Image> x, TensorView<float, Label> y,
              const data::FillContext&) const {
        for (std::size_t k = 0; k < indices.size(); ++k) {
            Rng rng(seed, indices[k]);
            const int label = static_cast<int>(rng.uniform_int(0, 1));
            float* image = x.image(k);
            for (std::size_t i = 0; i < Image::size; ++i) image[i] = static_cast<float>(rng.uniform(0.0, 0.3));
            const int row = static_cast<int>(rng.uniform_int(0, 4));
            const int column = static_cast<int>(rng.uniform_int(0, 1)) + 3 * label;
            for (int r = row; r < row + 2; ++r)
                for (int c = column; c < column + 2; ++c) image[r * 6 + c] = 1.0f;
            y(k, 0, 0, 0) = label == 0 ? 1.0f : 0.0f;
            y(k, 0, 0, 1) = label == 1 ? 1.0f : 0.0f;
        }
    }
};

constexpr ConvOptions relu{.activation = Activation::relu()};
using Classifier = Sequential<Tag<"features", Conv2d<4, 3, relu>>, MaxPool2d<2>, Flatten, Dropout<0.25f>,
                              Tag<"head", Dense<2>>>;
using Net = Network<Classifier, Image>;
using NoDropoutNet = Network<Sequential<Tag<"features", Conv2d<4, 3, relu>>, MaxPool2d<2>, Flatten, Tag<"head", Dense<2>>>, Image>;

const losses::SoftmaxCrossEntropy<2> cross_entropy{};

std::vector<train::Phase> two_phases(std::size_t epochs = 2) {
    return {train::Phase(optim::Nadam{}, {.epochs = epochs, .batch = 32}),
            train::Phase(optim::Sgd({.lr = 0.05, .momentum = 0.9}), {.epochs = epochs, .batch = 32},
                         optim::Schedule::time_decay(0.01))};
}

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& name)
        : path(std::filesystem::temp_directory_path() / ("latentlab_fit_" + name + "_" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

template <class N>
std::vector<float> weights(N& net) {
    return {net.parameters().begin(), net.parameters().end()};
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("fit learns a small task through two phases and writes its run directory", "[train][fit]") {
    const Squares train_set{.count = 512, .seed = 1}, test_set{.count = 128, .seed = 2};
    TempDir dir("run");
    Net net({.seed = 3});
    const auto result = train::fit(net, cross_entropy, train_set, two_phases(3),
                                   {.validation = &test_set, .run_dir = dir.path, .seed = 4,
                                    .progress = train::ProgressMode::quiet, .cpu = Cpu{2}});
    const auto& history = result.history;
    REQUIRE(history.epochs() == 6);
    CHECK(result.reason == train::StopReason::finished);
    CHECK(history.column("phase") == std::vector<double>{1, 1, 1, 2, 2, 2});
    CHECK(history.last("val_accuracy") >= 0.95);
    CHECK(history.last("val_loss") < history.at("val_loss", 0));
    CHECK(history.has("val_iou_1"));
    // Phase 2: SGD lr 0.05 with time decay 0.01 over 16 batches an epoch; the logged lr is
    // the last step's, t = 3·16 − 1 steps into the phase.
    CHECK(history.last("lr") == Approx(0.05 / (1 + 0.01 * 47)).epsilon(1e-12));
    for (const char* file : {"config.json", "metrics.csv", "metrics.json", "loss.svg", "loss.png", "metrics.svg",
                             "metrics.png", "final.ckpt", "best.ckpt"})
        CHECK(std::filesystem::exists(dir.path / file));
    CHECK_FALSE(std::filesystem::exists(dir.path / "last.ckpt"));
    const std::string csv = read_file(dir.path / "metrics.csv");
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 7);
    CHECK(csv.rfind("epoch,phase,lr,loss,accuracy,mean_iou,val_loss,val_accuracy,val_mean_iou", 0) == 0);
    const std::string config = read_file(dir.path / "config.json");
    CHECK_THAT(config, Catch::Contains("\"optimizer\": \"Nadam(") && Catch::Contains("\"monitor\": \"val_loss\"") &&
                           Catch::Contains("SoftmaxCrossEntropy<2>"));

    // best.ckpt holds the best epoch's network: evaluating it gives that epoch's val_loss.
    Net best;
    train::load_checkpoint(best, dir.path / "best.ckpt");
    const auto evaluation = train::evaluate(best, cross_entropy, test_set, {.batch = 50});
    CHECK(evaluation.loss == Approx(result.best_value).epsilon(1e-5));
    CHECK(history.at("val_loss", result.best_epoch - 1) == result.best_value);
    REQUIRE(evaluation.confusion);
    CHECK(evaluation.confusion->total() == 128);
}

TEST_CASE("fit is deterministic for a seed, and micro-batches give the batch's gradient", "[train][fit]") {
    const Squares data{.count = 96};
    const train::FitOptions options{.seed = 7, .progress = train::ProgressMode::quiet, .cpu = Cpu{2}};
    Net a({.seed = 1}), b({.seed = 1});
    train::fit(a, cross_entropy, data, two_phases(1), options);
    train::fit(b, cross_entropy, data, two_phases(1), options);
    CHECK(weights(a) == weights(b));

    NoDropoutNet whole({.seed = 1}), micro({.seed = 1});
    train::fit(whole, cross_entropy, data, two_phases(1), options);
    auto micro_options = options;
    micro_options.micro_batch = 5;  // 32 = 6·5 + 2: uneven pieces
    train::fit(micro, cross_entropy, data, two_phases(1), micro_options);
    CHECK(relative_error(weights(micro).data(), weights(whole).data(), NoDropoutNet::parameter_count) < 1e-4);
    CHECK(weights(micro) != weights(whole));  // a different summation order, not the same run
}

TEST_CASE("A run stopped mid-epoch or between epochs resumes to the same final weights", "[train][fit][checkpoint]") {
    const Squares data{.count = 80};  // 3 batches of 32, 32, 16 an epoch
    const auto phases = two_phases(2);
    Net reference({.seed = 5});
    train::fit(reference, cross_entropy, data, phases, {.seed = 9, .progress = train::ProgressMode::quiet});

    SECTION("interrupted inside an epoch of phase 2") {
        TempDir dir("interrupt");
        Net first({.seed = 5});
        const auto stopped = train::fit(first, cross_entropy, data, phases,
                                        {.run_dir = dir.path, .seed = 9, .progress = train::ProgressMode::quiet,
                                         .on_batch_end = {[](train::BatchEnd& e) { e.stop = e.step == 8; }},
                                         .on_interrupt = train::InterruptAction::save_and_return});
        CHECK(stopped.reason == train::StopReason::interrupted);
        REQUIRE(std::filesystem::exists(dir.path / "interrupted.ckpt"));
        Net resumed({.seed = 123});  // other initial weights: the checkpoint replaces them
        const auto rest = train::fit(resumed, cross_entropy, data, phases,
                                     {.run_dir = dir.path, .seed = 9, .progress = train::ProgressMode::quiet,
                                      .resume_from = dir.path / "interrupted.ckpt"});
        CHECK(weights(resumed) == weights(reference));
        CHECK(rest.history.epochs() == 4);
    }
    SECTION("Ctrl-C (SIGINT) inside an epoch saves interrupted.ckpt, and the run resumes from it") {
        TempDir dir("sigint");
        Net first({.seed = 5});
        const auto stopped = train::fit(first, cross_entropy, data, phases,
                                        {.run_dir = dir.path, .seed = 9, .progress = train::ProgressMode::quiet,
                                         .on_batch_end = {[](train::BatchEnd& e) {
                                             if (e.step == 4) std::raise(SIGINT);
                                         }},
                                         .on_interrupt = train::InterruptAction::save_and_return});
        CHECK(stopped.reason == train::StopReason::interrupted);
        CHECK(stopped.history.epochs() == 1);
        Net resumed({.seed = 5});
        train::fit(resumed, cross_entropy, data, phases,
                   {.seed = 9, .progress = train::ProgressMode::quiet, .resume_from = dir.path / "interrupted.ckpt"});
        CHECK(weights(resumed) == weights(reference));
        // fit gave the previous handler (Catch2's, here) back.
        void (*current)(int) = std::signal(SIGINT, SIG_DFL);
        std::signal(SIGINT, current);
        CHECK(current != &train::fit_detail::on_sigint);
    }
    SECTION("stopped by a callback after an epoch, resumed from last.ckpt") {
        TempDir dir("stop");
        Net first({.seed = 5});
        const auto stopped = train::fit(first, cross_entropy, data, phases,
                                        {.run_dir = dir.path, .seed = 9, .progress = train::ProgressMode::quiet,
                                         .on_epoch_end = {[](train::EpochEnd& e) { e.stop = e.epoch == 3; }}});
        CHECK(stopped.reason == train::StopReason::callback);
        CHECK(stopped.history.epochs() == 3);
        Net resumed({.seed = 5});
        train::fit(resumed, cross_entropy, data, phases,
                   {.seed = 9, .progress = train::ProgressMode::quiet, .resume_from = dir.path / "final.ckpt"});
        CHECK(weights(resumed) == weights(reference));
    }
    SECTION("a checkpoint of another run configuration is refused") {
        TempDir dir("refuse");
        Net first({.seed = 5});
        train::fit(first, cross_entropy, data, phases,
                   {.run_dir = dir.path, .seed = 9, .progress = train::ProgressMode::quiet,
                    .on_epoch_end = {[](train::EpochEnd& e) { e.stop = true; }}});
        Net other({.seed = 5});
        CHECK_THROWS_WITH(train::fit(other, cross_entropy, data, phases,
                                     {.seed = 10, .progress = train::ProgressMode::quiet,
                                      .resume_from = dir.path / "final.ckpt"}),
                          Catch::Contains("seed 9"));
        const std::vector<train::Phase> one_phase{train::Phase(optim::Adam{}, {.epochs = 1, .batch = 32})};
        CHECK_THROWS_WITH(train::fit(other, cross_entropy, data, one_phase,
                                     {.seed = 9, .progress = train::ProgressMode::quiet,
                                      .resume_from = dir.path / "final.ckpt"}),
                          Catch::Contains("2 phases"));
    }
}

TEST_CASE("Frozen parameters stay, early stopping and reduce-on-plateau react to the monitor", "[train][fit]") {
    const Squares data{.count = 64};
    SECTION("a frozen prefix is not updated") {
        Net net({.seed = 2});
        const auto before = weights(net);
        train::fit(net, cross_entropy, data,
                   {train::Phase(optim::Adam({.lr = 0.01}), {.epochs = 1, .batch = 16}, optim::Schedule::constant(),
                                 {{.prefix = "features", .frozen = true}})},
                   {.progress = train::ProgressMode::quiet});
        const auto after = weights(net);
        const auto& head = net.parameter_infos()[2];
        REQUIRE(head.name == "head.weight");
        CHECK(std::equal(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(head.offset), after.begin()));
        CHECK_FALSE(std::equal(before.begin() + static_cast<std::ptrdiff_t>(head.offset), before.end(),
                               after.begin() + static_cast<std::ptrdiff_t>(head.offset)));
    }
    SECTION("with lr 0 nothing improves: early stopping after `patience` epochs") {
        Net net({.seed = 2});
        const auto result = train::fit(net, cross_entropy, data,
                                       {train::Phase(optim::Sgd({.lr = 0.0}), {.epochs = 10, .batch = 16})},
                                       {.validation = &data, .progress = train::ProgressMode::quiet,
                                        .early_stopping = train::EarlyStopping{.patience = 2}});
        CHECK(result.reason == train::StopReason::early_stopping);
        CHECK(result.history.epochs() == 3);
        CHECK(result.best_epoch == 1);
    }
    SECTION("reduce-on-plateau lowers the learning rate when the monitor stalls") {
        Net net({.seed = 2});
        // SGD with lr 1e-12 changes nothing measurable: the validation loss is flat.
        const auto result = train::fit(
            net, cross_entropy, data,
            {train::Phase(optim::Sgd({.lr = 1e-12}), {.epochs = 6, .batch = 16},
                          optim::Schedule::reduce_on_plateau({.factor = 0.5, .patience = 1, .threshold = 1e-3}))},
            {.validation = &data, .progress = train::ProgressMode::quiet});
        const auto lr = result.history.column("lr");
        CHECK(lr.front() == 1e-12);
        CHECK(lr.back() < lr.front());
    }
}

namespace {
// A loss that turns NaN at a given call, to check that fit stops there.
struct NanAfter {
    int call_that_fails;
    mutable int calls = 0;
    template <class Q, ShapeType S>
    double value_and_gradient(const Cpu& cpu, TensorView<Q, S> p, ConstView<float, S> y, TensorView<float, S> dp) const {
        const double value = cross_entropy.value_and_gradient(cpu, p, y, dp);
        return ++calls == call_that_fails ? std::nan("") : value;
    }
};
}  // namespace

TEST_CASE("A NaN loss stops fit with the step named, and the last epoch's checkpoint stays", "[train][fit]") {
    const Squares data{.count = 64};
    TempDir dir("nan");
    Net net({.seed = 2});
    const NanAfter loss{.call_that_fails = 7};  // 4 batches an epoch: step 3 of epoch 2
    CHECK_THROWS_WITH(train::fit(net, loss, data, {train::Phase(optim::Adam{}, {.epochs = 3, .batch = 16})},
                                 {.run_dir = dir.path, .progress = train::ProgressMode::quiet}),
                      Catch::Contains("loss became nan at step 7 (phase 1, epoch 2, batch 3)") &&
                          Catch::Contains("last.ckpt"));
    CHECK(std::filesystem::exists(dir.path / "last.ckpt"));
    Net restored;
    train::load_checkpoint(restored, dir.path / "last.ckpt");
}

TEST_CASE("Checkpoints refuse another network, truncation and corruption, and change nothing then",
          "[train][checkpoint]") {
    TempDir dir("checkpoint");
    std::filesystem::create_directories(dir.path);
    Net net({.seed = 1});
    const auto file = dir.path / "net.ckpt";
    train::save_checkpoint(net, file);
    Net copy({.seed = 2});
    train::load_checkpoint(copy, file);
    CHECK(weights(copy) == weights(net));

    Net untouched({.seed = 3});
    const auto original = weights(untouched);
    NoDropoutNet other;
    CHECK_THROWS_WITH(train::load_checkpoint(other, file), Catch::Contains("another network"));

    const std::string bytes = read_file(file);
    const auto write = [&](const std::string& name, const std::string& content) {
        std::ofstream(dir.path / name, std::ios::binary) << content;
        return dir.path / name;
    };
    CHECK_THROWS_WITH(train::load_checkpoint(untouched, write("short.ckpt", bytes.substr(0, bytes.size() - 10))),
                      Catch::Contains("truncated"));
    std::string flipped = bytes;
    flipped[bytes.size() / 2] ^= 0x10;
    CHECK_THROWS_WITH(train::load_checkpoint(untouched, write("flipped.ckpt", flipped)), Catch::Contains("CRC"));
    CHECK_THROWS_WITH(train::load_checkpoint(untouched, write("text.ckpt", "hello")), Catch::Contains("bad magic"));
    CHECK_THROWS_WITH(train::load_checkpoint(untouched, dir.path / "missing.ckpt"), Catch::Contains("cannot open"));
    CHECK(weights(untouched) == original);
}

TEST_CASE("predict gives probabilities or classes in eval mode, in batches", "[train][predict]") {
    const Squares data{.count = 70};
    Net net({.seed = 4});
    const auto probabilities = train::predict(net, data, {.batch = 16});
    REQUIRE(probabilities.batch() == 70);
    HostTensor<float, Image> x(70);
    HostTensor<float, Label> y(70);
    std::vector<std::size_t> all(70);
    for (std::size_t i = 0; i < 70; ++i) all[i] = i;
    data.fill(all, x.view(), y.view(), {});
    const auto classes = train::predict_classes(net, x.view(), {.batch = 32});
    const auto raw = train::predict(net, x.view(), {.batch = 70, .output = train::PredictOutput::raw});
    for (std::size_t n = 0; n < 70; ++n) {
        const float p0 = probabilities(n, 0, 0, 0), p1 = probabilities(n, 0, 0, 1);
        CHECK(p0 + p1 == Approx(1.0f).epsilon(1e-6));
        CHECK(classes(n, 0, 0) == (raw(n, 0, 0, 1) > raw(n, 0, 0, 0) ? 1 : 0));
        CHECK(p1 / p0 == Approx(std::exp(raw(n, 0, 0, 1) - raw(n, 0, 0, 0))).epsilon(1e-4));
    }
}

TEST_CASE("Progress draws a bar on terminals, plain epoch lines elsewhere, nothing when quiet", "[train][progress]") {
    std::ostringstream bar_out, lines_out, quiet_out;
    train::Progress bar(train::ProgressMode::bar, bar_out), lines(train::ProgressMode::lines, lines_out),
        quiet(train::ProgressMode::quiet, quiet_out);
    for (auto* p : {&bar, &lines, &quiet}) {
        p->begin_epoch("epoch 1/2", 4);
        p->batch(4, 0.5, 0.75, 1000, 0);  // the last batch is always drawn
        p->end_epoch("loss 0.5000");
    }
    CHECK_THAT(bar_out.str(), Catch::Contains("epoch 1/2 [========================] 4/4 loss 0.5000 accuracy 0.7500 "
                                              "1000 img/s ETA 0:00") &&
                                  Catch::EndsWith("\r\033[Kepoch 1/2  loss 0.5000\n"));
    CHECK(lines_out.str() == "epoch 1/2  loss 0.5000\n");
    CHECK(quiet_out.str().empty());
    CHECK(train::Progress::clock_text(3725) == "1:02:05");
    CHECK(train::Progress::clock_text(-1) == "--:--");
    CHECK(train::Progress(train::ProgressMode::automatic, lines_out).mode() == train::ProgressMode::lines);
}
