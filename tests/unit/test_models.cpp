#include <latentlab/models/models.hpp>

#include "golden.hpp"

using namespace latentlab;
using namespace latentlab::testing;

template <class Spec>
using E1Net = Network<Spec, Shape<64, 64, 3>>;

// E1's parameter counts (the Keras originals' model.summary()).
static_assert(E1Net<models::NN1>::parameter_count == 21'356);
static_assert(E1Net<models::NN2>::parameter_count == 62'264);
static_assert(E1Net<models::NN3>::parameter_count == 10'975);
static_assert(std::is_same_v<E1Net<models::NN2>::output_shape, Shape<64, 64, 4>>);

TEST_CASE("E1 networks: training FLOPs per image match the issue's figures", "[models]") {
    // A training step costs about three forward passes: 44 / 101 / 23 MFLOP per image.
    CHECK(3.0 * E1Net<models::NN1>::flops / 1e6 == Approx(44).epsilon(0.02));
    CHECK(3.0 * E1Net<models::NN2>::flops / 1e6 == Approx(101).epsilon(0.02));
    CHECK(3.0 * E1Net<models::NN3>::flops / 1e6 == Approx(23).epsilon(0.05));
}

TEST_CASE("E1 networks: the full U-Nets and the classic classifiers build", "[models]") {
    E1Net<models::FullUNet> full;
    E1Net<models::FullSeparableUNet> full_separable;
    CHECK(full.parameter_count > E1Net<models::NN2>::parameter_count);
    CHECK(full_separable.parameter_count < full.parameter_count);
    Network<models::LeNet, Shape<32, 32, 1>> lenet;
    CHECK(lenet.parameter_count == 61'706);  // LeNet-5: 156 + 2,416 + 48,120 + 10,164 + 850
    Network<models::LectureCnn, Shape<28, 28, 1>> lecture;
    CHECK(lecture.parameter_count == 320 + 9'248 + 7 * 7 * 32 * 100 + 100 + 1'010);
}

TEST_CASE("E1 networks: summary lists every layer with shapes and totals", "[models]") {
    E1Net<models::NN2> net;
    const std::string table = net.summary();
    CHECK_THAT(table, Catch::Contains("Trainable parameters: 62264"));
    CHECK_THAT(table, Catch::Contains("Tag \"bottleneck\""));
    CHECK_THAT(table, Catch::Contains("4x4x64"));
    CHECK_THAT(table, Catch::Contains("SkipConcat"));
}

TEMPLATE_TEST_CASE("E1 networks: end-to-end gradients along random directions", "[models][gradient]", models::NN1,
                   models::NN2, models::NN3) {
    Network<TestType, Shape<16, 16, 3>, Cpu, double> net({.seed = 7});
    auto x = random_tensor<double, Shape<16, 16, 3>>(2, 8, 0.0, 1.0);
    check_gradients(net, x, {.epsilon = 1e-6, .tolerance = 1e-5, .full_limit = 0, .directions = 4});
}

TEST_CASE("E1 networks: dropout is active in training mode only", "[models]") {
    Network<models::NN2, Shape<16, 16, 3>, Cpu, double> net({.seed = 1});
    net.plan(2);
    auto x = random_tensor<double, Shape<16, 16, 3>>(2, 8, 0.0, 1.0);
    const auto copy = [](auto view) { return std::vector<double>(view.data, view.data + view.size()); };
    const auto eval1 = copy(net.forward(x.view(), Mode::eval));
    const auto eval2 = copy(net.forward(x.view(), Mode::eval));
    const auto train = copy(net.forward(x.view(), Mode::train));
    CHECK(eval1 == eval2);
    CHECK(eval1 != train);
}

TEMPLATE_TEST_CASE("E1 networks match PyTorch (forward, input and parameter gradients)", "[models][golden]", float,
                   double) {
    const double tolerance = golden_tolerance<TestType>();
    SECTION("NN1") {
        Network<models::NN1, Shape<16, 16, 3>, Cpu, TestType> net;
        check_golden(net, "nn1", tolerance, ParameterFiles::by_index);
    }
    SECTION("NN2") {
        Network<models::NN2, Shape<16, 16, 3>, Cpu, TestType> net;
        check_golden(net, "nn2", tolerance, ParameterFiles::by_index);
    }
    SECTION("NN3") {
        Network<models::NN3, Shape<16, 16, 3>, Cpu, TestType> net;
        check_golden(net, "nn3", tolerance, ParameterFiles::by_index);
    }
}
