// Optimizers and learning-rate schedules against PyTorch 1.13 (tools/make_optim_golden.py,
// float64): 20 steps of every optimizer over 50 parameters, with all parameters trained and
// with segments (a scaled slice, a frozen slice); the schedulers' lr per epoch. Then the parts
// PyTorch has no counterpart for: group rules on a real network's names, checkpointing through
// for_each_state, and the checks of options and arguments.
#include <latentlab/data/npy.hpp>
#include <latentlab/models/models.hpp>
#include <latentlab/optim/optim.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "support.hpp"

using namespace latentlab;
using namespace latentlab::testing;
using Catch::Contains;

namespace {

std::filesystem::path optim_golden(const std::string& name) {
    return std::filesystem::path(LATENTLAB_TEST_DATA_DIR) / "optim" / (name + ".npy");
}

template <class T>
std::vector<T> load_vector(const std::string& name) {
    const auto array = load_npy<T>(optim_golden(name));
    return {array.begin(), array.end()};
}

// θ₀ and the 20 gradients of the golden runs.
template <class T>
struct GoldenRun {
    std::vector<T> start = load_vector<T>("start");
    std::vector<T> gradients = load_vector<T>("gradients");
    std::size_t count() const { return start.size(); }
    std::span<const T> gradient(std::size_t step) const {
        return std::span<const T>(gradients).subspan(step * count(), count());
    }
};

template <class T>
double golden_tolerance() {
    return sizeof(T) == 8 ? 1e-12 : 1e-6;
}

// The segments of the golden "_segments" cases: θ[0:20] with lr·0.1 and weight decay·0.5,
// θ[20:30] frozen, θ[30:50] as the options say.
const std::vector<optim::Segment> golden_segments{{0, 20, 0.1, 0.5}, {30, 50, 1.0, 1.0}};

// Every piece of an optimizer's (or schedule's) state, copied out by name.
template <class O>
std::map<std::string, std::vector<double>> state_of(O& o) {
    std::map<std::string, std::vector<double>> state;
    o.for_each_state([&](std::string_view name, std::span<double> values) {
        state[std::string(name)] = std::vector<double>(values.begin(), values.end());
    });
    return state;
}

template <class T, optim::Optimizer O>
void check_against_pytorch(const std::string& name, const O& prototype) {
    INFO("case " << name << ", " << (sizeof(T) == 4 ? "float" : "double") << ", " << prototype.describe());
    const GoldenRun<T> run;
    REQUIRE(run.gradients.size() == 20 * run.count());
    {
        O o = prototype;
        std::vector<T> theta = run.start;
        for (std::size_t step = 0; step < 20; ++step) o.step(std::span<T>(theta), run.gradient(step));
        CHECK(o.steps_taken() == 20);
        const auto expected = load_vector<double>(name);
        REQUIRE(expected.size() == theta.size());
        CHECK(relative_error(theta.data(), expected.data(), theta.size()) <= golden_tolerance<T>());
    }
    {
        O o = prototype;
        std::vector<T> theta = run.start;
        for (std::size_t step = 0; step < 20; ++step)
            o.step(std::span<T>(theta), run.gradient(step), o.learning_rate(), golden_segments);
        const auto expected = load_vector<double>(name + "_segments");
        REQUIRE(expected.size() == theta.size());
        CHECK(relative_error(theta.data(), expected.data(), theta.size()) <= golden_tolerance<T>());
        for (std::size_t i = 20; i < 30; ++i) CHECK(theta[i] == run.start[i]);  // frozen: bitwise unchanged
    }
}

// Each optimizer with every state slot in use (momentum buffers, AMSGrad's max, RMSprop's mean).
struct WithEverySlot {
    optim::Sgd sgd{{.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01}};
    optim::Adam adam{{.lr = 0.01, .weight_decay = 0.01, .amsgrad = true}};
    optim::Nadam nadam{{.weight_decay = 0.01}};
    optim::Rmsprop rmsprop{{.lr = 0.01, .momentum = 0.9, .centered = true}};

