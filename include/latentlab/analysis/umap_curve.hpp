#pragma once
// UMAP's low-dimensional similarity 1 / (1 + a·d^(2b)): a and b are fitted by least squares
// to the curve that is 1 up to min_dist and exp(−(d − min_dist)/spread) after it, on 300
// points of [0, 3·spread] — umap-learn's find_ab_params, which uses scipy's curve_fit
// (Levenberg–Marquardt from a = b = 1). Same data, same start, same minimum.
#include <array>
#include <cmath>
#include <cstddef>

#include "latentlab/core/error.hpp"

namespace latentlab::analysis {

struct UmapCurve {
    double a = 0.0;
    double b = 0.0;
};

inline UmapCurve fit_umap_curve(double spread, double min_dist) {
    require(spread > 0.0 && std::isfinite(spread), "fit_umap_curve: spread is ", spread, "; expected > 0");
    require(min_dist >= 0.0 && min_dist <= spread, "fit_umap_curve: min_dist is ", min_dist,
            "; expected a value in [0, spread = ", spread, "]");
    constexpr std::size_t points = 300;
    std::array<double, points> x{};
    std::array<double, points> y{};
    for (std::size_t i = 0; i < points; ++i) {
        x[i] = 3.0 * spread * static_cast<double>(i) / static_cast<double>(points - 1);
        y[i] = x[i] < min_dist ? 1.0 : std::exp(-(x[i] - min_dist) / spread);
    }
    // Sum of squared residuals, and the normal equations JᵀJ δ = −Jᵀr of the residuals.
    auto evaluate = [&](double a, double b, std::array<double, 3>* jtj, std::array<double, 2>* jtr) {
        double cost = 0.0;
        if (jtj) *jtj = {};
        if (jtr) *jtr = {};
        for (std::size_t i = 0; i < points; ++i) {
            const double power = x[i] > 0.0 ? std::pow(x[i], 2.0 * b) : 0.0;
            const double denominator = 1.0 + a * power;
            const double residual = 1.0 / denominator - y[i];
            cost += residual * residual;
            if (!jtj) continue;
            const double da = -power / (denominator * denominator);
            const double db = x[i] > 0.0 ? da * a * 2.0 * std::log(x[i]) : 0.0;
            (*jtj)[0] += da * da;
            (*jtj)[1] += da * db;
            (*jtj)[2] += db * db;
            (*jtr)[0] += da * residual;
            (*jtr)[1] += db * residual;
        }
        return cost;
    };
    double a = 1.0;
    double b = 1.0;
    double damping = 1e-3;
    std::array<double, 3> jtj{};
    std::array<double, 2> jtr{};
    double cost = evaluate(a, b, &jtj, &jtr);
    for (int iteration = 0; iteration < 500; ++iteration) {
        // Marquardt's scaling: damp each parameter by its own curvature.
        const double h00 = jtj[0] * (1.0 + damping);
        const double h11 = jtj[2] * (1.0 + damping);
        const double det = h00 * h11 - jtj[1] * jtj[1];
        if (det == 0.0) break;
        const double step_a = -(h11 * jtr[0] - jtj[1] * jtr[1]) / det;
        const double step_b = -(h00 * jtr[1] - jtj[1] * jtr[0]) / det;
        const double trial = evaluate(a + step_a, b + step_b, nullptr, nullptr);
        if (trial < cost) {
            const bool converged = std::abs(step_a) <= 1e-13 * std::abs(a) && std::abs(step_b) <= 1e-13 * std::abs(b);
            a += step_a;
            b += step_b;
            cost = evaluate(a, b, &jtj, &jtr);
            damping = std::max(damping / 10.0, 1e-12);
            if (converged) break;
        } else {
            damping *= 10.0;
            if (damping > 1e12) break;  // no step lowers the cost: a minimum to rounding
        }
    }
    require(std::isfinite(a) && std::isfinite(b) && a > 0.0 && b > 0.0, "fit_umap_curve: the fit for spread ",
            spread, " and min_dist ", min_dist, " failed (a = ", a, ", b = ", b, ")");
    return {a, b};
}

}  // namespace latentlab::analysis
