#pragma once
// The reduction every loss of this folder shares: the batch is cut into groups of
// consecutive values (a pixel's classes, or a whole image), each group gives one term and
// its gradient, and the loss is the mean of the terms (Keras' 'mean' reduction over pixels
// and batch; over images for the per-image losses).
#include <algorithm>
#include <array>
#include <cstddef>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/tensor.hpp"

namespace latentlab::losses::detail {

// Σ of body(begin, end) over [0, count), summed over a fixed partition into at most 64
// ranges whatever the thread count, and added in range order: the value is bitwise the same
// for 1 or 16 threads (parallel_for_reduce's partition follows the threads).
template <class Body>
double ordered_sum(const Cpu& cpu, std::size_t count, Body&& body) {
    constexpr std::size_t max_ranges = 64;
    std::array<double, max_ranges> partial{};
    const std::size_t ranges = std::min(max_ranges, count);
    cpu::parallel_for(cpu, ranges, [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t r = begin; r < end; ++r) partial[r] = body(count * r / ranges, count * (r + 1) / ranges);
    });
    double total = 0;
    for (std::size_t r = 0; r < ranges; ++r) total += partial[r];
    return total;
}

// term(p, y, g, scale) reads group_size predictions p and targets y, writes
// g = scale · ∂term/∂p and returns the term. With scale = 1/groups, g is then ∂mean/∂p.
template <class T, ShapeType S, class Q, class Term>
double mean_of_terms(const Cpu& cpu, const char* loss, TensorView<Q, S> p, ConstView<T, S> target,
                     TensorView<T, S> dp, std::size_t group_size, Term&& term) {
    require(p.batch == target.batch && p.batch == dp.batch, loss, ": predictions hold ", p.batch,
            " images, targets ", target.batch, ", gradient ", dp.batch);
    require(p.batch > 0, loss, ": the batch is empty (a mean over no images is undefined)");
    const std::size_t groups = p.size() / group_size;
    const double scale = 1.0 / static_cast<double>(groups);
    const T gradient_scale = static_cast<T>(scale);
    // Locals, not members of the views: the compiler need not reload them after each store.
    const T* const predictions = p.data;
    const T* const targets = target.data;
    T* const gradient = dp.data;
    const double total = ordered_sum(cpu, groups, [&](std::size_t begin, std::size_t end) {
        double sum = 0;
        for (std::size_t i = begin; i < end; ++i) {
            const std::size_t offset = i * group_size;
            sum += term(predictions + offset, targets + offset, gradient + offset, gradient_scale);
        }
        return sum;
    });
    return total * scale;
}

// ∂|y p|/∂p = y·sign(y p), with sign(0) = 0 as in TensorFlow and PyTorch (the |y p| of the
// original Dice and IoU formulas).
template <class T>
T abs_product_derivative(T y, T p) {
    const T product = y * p;
    return product > T(0) ? y : product < T(0) ? -y : T(0);
}

}  // namespace latentlab::losses::detail