    template <class F>
    void for_each(F&& f) const {
        f(sgd);
        f(adam);
        f(nadam);
        f(rmsprop);
    }
};

// Steps `from` to `to` of the golden gradients, with a decaying scheduled lr and segments.
template <optim::Optimizer O>
void run_steps(O& o, std::vector<double>& theta, const GoldenRun<double>& run, std::size_t from, std::size_t to,
               std::span<const optim::Segment> segments) {
    for (std::size_t step = from; step < to; ++step)
        o.step(std::span<double>(theta), run.gradient(step), o.learning_rate() * std::pow(0.9, step), segments);
}

// f's latentlab::Error message; a failed check when f throws none.
template <class F>
std::string error_message(F&& f) {
    try {
        f();
    } catch (const Error& error) {
        return error.what();
    }
    FAIL_CHECK("no latentlab::Error was thrown");
    return {};
}

}  // namespace

TEMPLATE_TEST_CASE("SGD matches PyTorch: plain, momentum with weight decay, dampening, Nesterov", "[optim][golden]",
                   float, double) {
    check_against_pytorch<TestType>("sgd", optim::Sgd({.lr = 0.1}));
    check_against_pytorch<TestType>("sgd_momentum_decay",
                                    optim::Sgd({.lr = 0.05, .momentum = 0.9, .weight_decay = 0.05}));
    check_against_pytorch<TestType>("sgd_dampening", optim::Sgd({.lr = 0.05, .momentum = 0.9, .dampening = 0.3}));
    check_against_pytorch<TestType>("sgd_nesterov",
                                    optim::Sgd({.lr = 0.05, .momentum = 0.9, .nesterov = true, .weight_decay = 0.01}));
}

TEMPLATE_TEST_CASE("Adam matches PyTorch: plain, L2 weight decay, AdamW, AMSGrad", "[optim][golden]", float, double) {
    check_against_pytorch<TestType>("adam", optim::Adam({.lr = 0.01}));
    check_against_pytorch<TestType>("adam_decay", optim::Adam({.lr = 0.01, .weight_decay = 0.1}));
    check_against_pytorch<TestType>("adamw", optim::Adam({.lr = 0.01, .weight_decay = 0.1, .decoupled = true}));
    check_against_pytorch<TestType>("adam_amsgrad",
                                    optim::Adam({.lr = 0.01, .beta1 = 0.8, .beta2 = 0.95, .amsgrad = true}));
}

TEMPLATE_TEST_CASE("RMSprop matches PyTorch: plain, and centered with momentum and weight decay", "[optim][golden]",
                   float, double) {
    check_against_pytorch<TestType>("rmsprop", optim::Rmsprop({.lr = 0.01}));
    check_against_pytorch<TestType>(
        "rmsprop_momentum_centered",
        optim::Rmsprop({.lr = 0.01, .alpha = 0.9, .weight_decay = 0.01, .momentum = 0.9, .centered = true}));
}

TEST_CASE("Nadam's weight decay is L2 added to the gradient", "[optim]") {
    // PyTorch 1.13's NAdam cannot serve as reference (see nadam.hpp), so: with decay λ on θ,
    // Nadam must move θ exactly as a decay-free Nadam fed the gradient g + λθ.
    const GoldenRun<double> run;
    optim::Nadam decayed({.weight_decay = 0.05}), plain;
    std::vector<double> a = run.start, b = run.start, folded(run.count());
    for (std::size_t step = 0; step < 20; ++step) {
        for (std::size_t i = 0; i < run.count(); ++i) folded[i] = run.gradient(step)[i] + 0.05 * b[i];
        decayed.step(std::span<double>(a), run.gradient(step));
        plain.step(std::span<double>(b), std::span<const double>(folded));
    }
    CHECK(relative_error(a.data(), b.data(), a.size()) <= 1e-14);
    CHECK(relative_error(a.data(), run.start.data(), a.size()) > 1e-3);
}

