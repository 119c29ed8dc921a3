#pragma once
// L-BFGS for smooth unconstrained minimization in double (Nocedal & Wright, Numerical
// Optimization, 2nd ed.: the two-loop recursion, algorithm 7.4, and the strong-Wolfe line
// search with cubic-interpolation zoom, algorithms 3.5/3.6). The stopping rules are those of
// scipy's L-BFGS-B (no bounds), which sklearn's LogisticRegression(solver='lbfgs') runs:
//   max |gradient| ≤ gradient_tol (checked at the start too), or
//   (f_previous − f)/max(|f_previous|, |f|, 1) ≤ relative_decrease_tol (scipy's factr·eps;
//   0 turns this test off, where scipy would stop at the first step that does not lower f),
//   or max_iterations iterations (one iteration = one accepted line search).
// As scipy, the first step (and the first after a restart) has length 1 (step 1/‖d‖), later
// steps start at 1. A line search that finds no acceptable step restarts from steepest
// descent once; if that fails too, the minimization stops (LbfgsStop::line_search).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "latentlab/core/error.hpp"

namespace latentlab::analysis {

struct LbfgsOptions {
    std::size_t memory = 10;  // correction pairs kept (scipy's maxcor, sklearn's choice)
    std::size_t max_iterations = 100;
    double gradient_tol = 1e-4;
    double relative_decrease_tol = 1e7 * std::numeric_limits<double>::epsilon();  // scipy's factr = 1e7
    std::size_t max_line_search_evaluations = 20;                                // scipy's maxls
};

enum class LbfgsStop { gradient, relative_decrease, max_iterations, line_search };

struct LbfgsResult {
    double value = 0;              // the objective at the returned point
    double gradient_max_norm = 0;  // max |gradient| there
    std::size_t iterations = 0;
    std::size_t evaluations = 0;   // objective calls, line searches included
    LbfgsStop stop = LbfgsStop::max_iterations;

    // scipy reports both of its tests as convergence.
    bool converged() const { return stop == LbfgsStop::gradient || stop == LbfgsStop::relative_decrease; }
};

namespace detail {

// A trial point of a line search: step length, objective value, directional derivative.
struct LinePoint {
    double step, value, slope;
};

// The minimizer of the cubic through a and b (values and slopes; N&W eq. 3.59), kept in the
// middle 80 % of the interval so that the zoom shrinks it; the midpoint when the cubic has
// no minimum or a value is not finite.
inline double interpolate(const LinePoint& a, const LinePoint& b) {
    const double low = std::min(a.step, b.step), high = std::max(a.step, b.step);
    double t = 0.5 * (low + high);
    if (std::isfinite(a.value) && std::isfinite(b.value)) {
        const double d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.step - b.step);
        const double radicand = d1 * d1 - a.slope * b.slope;
        if (radicand >= 0) {
            const double d2 = std::copysign(std::sqrt(radicand), b.step - a.step);
            const double cubic = b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2);
            if (std::isfinite(cubic)) t = cubic;
        }
    }
    const double margin = 0.1 * (high - low);
    return std::clamp(t, low + margin, high - margin);
}

}  // namespace detail

