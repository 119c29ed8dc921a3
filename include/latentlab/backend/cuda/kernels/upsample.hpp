#pragma once
// Kernels of the "upsample" family (wrappers in backend/cuda/upsample.hpp): nearest and
// bilinear (half-pixel centres) upsampling by an integer factor, NHWC. Backward is a gather:
// one thread per input value sums the output gradients that read it, in the order in which
// the CPU's scatter adds them.
#include "latentlab/backend/cuda/kernels/nhwc.hpp"
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr auto upsample_code = with_nhwc_index(R"CUDA(
// Output position o of an axis reads (1 − weight)·in[first] + weight·in[second], as
// bilinear_tap of backend/cpu/upsample.hpp (the position in double there too).
struct Tap { int first, second; float weight; };
__device__ __forceinline__ Tap bilinear_tap(int o, int factor, int in) {
    double source = (o + 0.5) / factor - 0.5;
    if (source < 0) source = 0;
    Tap t;
    t.first = (int)source;
    t.second = t.first < in - 1 ? t.first + 1 : t.first;
    t.weight = (float)(source - t.first);
    return t;
}

// The output positions [begin, end) of an axis whose taps read input position r: those whose
// first tap is r − 1 or r, i.e. whose position (2o + 1 − factor) / (2·factor) lies in [r − 1, r + 1).
struct Range { int begin, end; };
__device__ __forceinline__ Range reading_range(int r, int factor, int out) {
    Range range;
    range.begin = r > 0 ? (2 * factor * (r - 1) + factor) / 2 : 0;
    const int end = (2 * factor * (r + 1) + factor) / 2;
    range.end = end < out ? end : out;
    return range;
}

// y (n values) = x (height × width × channels images) repeated factor × factor times.
extern "C" __global__ void upsample_nearest_forward(const float* __restrict__ x, float* __restrict__ y, int height,
                                                    int width, int channels, int factor, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const NhwcIndex o = nhwc_index(i, height * factor, width * factor, channels);
        y[i] = x[((o.image * height + o.row / factor) * width + o.col / factor) * channels + o.channel];
    }
}

// dx (n values) = the sum of dy over each factor × factor block, in row-major order.
extern "C" __global__ void upsample_nearest_backward(const float* __restrict__ dy, float* __restrict__ dx, int height,
                                                     int width, int channels, int factor, i64 n) {
    const int out_width = width * factor;
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const NhwcIndex p = nhwc_index(i, height, width, channels);
        const float* block =
            dy + ((p.image * height * factor + (i64)p.row * factor) * out_width + (i64)p.col * factor) * channels +
            p.channel;
        float sum = 0.0f;
        for (int r = 0; r < factor; ++r)
            for (int c = 0; c < factor; ++c) sum += block[((i64)r * out_width + c) * channels];
        dx[i] = sum;
    }
}

extern "C" __global__ void upsample_bilinear_forward(const float* __restrict__ x, float* __restrict__ y, int height,
                                                     int width, int channels, int factor, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const NhwcIndex o = nhwc_index(i, height * factor, width * factor, channels);
        const Tap ty = bilinear_tap(o.row, factor, height), tx = bilinear_tap(o.col, factor, width);
        const float wy1 = ty.weight, wy0 = 1.0f - wy1, wx1 = tx.weight, wx0 = 1.0f - wx1;
        const float* image = x + o.image * height * width * channels + o.channel;
        const float p00 = image[((i64)ty.first * width + tx.first) * channels];
        const float p01 = image[((i64)ty.first * width + tx.second) * channels];
        const float p10 = image[((i64)ty.second * width + tx.first) * channels];
        const float p11 = image[((i64)ty.second * width + tx.second) * channels];
        y[i] = wy0 * (wx0 * p00 + wx1 * p01) + wy1 * (wx0 * p10 + wx1 * p11);
    }
}

// The adjoint of the forward.
extern "C" __global__ void upsample_bilinear_backward(const float* __restrict__ dy, float* __restrict__ dx,
                                                      int height, int width, int channels, int factor, i64 n) {
    const int out_height = height * factor, out_width = width * factor;
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const NhwcIndex p = nhwc_index(i, height, width, channels);
        const float* grad = dy + p.image * out_height * out_width * channels + p.channel;
        const Range rows = reading_range(p.row, factor, out_height), cols = reading_range(p.col, factor, out_width);
        float sum = 0.0f;
        for (int oy = rows.begin; oy < rows.end; ++oy) {
            const Tap ty = bilinear_tap(oy, factor, height);
            const float wy1 = ty.weight, wy0 = 1.0f - wy1;
            for (int ox = cols.begin; ox < cols.end; ++ox) {
                const Tap tx = bilinear_tap(ox, factor, width);
                const float wx1 = tx.weight, wx0 = 1.0f - wx1;
                const float g = grad[((i64)oy * out_width + ox) * channels];
                if (ty.first == p.row && tx.first == p.col) sum += wy0 * wx0 * g;
                if (ty.first == p.row && tx.second == p.col) sum += wy0 * wx1 * g;
                if (ty.second == p.row && tx.first == p.col) sum += wy1 * wx0 * g;
                if (ty.second == p.row && tx.second == p.col) sum += wy1 * wx1 * g;
            }
        }
        dx[i] = sum;
    }
}
)CUDA");
inline constexpr KernelSource upsample_kernels{"upsample", upsample_code.data()};

}  // namespace latentlab::cuda