TEST_CASE("A frozen segment keeps its parameters and its optimizer state", "[optim][segments]") {
    const GoldenRun<double> run;
    WithEverySlot{}.for_each([&](auto prototype) {
        INFO(prototype.describe());
        std::vector<double> theta = run.start;
        run_steps(prototype, theta, run, 0, 5, optim::all_parameters(run.count()));
        const auto before = state_of(prototype);
        const std::vector<double> theta_before = theta;
        run_steps(prototype, theta, run, 5, 10, golden_segments);
        const auto after = state_of(prototype);
        CHECK(after.at("step")[0] == 10);
        for (const auto& [name, values] : after) {
            if (values.size() != run.count()) continue;  // the scalars
            INFO("state " << name);
            for (std::size_t i = 20; i < 30; ++i) CHECK(values[i] == before.at(name)[i]);
            CHECK(values[0] != before.at(name)[0]);  // the trained slices' state moves on
            CHECK(values[40] != before.at(name)[40]);
        }
        for (std::size_t i = 20; i < 30; ++i) CHECK(theta[i] == theta_before[i]);
    });
}

TEST_CASE("Segments scale the learning rate: one SGD step moves each slice by lr*scale*g", "[optim][segments]") {
    const GoldenRun<double> run;
    std::vector<double> theta = run.start;
    optim::Sgd sgd({.lr = 0.5});
    const std::vector<optim::Segment> segments{{0, 10, 0.25, 1.0}, {10, 20, 1.0, 1.0}, {40, 50, 2.0, 1.0}};
    sgd.step(std::span<double>(theta), run.gradient(0), 0.1, segments);  // the scheduled lr, not the options'
    for (std::size_t i = 0; i < run.count(); ++i) {
        const double scale = i < 10 ? 0.25 : i < 20 ? 1.0 : i < 40 ? 0.0 : 2.0;
        CHECK(theta[i] == run.start[i] - 0.1 * scale * run.gradient(0)[i]);
    }
}

TEST_CASE("make_segments on NN2's parameters: a frozen encoder, a smaller lr for d1", "[optim][segments]") {
    const Network<models::NN2, Shape<64, 64, 3>> net;
    const auto& infos = net.parameter_infos();
    const auto offset = [&](const std::string& name) {
        for (const auto& info : infos)
            if (info.name == name) return info.offset;
        FAIL("no parameter " << name);
        return std::size_t{0};
    };
    const std::size_t total = net.parameters().size();

    const auto segments =
        optim::make_segments(infos, {{.prefix = "e", .frozen = true}, {.prefix = "d1", .lr_scale = 0.1}});
    // e1..e4 come first; bottleneck .. u1 train at scale 1 and merge into one segment.
    REQUIRE(segments.size() == 3);
    CHECK(offset("e1.weight") == 0);
    CHECK(segments[0].begin == offset("bottleneck.weight"));
    CHECK(segments[0].end == offset("d1.0.weight"));
    CHECK(segments[0].lr_scale == 1.0);
    CHECK(segments[1].begin == offset("d1.0.weight"));
    CHECK(segments[1].end == offset("classifier.weight"));
    CHECK(segments[1].lr_scale == 0.1);
    CHECK(segments[2].begin == offset("classifier.weight"));
    CHECK(segments[2].end == total);
    CHECK(segments[2].lr_scale == 1.0);

    // No rules: everything, one segment. The last matching rule wins: e1 trains again.
    const auto everything = optim::make_segments(infos, {});
    REQUIRE(everything.size() == 1);
    CHECK((everything[0].begin == 0 && everything[0].end == total && everything[0].lr_scale == 1.0));
    const auto last_wins = optim::make_segments(infos, {{.prefix = "", .lr_scale = 0.5, .decay_scale = 0.0},
                                                        {.prefix = "e", .frozen = true},
                                                        {.prefix = "e1", .lr_scale = 2.0}});
    REQUIRE(last_wins.size() == 2);
    CHECK((last_wins[0].begin == 0 && last_wins[0].end == offset("e2.weight") && last_wins[0].lr_scale == 2.0 &&
           last_wins[0].decay_scale == 1.0));
    CHECK((last_wins[1].begin == offset("bottleneck.weight") && last_wins[1].end == total &&
           last_wins[1].lr_scale == 0.5 && last_wins[1].decay_scale == 0.0));

    // A typo would silently train what it meant to freeze: it is an Error listing the names.
    const auto message = error_message([&] { optim::make_segments(infos, {{.prefix = "encoder", .frozen = true}}); });
    CHECK_THAT(message, Contains("\"encoder\"") && Contains("e1, e2, e3, e4, bottleneck") && Contains("classifier"));
    CHECK_THAT(error_message([&] { optim::make_segments(infos, {{.prefix = "d1", .lr_scale = -0.1}}); }),
               Contains("\"d1\"") && Contains("lr_scale") && Contains("-0.1"));
}

