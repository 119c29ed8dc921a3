#pragma once
// CPU kernels of Upsample: nearest (each pixel repeated factor × factor times) and bilinear
// with half-pixel centres (output o samples input position (o + 0.5) / factor − 0.5, clamped
// at 0, with the neighbour clamped at the border: PyTorch's align_corners=False and
// TensorFlow 2's tf.image.resize). OpenMP over the batch.
#include <algorithm>
#include <cstddef>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/shape.hpp"

namespace latentlab::cpu {

// An output position along one axis reads (1 − weight)·in[first] + weight·in[second].
struct LinearTap {
    int first = 0, second = 0;
    double weight = 0;
};
constexpr LinearTap bilinear_tap(int o, int factor, int in) {
    double source = (o + 0.5) / factor - 0.5;
    if (source < 0) source = 0;
    const int first = static_cast<int>(source);  // floor: source >= 0
    return {first, first < in - 1 ? first + 1 : first, source - first};
}

template <class T>
void upsample_nearest_forward(const Cpu& cpu, Dims in, int factor, const T* x, T* y, std::size_t batch) {
    const int width = in.width * factor, channels = in.channels;
    const std::size_t in_size = in.size(), out_size = in_size * factor * factor;
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            const T* image = x + n * in_size;
            T* out = y + n * out_size;
            for (int oy = 0; oy < in.height * factor; ++oy) {
                const T* row = image + static_cast<std::size_t>(oy / factor) * in.width * channels;
                for (int ox = 0; ox < width; ++ox, out += channels)
                    std::copy_n(row + (ox / factor) * channels, channels, out);
            }
        }
    });
}

// dx = the sum of dy over each factor × factor block.
template <class T>
void upsample_nearest_backward(const Cpu& cpu, Dims in, int factor, const T* dy, T* dx, std::size_t batch) {
    const int width = in.width * factor, channels = in.channels;
    const std::size_t in_size = in.size(), out_size = in_size * factor * factor;
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            T* image = dx + n * in_size;
            std::fill_n(image, in_size, T(0));
            const T* grad = dy + n * out_size;
            for (int oy = 0; oy < in.height * factor; ++oy) {
                T* row = image + static_cast<std::size_t>(oy / factor) * in.width * channels;
                for (int ox = 0; ox < width; ++ox, grad += channels) {
                    T* pixel = row + (ox / factor) * channels;
                    for (int c = 0; c < channels; ++c) pixel[c] += grad[c];
                }
            }
        }
    });
}

template <class T>
void upsample_bilinear_forward(const Cpu& cpu, Dims in, int factor, const T* x, T* y, std::size_t batch) {
    const int channels = in.channels;
    const std::size_t in_size = in.size(), out_size = in_size * factor * factor;
    const auto at = [=](const T* image, int row, int col) {
        return image + (static_cast<std::size_t>(row) * in.width + col) * channels;
    };
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            const T* image = x + n * in_size;
            T* out = y + n * out_size;
            for (int oy = 0; oy < in.height * factor; ++oy) {
                const LinearTap ty = bilinear_tap(oy, factor, in.height);
                const T wy1 = static_cast<T>(ty.weight), wy0 = T(1) - wy1;
                for (int ox = 0; ox < in.width * factor; ++ox, out += channels) {
                    const LinearTap tx = bilinear_tap(ox, factor, in.width);
                    const T wx1 = static_cast<T>(tx.weight), wx0 = T(1) - wx1;
                    const T *p00 = at(image, ty.first, tx.first), *p01 = at(image, ty.first, tx.second);
                    const T *p10 = at(image, ty.second, tx.first), *p11 = at(image, ty.second, tx.second);
                    for (int c = 0; c < channels; ++c)
                        out[c] = wy0 * (wx0 * p00[c] + wx1 * p01[c]) + wy1 * (wx0 * p10[c] + wx1 * p11[c]);
                }
            }
        }
    });
}

// The adjoint of the forward: each dy spreads over its four source pixels with the same weights.
template <class T>
void upsample_bilinear_backward(const Cpu& cpu, Dims in, int factor, const T* dy, T* dx, std::size_t batch) {
    const int channels = in.channels;
    const std::size_t in_size = in.size(), out_size = in_size * factor * factor;
    const auto at = [=](T* image, int row, int col) {
        return image + (static_cast<std::size_t>(row) * in.width + col) * channels;
    };
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        for (std::size_t n = begin; n < end; ++n) {
            T* image = dx + n * in_size;
            std::fill_n(image, in_size, T(0));
            const T* grad = dy + n * out_size;
            for (int oy = 0; oy < in.height * factor; ++oy) {
                const LinearTap ty = bilinear_tap(oy, factor, in.height);
                const T wy1 = static_cast<T>(ty.weight), wy0 = T(1) - wy1;
                for (int ox = 0; ox < in.width * factor; ++ox, grad += channels) {
                    const LinearTap tx = bilinear_tap(ox, factor, in.width);
                    const T wx1 = static_cast<T>(tx.weight), wx0 = T(1) - wx1;
                    T *p00 = at(image, ty.first, tx.first), *p01 = at(image, ty.first, tx.second);
                    T *p10 = at(image, ty.second, tx.first), *p11 = at(image, ty.second, tx.second);
                    for (int c = 0; c < channels; ++c) {
                        const T g = grad[c];
                        p00[c] += wy0 * wx0 * g;
                        p01[c] += wy0 * wx1 * g;
                        p10[c] += wy1 * wx0 * g;
                        p11[c] += wy1 * wx1 * g;
                    }
                }
            }
        }
    });
}

}  // namespace latentlab::cpu
