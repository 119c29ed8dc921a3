#pragma once
// Pointwise activations: as fused options of Conv2d/Dense/... and as layers of their own
// (ReLU, LeakyReLU, Sigmoid, Tanh). Each backend computes the derivative from the *output*
// y (backend/cpu/elementwise.hpp), so backward needs no copy of the pre-activation.
#include <string>

namespace latentlab {

struct Activation {
    enum class Kind { identity, relu, leaky_relu, sigmoid, tanh };
    Kind kind = Kind::identity;
    double alpha = 0.0;  // negative slope of leaky_relu (double: exact in double-precision checks)

    static constexpr Activation identity() { return {}; }
    static constexpr Activation relu() { return {Kind::relu, 0.0}; }
    static constexpr Activation leaky_relu(double alpha) { return {Kind::leaky_relu, alpha}; }
    static constexpr Activation sigmoid() { return {Kind::sigmoid, 0.0}; }
    static constexpr Activation tanh() { return {Kind::tanh, 0.0}; }

    constexpr bool is_identity() const { return kind == Kind::identity; }
    // leaky_relu's derivative is read off the sign of y, which needs a positive slope.
    constexpr bool valid() const { return kind != Kind::leaky_relu || (alpha > 0.0 && alpha < 1.0); }

    std::string name() const {
        switch (kind) {
            case Kind::identity: return "linear";
            case Kind::relu: return "relu";
            case Kind::leaky_relu: return "leaky_relu(" + std::to_string(alpha) + ")";
            case Kind::sigmoid: return "sigmoid";
            case Kind::tanh: return "tanh";
        }
        return "?";
    }

    friend constexpr bool operator==(const Activation&, const Activation&) = default;
};

}  // namespace latentlab
