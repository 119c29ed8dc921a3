// analysis::Pca and analysis::Standardizer against scikit-learn 1.2 (tools/make_pca_golden.py):
// the exact solver on a tall matrix (covariance path) and a wide one (Gram path), signs
// included; the randomized solver against the exact one; round trips, orthonormality,
// thread-count independence, sklearn's automatic solver rule, and the errors for bad input.
// Also analysis::symmetric_eigen, the exact solver's eigensolver, against Eigen's.
#include <latentlab/analysis/pca.hpp>
#include <latentlab/analysis/standardize.hpp>
#include <latentlab/analysis/symmetric_eigen.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>

#include <Eigen/Dense>
#include <xtensor/xarray.hpp>

#include "latentlab/core/random.hpp"
#include "analysis_support.hpp"
#include "support.hpp"
#include "latentlab/data/npy.hpp"

using namespace latentlab;
using namespace latentlab::analysis;

namespace {

template <class T>
xt::xarray<T> golden(const std::string& name) { return testing::golden_array<T>("pca", name); }

Matrix golden_matrix(const std::string& name) { return testing::golden_matrix("pca", name); }

using testing::relative_error;

template <class A>
void check_close(const A& ours, const xt::xarray<double>& reference, double tolerance, const std::string& what) {
    INFO(what);
    REQUIRE(ours.size() == reference.size());
    const double error = relative_error(ours.data(), reference.data(), reference.size());
    INFO("relative error " << error);
    CHECK(error <= tolerance);
}

// Each of the first `count` rows of `ours` against the reference's, norm-wise (so a
// flipped sign fails).
void check_rows(const Matrix& ours, const xt::xarray<double>& reference, std::size_t count, double tolerance,
                const std::string& what) {
    const std::size_t d = columns(ours);
    REQUIRE(reference.dimension() == 2);
    REQUIRE(reference.shape()[1] == d);
    for (std::size_t j = 0; j < count; ++j) {
        INFO(what << " row " << j);
        const double error = relative_error(ours.data() + j * d, reference.data() + j * d, d);
        INFO("relative error " << error);
        CHECK(error <= tolerance);
    }
}

// Largest |V Vᵀ − I| over the rows of V.
double orthonormality_error(const Matrix& v) {
    const Eigen::MatrixXd rows_v = as_eigen(v).cast<double>();
    const auto k = rows_v.rows();
    return (rows_v * rows_v.transpose() - Eigen::MatrixXd::Identity(k, k)).cwiseAbs().maxCoeff();
}

bool identical(const Matrix& a, const Matrix& b) {
    return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

Matrix uniform_matrix(std::size_t n, std::size_t d, std::uint64_t seed) {
    Matrix m = Matrix::from_shape({n, d});
    Rng rng(seed, 1);
    for (float& value : m) value = static_cast<float>(rng.uniform(-1.0, 3.0));
    return m;
}

// Gaussian rows with standard deviations `scale`·`decay`^j along a random rotation, plus an
// offset: a spectrum whose components are well separated.
Matrix decaying_matrix(std::size_t n, std::size_t d, double scale, double decay, std::uint64_t seed) {
    Rng rng(seed, 2);
    Eigen::MatrixXd gaussian(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
    for (Eigen::Index i = 0; i < gaussian.size(); ++i) gaussian.data()[i] = rng.normal();
    const Eigen::MatrixXd rotation = Eigen::HouseholderQR<Eigen::MatrixXd>(gaussian).householderQ();
    Eigen::MatrixXd latent(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
    for (Eigen::Index i = 0; i < latent.rows(); ++i)
        for (Eigen::Index j = 0; j < latent.cols(); ++j)
            latent(i, j) = rng.normal() * scale * std::pow(decay, static_cast<double>(j));
    Matrix m = Matrix::from_shape({n, d});
    as_eigen(m) = ((latent * rotation.transpose()).rowwise() + Eigen::RowVectorXd::Constant(latent.cols(), 2.0))
                      .cast<float>();
    return m;
}

}  // namespace

TEST_CASE("Standardizer matches sklearn StandardScaler, constant column included", "[pca][standardize]") {
    const Matrix x = golden_matrix("standardize_x");
    const Matrix fresh = golden_matrix("standardize_new");
    Standardizer scaler;
    const Matrix z = scaler.fit_transform(x);
    check_close(scaler.mean(), golden<double>("standardize_mean"), 1e-12, "mean");
    check_close(scaler.scale(), golden<double>("standardize_scale"), 1e-10, "scale");
    CHECK(scaler.scale()(2) == 1.0);  // the constant column
    check_close(z, golden<double>("standardize_transform"), 1e-6, "transform");
    check_close(scaler.transform(fresh), golden<double>("standardize_transform_new"), 1e-6, "transform of new rows");
    CHECK(identical(scaler.transform(x), z));
    check_close(scaler.inverse_transform(z), golden<double>("standardize_x"), 1e-6, "inverse_transform");
}

TEST_CASE("Standardizer gives the same result for 1 and 2 threads", "[pca][standardize]") {
    const Matrix x = uniform_matrix(301, 67, 11);
    Standardizer one({.cpu = Cpu{.threads = 1}});
    Standardizer two({.cpu = Cpu{.threads = 2}});
    const Matrix z1 = one.fit_transform(x), z2 = two.fit_transform(x);
    CHECK(identical(z1, z2));
    CHECK(std::equal(one.mean().begin(), one.mean().end(), two.mean().begin()));
    CHECK(std::equal(one.scale().begin(), one.scale().end(), two.scale().begin()));
    // Standardized columns: mean 0, population standard deviation 1.
    for (std::size_t c = 0; c < columns(z1); ++c) {
        double sum = 0, squares = 0;
        for (std::size_t i = 0; i < rows(z1); ++i) {
            sum += z1(i, c);
            squares += static_cast<double>(z1(i, c)) * z1(i, c);
        }
        const double mean = sum / static_cast<double>(rows(z1));
        CHECK(std::abs(mean) < 1e-6);
        CHECK(squares / static_cast<double>(rows(z1)) - mean * mean == Approx(1.0).epsilon(1e-5));
    }
}

TEST_CASE("Standardizer rejects bad input", "[pca][standardize][errors]") {
    Standardizer scaler;
    const Matrix x = uniform_matrix(10, 4, 3);
    CHECK_THROWS_WITH(scaler.transform(x), Catch::Contains("before fit"));
    CHECK_THROWS_WITH(scaler.inverse_transform(x), Catch::Contains("before fit"));
    CHECK_THROWS_WITH(scaler.mean(), Catch::Contains("before fit"));
    scaler.fit(x);
    CHECK_THROWS_WITH(scaler.transform(uniform_matrix(10, 5, 3)), Catch::Contains("5 columns; expected 4"));
    Matrix bad = x;
    bad(3, 2) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(Standardizer().fit(bad), Catch::Contains("element (3, 2)"));
    CHECK_THROWS_WITH(scaler.transform(bad), Catch::Contains("element (3, 2)"));
    CHECK_THROWS_WITH(Standardizer({.cpu = Cpu{.threads = 0}}), Catch::Contains("cpu.threads"));
}

TEST_CASE("Pca exact solver matches sklearn on a tall matrix", "[pca][golden]") {
    const Matrix x = golden_matrix("tall_x");
    const Matrix fresh = golden_matrix("tall_new");
    Pca full({.components = 40});  // n = 300 ≤ 500: automatic means exact, as in sklearn
    const Matrix z = full.fit_transform(x);
    CHECK(full.solver_used() == PcaSolver::exact);
    check_rows(full.components(), golden<double>("tall_components"), 40, 1e-5, "components");
    check_close(full.explained_variance(), golden<double>("tall_explained_variance"), 1e-9, "explained_variance");
    check_close(full.explained_variance_ratio(), golden<double>("tall_explained_variance_ratio"), 1e-9,
                "explained_variance_ratio");
    check_close(full.singular_values(), golden<double>("tall_singular_values"), 1e-9, "singular_values");
    check_close(full.mean(), golden<double>("tall_mean"), 1e-12, "mean");
    CHECK(full.noise_variance() == 0.0);
    check_close(z, golden<double>("tall_transform"), 1e-5, "fit_transform");
    CHECK(identical(full.transform(x), z));
    check_close(full.transform(fresh), golden<double>("tall_transform_new"), 1e-5, "transform of new rows");
    CHECK(orthonormality_error(full.components()) < 1e-6);

    Pca ten({.components = 10});
    ten.fit(x);
    check_rows(ten.components(), golden<double>("tall_components"), 10, 1e-5, "first 10 components");
    CHECK(ten.noise_variance() == Approx(golden<double>("tall_noise_variance")(0)).epsilon(1e-9));
    check_close(ten.inverse_transform(ten.transform(fresh)), golden<double>("tall_inverse_new"), 1e-6,
                "inverse_transform of 10 components");

    Pca whitened({.components = 10, .whiten = true});
    const Matrix w = whitened.fit_transform(x);
    check_close(whitened.transform(fresh), golden<double>("tall_whiten_new"), 1e-5, "whitened transform");
    CHECK(identical(whitened.transform(x), w));
    for (std::size_t j = 0; j < 10; ++j) {  // whitened components have variance 1 (ddof 1)
        double squares = 0;
        for (std::size_t i = 0; i < rows(w); ++i) squares += static_cast<double>(w(i, j)) * w(i, j);
        CHECK(squares / static_cast<double>(rows(w) - 1) == Approx(1.0).epsilon(1e-5));
    }
}

TEST_CASE("Pca exact solver matches sklearn when features outnumber samples", "[pca][golden]") {
    const Matrix x = golden_matrix("wide_x");  // 60 × 100: the Gram path
    const Matrix fresh = golden_matrix("wide_new");
    Pca twenty({.components = 20});
    const Matrix z = twenty.fit_transform(x);
    check_rows(twenty.components(), golden<double>("wide_components"), 20, 1e-5, "components");
    check_close(twenty.mean(), golden<double>("wide_mean"), 1e-12, "mean");
    check_close(z, golden<double>("wide_transform"), 1e-5, "fit_transform");
    check_close(twenty.transform(fresh), golden<double>("wide_transform_new"), 1e-5, "transform of new rows");
    CHECK(twenty.noise_variance() == Approx(golden<double>("wide_noise_variance")(0)).epsilon(1e-9));

    // All 60: centering leaves rank 59, so the last axis has variance 0 and is any unit vector
    // orthogonal to the others (sklearn's is LAPACK's choice): check the spectrum and the basis.
    Pca full({.components = 60});
    full.fit(x);
    const auto variance = golden<double>("wide_explained_variance");
    const auto ratio = golden<double>("wide_explained_variance_ratio");
    const auto singular = golden<double>("wide_singular_values");
    for (std::size_t j = 0; j < 59; ++j) {
        INFO("component " << j);
        CHECK(full.explained_variance()(j) == Approx(variance(j)).epsilon(1e-9));
        CHECK(full.explained_variance_ratio()(j) == Approx(ratio(j)).epsilon(1e-9));
        CHECK(full.singular_values()(j) == Approx(singular(j)).epsilon(1e-9));
    }
    CHECK(full.singular_values()(59) < 1e-6 * singular(0));
    CHECK(orthonormality_error(full.components()) < 1e-6);
    check_rows(full.components(), golden<double>("wide_components"), 20, 1e-5, "first 20 of all components");
}

TEST_CASE("Pca randomized solver agrees with the exact one on a decaying spectrum", "[pca]") {
    const Matrix x = decaying_matrix(1200, 100, 5.0, 0.7, 21);
    Pca exact({.components = 5, .solver = PcaSolver::exact});
    Pca randomized({.components = 5});  // max(n, d) > 500 and 5 < 80: automatic means randomized
    exact.fit(x);
    randomized.fit(x);
    CHECK(randomized.solver_used() == PcaSolver::randomized);
    check_rows(randomized.components(), xt::xarray<double>(exact.components()), 5, 1e-4, "components");
    for (std::size_t j = 0; j < 5; ++j) {
        INFO("component " << j);
        CHECK(std::abs(randomized.explained_variance_ratio()(j) - exact.explained_variance_ratio()(j)) < 1e-6);
        CHECK(randomized.singular_values()(j) == Approx(exact.singular_values()(j)).epsilon(1e-6));
    }
    CHECK(randomized.noise_variance() == Approx(exact.noise_variance()).epsilon(1e-5));
    // The largest principal angle θ between the two subspaces: cos θ = smallest singular value
    // of V_r V_eᵀ. Float rows are unit vectors only to ~1e-7, which alone moves cos θ by that
    // much: require sin θ < 1e-3.
    const Eigen::MatrixXd overlap =
        as_eigen(randomized.components()).cast<double>() * as_eigen(exact.components()).cast<double>().transpose();
    const double cosine = std::min(1.0, Eigen::JacobiSVD<Eigen::MatrixXd>(overlap).singularValues().minCoeff());
    CHECK(std::sqrt(1.0 - cosine * cosine) < 1e-3);
    CHECK(orthonormality_error(randomized.components()) < 1e-6);

    // Without power iterations the subspace is rougher but still found on this spectrum.
    Pca rough({.components = 5, .solver = PcaSolver::randomized, .power_iterations = 0, .seed = 3});
    rough.fit(x);
    for (std::size_t j = 0; j < 5; ++j)
        CHECK(std::abs(rough.explained_variance_ratio()(j) - exact.explained_variance_ratio()(j)) < 1e-3);
}

TEST_CASE("Pca inverse_transform undoes transform when all components are kept", "[pca]") {
    for (const bool whiten : {false, true}) {
        for (const auto& [n, d] : {std::pair<std::size_t, std::size_t>{50, 8}, {6, 10}}) {
            INFO("n " << n << ", d " << d << ", whiten " << whiten);
            const Matrix x = uniform_matrix(n, d, 5 + n);
            // With d > n, the rank-deficient last axis cannot be whitened: keep n − 1 there
            // (the data still lie in their span).
            const std::size_t k = whiten && d > n ? n - 1 : std::min(n, d);
            Pca model({.components = k, .whiten = whiten});
            const Matrix back = model.inverse_transform(model.fit_transform(x));
            CHECK(relative_error(back.data(), x.data(), x.size()) < 1e-6);
        }
    }
}

TEST_CASE("Pca gives the same result for 1 and 2 threads", "[pca]") {
    struct Case {
        std::size_t n, d, k;
        PcaSolver solver;
    };
    // Several tiles, panels and stripes: covariance path, Gram path, randomized.
    for (const Case& c : {Case{1000, 300, 12, PcaSolver::exact}, Case{400, 520, 7, PcaSolver::exact},
                          Case{1000, 300, 10, PcaSolver::randomized}}) {
        INFO("n " << c.n << ", d " << c.d << ", solver " << static_cast<int>(c.solver));
        const Matrix x = uniform_matrix(c.n, c.d, c.n + c.d);
        Pca one({.components = c.k, .solver = c.solver, .cpu = Cpu{.threads = 1}});
        Pca two({.components = c.k, .solver = c.solver, .cpu = Cpu{.threads = 2}});
        const Matrix z1 = one.fit_transform(x), z2 = two.fit_transform(x);
        CHECK(identical(z1, z2));
        CHECK(identical(one.components(), two.components()));
        CHECK(std::equal(one.singular_values().begin(), one.singular_values().end(), two.singular_values().begin()));
        CHECK(one.noise_variance() == two.noise_variance());
        CHECK(identical(one.inverse_transform(z1), two.inverse_transform(z2)));
    }
}

TEST_CASE("Pca automatic solver follows sklearn's rule", "[pca]") {
    const auto used = [](std::size_t n, std::size_t d, std::size_t k) {
        Pca model({.components = k});
        model.fit(uniform_matrix(n, d, 9));
        return model.solver_used();
    };
    CHECK(used(500, 40, 5) == PcaSolver::exact);        // max(n, d) ≤ 500
    CHECK(used(501, 40, 31) == PcaSolver::randomized);  // 31 < 0.8 · 40
    CHECK(used(501, 40, 32) == PcaSolver::exact);       // 32 = 0.8 · 40
    CHECK(used(30, 600, 23) == PcaSolver::randomized);  // 23 < 0.8 · 30
}

TEST_CASE("analysis::pca is fit_transform, and fit_transform is fit then transform", "[pca]") {
    const Matrix x = uniform_matrix(120, 9, 4);
    Pca model({.components = 3});
    model.fit(x);
    CHECK(identical(analysis::pca(x, 3), model.transform(x)));
    CHECK(columns(analysis::pca(x, 9)) == 9);
}

TEST_CASE("Pca handles one feature and two samples", "[pca]") {
    Matrix column = Matrix::from_shape({3, 1});
    column(0, 0) = 1.0f;
    column(1, 0) = 2.0f;
    column(2, 0) = 6.0f;  // mean 3, deviations −2, −1, 3: the largest is positive
    Pca one({.components = 1});
    const Matrix z = one.fit_transform(column);
    CHECK(one.components()(0, 0) == 1.0f);
    CHECK(one.explained_variance()(0) == Approx(7.0));  // (4 + 1 + 9) / 2
    CHECK(one.explained_variance_ratio()(0) == Approx(1.0));
    CHECK(z(0, 0) == Approx(-2.0));
    CHECK(z(2, 0) == Approx(3.0));

    const Matrix pair = uniform_matrix(2, 5, 17);  // centered rank 1: the second axis is null
    Pca two({.components = 2});
    const Matrix back = two.inverse_transform(two.fit_transform(pair));
    CHECK(relative_error(back.data(), pair.data(), pair.size()) < 1e-6);
    CHECK(orthonormality_error(two.components()) < 1e-6);
    CHECK(two.explained_variance_ratio()(0) == Approx(1.0));
    CHECK(two.singular_values()(1) < 1e-6 * two.singular_values()(0));
}

TEST_CASE("Pca rejects bad options and input", "[pca][errors]") {
    const Matrix x = uniform_matrix(5, 3, 2);
    CHECK_THROWS_WITH(Pca({.components = 0}), Catch::Contains("option components is 0"));
    CHECK_THROWS_WITH(Pca({.cpu = Cpu{.threads = 0}}), Catch::Contains("cpu.threads"));
    CHECK_THROWS_WITH(Pca({.components = 4}).fit(x), Catch::Contains("components is 4; expected at most") &&
                                                        Catch::Contains("= 3"));
    CHECK_THROWS_WITH(analysis::pca(x, 6), Catch::Contains("components is 6"));

    Pca model({.components = 2});
    CHECK_THROWS_WITH(model.transform(x), Catch::Contains("before fit"));
    CHECK_THROWS_WITH(model.components(), Catch::Contains("before fit"));
    CHECK_THROWS_WITH(model.inverse_transform(uniform_matrix(5, 2, 1)), Catch::Contains("before fit"));
    Matrix bad = x;
    bad(4, 1) = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(model.fit(bad), Catch::Contains("element (4, 1)"));
    CHECK_FALSE(model.fitted());
    model.fit(x);
    CHECK_THROWS_WITH(model.transform(uniform_matrix(5, 4, 2)), Catch::Contains("4 columns; expected 3"));
    CHECK_THROWS_WITH(model.transform(bad), Catch::Contains("element (4, 1)"));
    CHECK_THROWS_WITH(model.inverse_transform(uniform_matrix(5, 3, 1)), Catch::Contains("3 columns; expected 2"));

    CHECK_THROWS_WITH(Pca().fit(uniform_matrix(1, 3, 2)), Catch::Contains("1 sample"));
    Matrix constant = Matrix::from_shape({4, 3});
    std::fill(constant.begin(), constant.end(), 1.5f);
    CHECK_THROWS_WITH(Pca().fit(constant), Catch::Contains("constant"));
    // Whitening the null axis of 4 centered samples in 6-d would divide by rounding noise.
    CHECK_THROWS_WITH(Pca({.components = 4, .whiten = true}).fit(uniform_matrix(4, 6, 8)),
                      Catch::Contains("whiten"));
}

namespace {

// A symmetric matrix Q·diag(values)·Qᵀ with a random rotation Q.
Eigen::MatrixXd symmetric_with(const Eigen::VectorXd& values, std::uint64_t seed) {
    Rng rng(seed, 4);
    Eigen::MatrixXd gaussian(values.size(), values.size());
    for (Eigen::Index i = 0; i < gaussian.size(); ++i) gaussian.data()[i] = rng.normal();
    const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(gaussian).householderQ();
    const Eigen::MatrixXd a = q * values.asDiagonal() * q.transpose();
    return (a + a.transpose()) / 2;
}

void check_decomposition(const Eigen::MatrixXd& a, const SymmetricEigen& eigen) {
    const auto k = eigen.values.size();
    const double norm = a.norm();
    CHECK((a * eigen.vectors - eigen.vectors * eigen.values.asDiagonal()).norm() <= 1e-12 * std::max(norm, 1.0));
    CHECK((eigen.vectors.transpose() * eigen.vectors - Eigen::MatrixXd::Identity(k, k)).cwiseAbs().maxCoeff() < 1e-12);
    for (Eigen::Index j = 1; j < k; ++j) CHECK(eigen.values[j] <= eigen.values[j - 1]);
}

}  // namespace

TEST_CASE("symmetric_eigen agrees with Eigen's SelfAdjointEigenSolver", "[pca][eigen]") {
    Rng rng(6, 0);
    Eigen::VectorXd spread(150);
    for (Eigen::Index i = 0; i < spread.size(); ++i) spread[i] = rng.uniform(-5.0, 20.0);
    Eigen::VectorXd repeated = Eigen::VectorXd::Zero(150);  // eigenvalues 3 ×40, 1 ×60, 0 ×50
    repeated.head(100).setOnes();
    repeated.head(40).setConstant(3.0);
    for (const Eigen::VectorXd& values : {spread, repeated}) {
        const Eigen::MatrixXd a = symmetric_with(values, 12);
        const SymmetricEigen ours = symmetric_eigen(a, 150, Cpu{.threads = 1});
        check_decomposition(a, ours);
        const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> reference(a);
        const double largest = values.cwiseAbs().maxCoeff();
        CHECK((ours.values - reference.eigenvalues().reverse()).cwiseAbs().maxCoeff() < 1e-12 * largest);

        // Row blocks split over two threads: the same numbers; and the top 7 alone are the same.
        const SymmetricEigen two = symmetric_eigen(a, 150, Cpu{.threads = 2});
        CHECK(two.values == ours.values);
        CHECK(two.vectors == ours.vectors);
        const SymmetricEigen top = symmetric_eigen(a, 7, Cpu{.threads = 2});
        CHECK(top.values == ours.values.head(7));
        CHECK(top.vectors == ours.vectors.leftCols(7));
    }
    // Only the lower triangle is read.
    Eigen::MatrixXd lower = symmetric_with(spread.head(20), 13);
    const SymmetricEigen full = symmetric_eigen(lower, 20, Cpu{});
    lower.triangularView<Eigen::StrictlyUpper>().setConstant(1e6);
    CHECK(symmetric_eigen(lower, 20, Cpu{}).values == full.values);

    const SymmetricEigen zero = symmetric_eigen(Eigen::MatrixXd::Zero(5, 5), 5, Cpu{});
    CHECK(zero.values == Eigen::VectorXd::Zero(5));
    CHECK(zero.vectors.transpose() * zero.vectors == Eigen::MatrixXd::Identity(5, 5));

    Eigen::MatrixXd bad = symmetric_with(spread.head(10), 14);
    bad(3, 2) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(symmetric_eigen(bad, 10, Cpu{}), Catch::Contains("NaN or Inf"));
    CHECK_THROWS_WITH(symmetric_eigen(Eigen::MatrixXd::Zero(3, 4), 2, Cpu{}), Catch::Contains("square"));
    CHECK_THROWS_WITH(symmetric_eigen(Eigen::MatrixXd::Zero(3, 3), 4, Cpu{}), Catch::Contains("at most 3"));
}