TEST_CASE("make_segments skips non-trainable buffers, in the state array", "[optim][segments]") {
    // A BatchNorm running mean's offset is into the state array, not the parameters.
    const auto info = [](std::string name, std::vector<std::size_t> shape, std::size_t offset, bool trainable) {
        ParameterInfo i;
        i.name = std::move(name);
        i.shape = std::move(shape);
        i.offset = offset;
        i.trainable = trainable;
        return i;
    };
    const std::vector<ParameterInfo> infos{info("0.weight", {2, 2}, 0, true), info("1.running_mean", {3}, 0, false),
                                           info("1.gamma", {3}, 4, true)};
    const auto segments = optim::make_segments(infos, {});
    REQUIRE(segments.size() == 1);
    CHECK((segments[0].begin == 0 && segments[0].end == 7));
    CHECK_THAT(error_message([&] { optim::make_segments(infos, {{.prefix = "1.running", .frozen = true}}); }),
               Contains("\"1.running\"") && Contains("matches no trainable parameter"));
}

TEST_CASE("A network trained with group rules: the frozen encoder does not move", "[optim][segments]") {
    using In = Shape<64, 64, 3>;
    Network<models::NN2, In> net({.seed = 3});
    net.plan(1);
    const auto x = random_tensor<float, In>(1, 4);
    const auto dy = random_tensor<float, Network<models::NN2, In>::output_shape>(1, 5);
    net.forward(x.view(), Mode::train);
    net.zero_grad();
    net.backward(dy.view());
    const std::vector<float> before(net.parameters().begin(), net.parameters().end());
    const std::vector<float> g(net.gradients().begin(), net.gradients().end());
    const auto segments = optim::make_segments(net.parameter_infos(),
                                               {{.prefix = "e", .frozen = true}, {.prefix = "d1", .lr_scale = 0.1}});
    optim::Sgd sgd({.lr = 0.01});
    sgd.step(net.parameters(), net.gradients(), sgd.learning_rate(), segments);
    for (const auto& info : net.parameter_infos()) {
        const double scale = info.name.starts_with("e") ? 0.0 : info.name.starts_with("d1") ? 0.1 : 1.0;
        std::size_t count = 1;
        for (const auto extent : info.shape) count *= extent;
        std::size_t wrong = 0;
        for (std::size_t i = info.offset; i < info.offset + count; ++i)
            wrong += net.parameters()[i] != static_cast<float>(before[i] - 0.01 * scale * g[i]);
        INFO(info.name);
        CHECK(wrong == 0);
    }
}

TEST_CASE("Checkpoints: state copied through for_each_state resumes bitwise", "[optim][checkpoint]") {
    const GoldenRun<double> run;
    WithEverySlot{}.for_each([&](const auto& prototype) {
        INFO(prototype.describe());
        auto original = prototype, resumed = prototype, unrestored = prototype;
        std::vector<double> theta = run.start;
        run_steps(original, theta, run, 0, 10, golden_segments);
        const auto saved = state_of(original);
        CHECK(saved.at("step") == std::vector<double>{10});

        resumed.initialize(run.count());
        std::size_t restored = 0;
        resumed.for_each_state([&](std::string_view name, std::span<double> values) {
            const auto& copy = saved.at(std::string(name));
            REQUIRE(copy.size() == values.size());
            std::copy(copy.begin(), copy.end(), values.begin());
            ++restored;
        });
        CHECK(restored == saved.size());
        CHECK(resumed.steps_taken() == 10);

        std::vector<double> theta_resumed = theta, theta_unrestored = theta;
        run_steps(original, theta, run, 10, 20, golden_segments);
        run_steps(resumed, theta_resumed, run, 10, 20, golden_segments);
        run_steps(unrestored, theta_unrestored, run, 10, 20, golden_segments);
        CHECK(std::memcmp(theta.data(), theta_resumed.data(), theta.size() * sizeof(double)) == 0);
        CHECK(state_of(original) == state_of(resumed));
        CHECK(theta_unrestored != theta);  // the state matters: without it the run differs
    });
}

