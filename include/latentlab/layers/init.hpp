#pragma once
// Weight initializers with Keras' definitions (the E1 originals are Keras): Glorot uniform is
// Keras' default for Conv2D/Dense, He normal is what the U-Nets ask for. The "normal"
// variants draw from a normal truncated at ±2σ and rescale σ by 1/0.87962566103423978 so the
// variance is the intended one, as Keras 2.3's VarianceScaling does.
#include <cmath>
#include <cstddef>
#include <string>

#include "latentlab/core/random.hpp"

namespace latentlab {

enum class Init { glorot_uniform, glorot_normal, he_uniform, he_normal, zeros };

inline std::string to_string(Init init) {
    switch (init) {
        case Init::glorot_uniform: return "glorot_uniform";
        case Init::glorot_normal: return "glorot_normal";
        case Init::he_uniform: return "he_uniform";
        case Init::he_normal: return "he_normal";
        case Init::zeros: return "zeros";
    }
    return "?";
}

template <class T>
void initialize_weights(Init init, Rng& rng, T* values, std::size_t count, std::size_t fan_in, std::size_t fan_out) {
    constexpr double truncation_correction = 0.87962566103423978;
    const double glorot = 2.0 / static_cast<double>(fan_in + fan_out);
    const double he = 2.0 / static_cast<double>(fan_in);
    for (std::size_t i = 0; i < count; ++i) {
        double v = 0.0;
        switch (init) {
            case Init::glorot_uniform: v = rng.uniform(-1.0, 1.0) * std::sqrt(3.0 * glorot); break;
            case Init::he_uniform: v = rng.uniform(-1.0, 1.0) * std::sqrt(3.0 * he); break;
            case Init::glorot_normal: v = rng.truncated_normal(0.0, std::sqrt(glorot) / truncation_correction); break;
            case Init::he_normal: v = rng.truncated_normal(0.0, std::sqrt(he) / truncation_correction); break;
            case Init::zeros: v = 0.0; break;
        }
        values[i] = static_cast<T>(v);
    }
}

}  // namespace latentlab