// Minimizes objective(x, gradient) → value (which also writes the gradient at x) from x;
// x holds the result on return.
template <class Objective>
LbfgsResult minimize_lbfgs(Objective&& objective, Eigen::VectorXd& x, const LbfgsOptions& options = {}) {
    constexpr auto who = "minimize_lbfgs";
    require(options.memory >= 1, who, ": memory must be >= 1, found 0");
    require(options.max_line_search_evaluations >= 1, who, ": max_line_search_evaluations must be >= 1, found 0");
    require(options.gradient_tol >= 0 && options.relative_decrease_tol >= 0, who,
            ": the tolerances must be >= 0, found gradient_tol ", options.gradient_tol, " and relative_decrease_tol ",
            options.relative_decrease_tol);
    const Eigen::Index n = x.size();
    const std::size_t m = options.memory;
    Eigen::VectorXd g(n), d(n), x_new(n), g_new(n), x_low(n), g_low(n);
    Eigen::MatrixXd s_pairs(n, static_cast<Eigen::Index>(m)), y_pairs(n, static_cast<Eigen::Index>(m));
    std::vector<double> rho(m), alpha(m);
    std::size_t stored = 0, newest = 0;  // a ring of the last `stored` pairs, the newest at `newest`

    LbfgsResult result;
    double f = objective(x, g);
    result.evaluations = 1;
    require(std::isfinite(f) && g.allFinite(), who, ": the objective or its gradient is not finite at the start (",
            f, ")");
    result.value = f;
    result.gradient_max_norm = g.lpNorm<Eigen::Infinity>();
    if (result.gradient_max_norm <= options.gradient_tol) {
        result.stop = LbfgsStop::gradient;
        return result;
    }

    // d = −H·g by the two-loop recursion, H₀ = (sᵀy / yᵀy)·I from the newest pair.
    const auto direction = [&] {
        d = -g;
        for (std::size_t back = 0; back < stored; ++back) {
            const auto k = static_cast<Eigen::Index>((newest + m - back) % m);
            alpha[static_cast<std::size_t>(k)] = rho[static_cast<std::size_t>(k)] * s_pairs.col(k).dot(d);
            d -= alpha[static_cast<std::size_t>(k)] * y_pairs.col(k);
        }
        if (stored > 0) {
            const auto k = static_cast<Eigen::Index>(newest);
            d *= s_pairs.col(k).dot(y_pairs.col(k)) / y_pairs.col(k).squaredNorm();
        }
        for (std::size_t forward = stored; forward-- > 0;) {
            const auto k = static_cast<Eigen::Index>((newest + m - forward) % m);
            const double beta = rho[static_cast<std::size_t>(k)] * y_pairs.col(k).dot(d);
            d += (alpha[static_cast<std::size_t>(k)] - beta) * s_pairs.col(k);
        }
    };

    // Strong-Wolfe line search along d from (x, f, g) with directional derivative slope < 0.
    // On success x_new, g_new hold the accepted point and its value is returned; NaN if none.
    const auto line_search = [&](double slope, double step) {
        constexpr double c1 = 1e-4, c2 = 0.9;
        std::size_t used = 0;
        const auto evaluate = [&](double a) {
            x_new = x + a * d;
            const double value = objective(x_new, g_new);
            ++used;
            ++result.evaluations;
            // A non-finite point is "too far": the zoom shrinks towards the last finite one.
            if (!std::isfinite(value) || !g_new.allFinite())
                return detail::LinePoint{a, std::numeric_limits<double>::infinity(),
                                         std::numeric_limits<double>::quiet_NaN()};
            return detail::LinePoint{a, value, g_new.dot(d)};
        };
        // Near the minimum the rounding error of f exceeds the decrease that c1·step·slope
        // demands, and that test would reject every step. Hager & Zhang's approximate Wolfe
        // condition then decides by the derivative, which is still accurate: on a quadratic,
        // slope(step) ≤ (1 − 2·c1)·|slope(0)| is the same test as sufficient decrease.
        const double noise = 1e-10 * std::max(std::abs(f), 1.0);
        const auto sufficient_decrease = [&](const detail::LinePoint& p) {
            return p.value <= f + c1 * p.step * slope || (p.value <= f + noise && p.slope <= -(1 - 2 * c1) * slope);
        };
        const auto curvature = [&](const detail::LinePoint& p) { return std::abs(p.slope) <= -c2 * slope; };
        detail::LinePoint low{0, f, slope}, high{};
        const auto keep_low = [&](const detail::LinePoint& p) {
            low = p;
            x_low = x_new;
            g_low = g_new;
        };
        bool bracketed = false;
        while (!bracketed && used < options.max_line_search_evaluations) {
            const detail::LinePoint p = evaluate(step);
            if (!sufficient_decrease(p) || (low.step > 0 && p.value >= low.value)) {
                high = p;
                bracketed = true;
            } else if (curvature(p)) {
                return p.value;
            } else if (p.slope >= 0) {
                high = low;
                keep_low(p);
                bracketed = true;
            } else {
                keep_low(p);
                step *= 4;  // More–Thuente's extrapolation factor
            }
        }
        while (bracketed && used < options.max_line_search_evaluations) {
            const detail::LinePoint p = evaluate(detail::interpolate(low, high));
            if (!sufficient_decrease(p) || p.value >= low.value) {
                high = p;
            } else {
                if (curvature(p)) return p.value;
                if (p.slope * (high.step - low.step) >= 0) high = low;
                keep_low(p);
            }
        }
        // Out of evaluations: the lowest point with sufficient decrease still is progress.
        if (low.step == 0) return std::numeric_limits<double>::quiet_NaN();
        x_new = x_low;
        g_new = g_low;
        return low.value;
    };

    for (std::size_t iteration = 1; iteration <= options.max_iterations; ++iteration) {
        double accepted = std::numeric_limits<double>::quiet_NaN();
        for (int attempt = 0; attempt < 2 && std::isnan(accepted); ++attempt) {
            if (attempt == 1) {
                if (stored == 0) break;  // steepest descent failed already
                stored = 0;              // restart from steepest descent
            }
            direction();
            double slope = g.dot(d);
            if (!(slope < 0)) {  // rounding made H lose positive definiteness
                stored = 0;
                direction();
                slope = g.dot(d);
            }
            accepted = line_search(slope, stored == 0 ? 1.0 / d.norm() : 1.0);
        }
        if (std::isnan(accepted)) {
            result.stop = LbfgsStop::line_search;
            return result;
        }
        // The new pair (s, y) (in the line search's scratch vectors), kept only when sᵀy > 0
        // so that H stays positive definite; it replaces the oldest pair when the ring is full.
        x_low = x_new - x;
        g_low = g_new - g;
        const double sy = x_low.dot(g_low);
        if (sy > std::numeric_limits<double>::epsilon() * g_low.squaredNorm()) {
            newest = stored == 0 ? 0 : (newest + 1) % m;
            s_pairs.col(static_cast<Eigen::Index>(newest)) = x_low;
            y_pairs.col(static_cast<Eigen::Index>(newest)) = g_low;
            rho[newest] = 1.0 / sy;
            stored = std::min(stored + 1, m);
        }
        x.swap(x_new);
        g.swap(g_new);
        const double previous = f;
        f = accepted;
        result.value = f;
        result.iterations = iteration;
        result.gradient_max_norm = g.lpNorm<Eigen::Infinity>();
        if (result.gradient_max_norm <= options.gradient_tol) {
            result.stop = LbfgsStop::gradient;
            return result;
        }
        if (options.relative_decrease_tol > 0 &&
            previous - f <= options.relative_decrease_tol * std::max({std::abs(previous), std::abs(f), 1.0})) {
            result.stop = LbfgsStop::relative_decrease;
            return result;
        }
    }
    result.stop = LbfgsStop::max_iterations;
    return result;
}

}  // namespace latentlab::analysis
