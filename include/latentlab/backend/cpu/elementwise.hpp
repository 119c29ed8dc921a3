#pragma once
// Pointwise CPU kernels: activations forward and backward. The switch on the activation kind
// sits outside the loops so each loop is a plain vectorizable one.
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/layers/activation.hpp"

namespace latentlab::cpu {

// to[0, n) = from[0, n): Flatten's forward and backward (NHWC is already flat in memory).
template <class T>
void copy_values(const Cpu&, const T* from, std::size_t n, T* to) {
    std::copy_n(from, n, to);
}

template <class T>
void activate(Activation a, const T* z, T* y, std::size_t n) {
    using K = Activation::Kind;
    switch (a.kind) {
        case K::identity:
            if (y != z)
                for (std::size_t i = 0; i < n; ++i) y[i] = z[i];
            return;
        case K::relu:
            for (std::size_t i = 0; i < n; ++i) y[i] = z[i] > T(0) ? z[i] : T(0);
            return;
        case K::leaky_relu: {
            const T alpha = T(a.alpha);
            for (std::size_t i = 0; i < n; ++i) y[i] = z[i] > T(0) ? z[i] : alpha * z[i];
            return;
        }
        case K::sigmoid:
            for (std::size_t i = 0; i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-z[i]));
            return;
        case K::tanh:
            for (std::size_t i = 0; i < n; ++i) y[i] = std::tanh(z[i]);
            return;
    }
}

// dz = dy ⊙ f'(z), with f' read off the output y.
template <class T>
void activation_gradient(Activation a, const T* y, const T* dy, T* dz, std::size_t n) {
    using K = Activation::Kind;
    switch (a.kind) {
        case K::identity:
            if (dz != dy)
                for (std::size_t i = 0; i < n; ++i) dz[i] = dy[i];
            return;
        case K::relu:
            for (std::size_t i = 0; i < n; ++i) dz[i] = y[i] > T(0) ? dy[i] : T(0);
            return;
        case K::leaky_relu: {
            const T alpha = T(a.alpha);
            for (std::size_t i = 0; i < n; ++i) dz[i] = y[i] > T(0) ? dy[i] : alpha * dy[i];
            return;
        }
        case K::sigmoid:
            for (std::size_t i = 0; i < n; ++i) dz[i] = dy[i] * y[i] * (T(1) - y[i]);
            return;
        case K::tanh:
            for (std::size_t i = 0; i < n; ++i) dz[i] = dy[i] * (T(1) - y[i] * y[i]);
            return;
    }
}

}  // namespace latentlab::cpu