TEST_CASE("Optimizer state names and sizes follow the options", "[optim]") {
    const auto names = [](auto o) {
        o.initialize(7);
        std::vector<std::string> list;
        o.for_each_state([&](std::string_view name, std::span<double> values) {
            list.push_back(std::string(name) + ":" + std::to_string(values.size()));
        });
        return list;
    };
    using V = std::vector<std::string>;
    CHECK(names(optim::Sgd{}) == V{"step:1"});
    CHECK(names(optim::Sgd({.momentum = 0.9})) == V{"step:1", "momentum_buffer:7"});
    CHECK(names(optim::Adam{}) == V{"step:1", "exp_avg:7", "exp_avg_sq:7"});
    CHECK(names(optim::Adam({.amsgrad = true})) == V{"step:1", "exp_avg:7", "exp_avg_sq:7", "max_exp_avg_sq:7"});
    CHECK(names(optim::Nadam{}) == V{"step:1", "exp_avg:7", "exp_avg_sq:7", "mu_product:1"});
    CHECK(names(optim::Rmsprop({.momentum = 0.5, .centered = true})) ==
          V{"step:1", "square_avg:7", "grad_avg:7", "momentum_buffer:7"});
    CHECK(optim::Sgd({.lr = 0.02}).describe() ==
          "SGD(lr=0.02, momentum=0, nesterov=false, weight_decay=0, dampening=0)");
    CHECK(optim::Adam::name == "Adam");
    CHECK(optim::Rmsprop::name == "RMSprop");
}

TEST_CASE("Epoch schedules match PyTorch's ExponentialLR, StepLR and CosineAnnealingLR", "[optim][schedule][golden]") {
    const double lr = 0.1;  // the script's base lr
    const auto check = [&](const optim::Schedule& schedule, const std::string& file, optim::Unit per) {
        INFO(schedule.describe());
        const auto expected = load_vector<double>(file);
        REQUIRE(expected.size() == 30);
        CHECK_FALSE(schedule.reacts_to_metric());
        for (std::size_t t = 0; t < expected.size(); ++t) {
            INFO("t = " << t);
            // The other counter must not matter.
            const optim::ScheduleContext context = per == optim::Unit::epoch ? optim::ScheduleContext{1000, t}
                                                                             : optim::ScheduleContext{t, 1000};
            CHECK(lr * schedule.factor(context) == Approx(expected[t]).epsilon(1e-12));
        }
    };
    using optim::Schedule, optim::Unit;
    check(Schedule::exponential(0.9), "schedule_exponential", Unit::epoch);
    check(Schedule::exponential(0.9, Unit::iteration), "schedule_exponential", Unit::iteration);
    check(Schedule::step(7, 0.5), "schedule_step", Unit::epoch);
    check(Schedule::step(7, 0.5, Unit::iteration), "schedule_step", Unit::iteration);
    check(Schedule::cosine(10, 0.1), "schedule_cosine", Unit::epoch);  // eta_min = 0.01 = 0.1·lr
    CHECK(Schedule::constant().factor({123, 45}) == 1.0);
    CHECK(Schedule::cosine(10, 0.1).describe() == "cosine(period=10, min_factor=0.1, per=epoch)");
}

TEST_CASE("Time decay is Keras' lr/(1 + decay*iterations) over the phase's iterations", "[optim][schedule][golden]") {
    const auto expected = load_vector<double>("schedule_time_decay");
    REQUIRE(expected.size() == 50);
    const auto schedule = optim::Schedule::time_decay(0.02 / 50);  // E1's phase 2
    for (std::size_t k = 0; k < expected.size(); ++k)
        CHECK(0.02 * schedule.factor({.iteration = 100 * k, .epoch = 7}) == Approx(expected[k]).epsilon(1e-15));
}

TEST_CASE("Reduce-on-plateau matches PyTorch's ReduceLROnPlateau", "[optim][schedule][golden]") {
    const auto metrics = load_vector<double>("plateau_metrics");
    const auto check = [&](optim::Schedule schedule, const std::string& file, bool negate) {
        INFO(schedule.describe());
        const auto expected = load_vector<double>(file);
        REQUIRE(expected.size() == metrics.size() + 1);
        CHECK(schedule.reacts_to_metric());
        CHECK(0.1 * schedule.factor({}) == expected[0]);
        for (std::size_t e = 0; e < metrics.size(); ++e) {
            schedule.observe_epoch(negate ? 1 - metrics[e] : metrics[e]);
            INFO("after epoch " << e);
            CHECK(0.1 * schedule.factor({.iteration = 5, .epoch = e + 1}) == Approx(expected[e + 1]).epsilon(1e-12));
        }
    };
    check(optim::Schedule::reduce_on_plateau({.factor = 0.5, .patience = 2, .threshold = 1e-4, .cooldown = 1}),
          "schedule_plateau_min", false);
    check(optim::Schedule::reduce_on_plateau({.mode = optim::PlateauMode::max,
                                              .factor = 0.3,
                                              .patience = 1,
                                              .threshold = 0.05,
                                              .threshold_mode = optim::ThresholdMode::absolute,
                                              .min_factor = 0.2}),
          "schedule_plateau_max_abs", true);
}

TEST_CASE("Reduce-on-plateau state round trip through for_each_state", "[optim][schedule][checkpoint]") {
    const auto metrics = load_vector<double>("plateau_metrics");
    const optim::PlateauOptions options{.factor = 0.5, .patience = 2, .cooldown = 1};
    auto original = optim::Schedule::reduce_on_plateau(options);
    for (std::size_t e = 0; e < 14; ++e) original.observe_epoch(metrics[e]);  // just reduced: a cooldown is running
    const auto saved = state_of(original);
    CHECK(saved.size() == 4);
    CHECK(saved.at("factor") == std::vector<double>{0.25});
    CHECK(saved.at("cooldown_counter") == std::vector<double>{1});

    auto resumed = optim::Schedule::reduce_on_plateau(options), unrestored = resumed;
    resumed.for_each_state([&](std::string_view name, std::span<double> values) {
        std::copy(saved.at(std::string(name)).begin(), saved.at(std::string(name)).end(), values.begin());
    });
    bool unrestored_differs = false;
    for (std::size_t e = 14; e < metrics.size(); ++e) {
        original.observe_epoch(metrics[e]);
        resumed.observe_epoch(metrics[e]);
        unrestored.observe_epoch(metrics[e]);
        CHECK(resumed.factor({}) == original.factor({}));
        unrestored_differs |= unrestored.factor({}) != original.factor({});
    }
    CHECK(state_of(resumed) == state_of(original));
    CHECK(unrestored_differs);

    // Only the plateau schedule has state or reacts to the metric.
    auto exponential = optim::Schedule::exponential(0.5);
    exponential.observe_epoch(1.0);
    CHECK(state_of(exponential).empty());
    CHECK(exponential.factor({.epoch = 1}) == 0.5);
    CHECK_THAT(error_message([&] { original.observe_epoch(std::numeric_limits<double>::quiet_NaN()); }),
               Contains("NaN"));
}

TEST_CASE("Bad optimizer and schedule options are Errors that name the option", "[optim][errors]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto check = [](auto make, std::string_view owner, std::string_view option, std::string_view found) {
        const std::string message = error_message(make);
        INFO(message);
        CHECK_THAT(message, Contains(std::string(owner)) && Contains(std::string(option)) &&
                                Contains("found " + std::string(found)));
    };
    using optim::Schedule;
    check([] { optim::Sgd({.lr = -0.1}); }, "SGD", "lr", "-0.1");
    check([] { optim::Sgd({.momentum = -0.5}); }, "SGD", "momentum", "-0.5");
    check([] { optim::Sgd({.weight_decay = -1}); }, "SGD", "weight_decay", "-1");
    check([] { optim::Sgd({.nesterov = true}); }, "SGD", "nesterov", "momentum 0");
    check([] { optim::Sgd({.momentum = 0.9, .nesterov = true, .dampening = 0.1}); }, "SGD", "dampening",
          "momentum 0.9");
    check([] { optim::Adam({.beta1 = 1.0}); }, "Adam", "beta1 must be in [0, 1)", "1");
    check([&] { optim::Adam({.beta2 = nan}); }, "Adam", "beta2", "nan");
    check([] { optim::Adam({.epsilon = -1e-8}); }, "Adam", "epsilon", "-1e-08");
    check([] { optim::Nadam({.momentum_decay = -0.004}); }, "Nadam", "momentum_decay", "-0.004");
    check([] { optim::Rmsprop({.alpha = 1.5}); }, "RMSprop", "alpha must be in [0, 1]", "1.5");
    check([] { optim::Rmsprop({.momentum = -0.9}); }, "RMSprop", "momentum", "-0.9");
    check([] { Schedule::time_decay(-0.01); }, "time_decay", "decay", "-0.01");
    check([] { Schedule::exponential(0); }, "exponential", "gamma must be finite and > 0", "0");
    check([] { Schedule::step(0, 0.5); }, "step", "every", "0");
    check([] { Schedule::step(7, -0.5); }, "step", "gamma", "-0.5");
    check([] { Schedule::cosine(0); }, "cosine", "period", "0");
    check([] { Schedule::cosine(10, 1.5); }, "cosine", "min_factor", "1.5");
    check([] { Schedule::reduce_on_plateau({.factor = 1.0}); }, "reduce_on_plateau", "factor must be in (0, 1)", "1");
    check([] { Schedule::reduce_on_plateau({.factor = 0.0}); }, "reduce_on_plateau", "factor", "0");
    check([] { Schedule::reduce_on_plateau({.threshold = -1e-4}); }, "reduce_on_plateau", "threshold", "-0.0001");
}

TEST_CASE("Bad step arguments are Errors and leave the optimizer as it was", "[optim][errors]") {
    std::vector<float> theta(10, 1.0f), g(10, 0.5f), short_g(9, 0.5f);
    const std::span<float> p(theta);
    optim::Adam adam;
    adam.step(p, std::span<const float>(g));
    const auto state = state_of(adam);
    const std::vector<float> theta_before = theta;
    const auto reject = [&](auto call, std::string_view expected) {
        CHECK_THAT(error_message(call), Contains("Adam") && Contains(std::string(expected)));
        CHECK(state_of(adam) == state);
        CHECK(theta == theta_before);
    };
    reject([&] { adam.step(p, std::span<const float>(short_g)); }, "10 parameters but 9 gradients");
    const std::vector<optim::Segment> outside{{0, 4}, {4, 11}}, overlapping{{0, 5}, {4, 8}}, reversed{{5, 3}};
    reject([&] { adam.step(p, std::span<const float>(g), 0.001, outside); },
           "segment 1 is [4, 11) but the parameters are [0, 10)");
    reject([&] { adam.step(p, std::span<const float>(g), 0.001, overlapping); }, "segment 1 starts at 4, inside");
    reject([&] { adam.step(p, std::span<const float>(g), 0.001, reversed); }, "segment 0 is [5, 3)");
    reject([&] { adam.step(p, std::span<const float>(g), -0.001, optim::all_parameters(10)); }, "learning rate");
    const std::vector<optim::Segment> negative_scale{{0, 10, -1.0, 1.0}};
    reject([&] { adam.step(p, std::span<const float>(g), 0.001, negative_scale); }, "lr_scale");
    CHECK(adam.steps_taken() == 1);
}

TEST_CASE("A step on a different parameter count starts the optimizer afresh", "[optim]") {
    const GoldenRun<double> run;
    WithEverySlot{}.for_each([&](const auto& prototype) {
        INFO(prototype.describe());
        auto used = prototype, fresh = prototype;
        std::vector<double> theta = run.start;
        run_steps(used, theta, run, 0, 5, optim::all_parameters(run.count()));
        std::vector<double> a(run.start.begin(), run.start.begin() + 20), b = a;
        used.step(std::span<double>(a), run.gradient(5).first(20));
        fresh.step(std::span<double>(b), run.gradient(5).first(20));
        CHECK(used.steps_taken() == 1);
        CHECK(a == b);
        CHECK(state_of(used) == state_of(fresh));
    });
}
