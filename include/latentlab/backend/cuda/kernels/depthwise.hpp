#pragma once
// Kernels of DepthwiseConv2d (wrappers in backend/cuda/depthwise.hpp). NHWC input with C
// channels, weights [KH, KW, C, M], output channel j = c·M + m. Each kernel ends with the
// window's geometry (as core/window.hpp's Window2d) in the same order.
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr KernelSource depthwise_kernels{"depthwise", R"CUDA(
// ∂L/∂(pre-activation) at output element `at`, f' read off the output y (not read for identity).
__device__ __forceinline__ float depthwise_output_gradient(const float* y, const float* dy, i64 at, int kind,
                                                           float alpha) {
    return kind == 0 ? dy[at] : activation_gradient(kind, alpha, y[at], dy[at]);
}

// One thread per output element: y = act(bias + Σ over the taps inside the image of x · w),
// the taps in row-major order; bias may be null.
extern "C" __global__ void depthwise_output(const float* x, const float* w, const float* bias, float* y, i64 total,
                                           int kind, float alpha, int height, int width, int channels,
                                           int multiplier, int out_height, int out_width, int kernel_rows,
                                           int kernel_cols, int stride_rows, int stride_cols, int dilation_rows,
                                           int dilation_cols, int pad_top, int pad_left) {
    const int cm = channels * multiplier;
    for (i64 i = first_index(); i < total; i += index_stride()) {
        const int j = (int)(i % cm);
        const i64 pixel = i / cm;
        const int ox = (int)(pixel % out_width);
        const int oy = (int)(pixel / out_width % out_height);
        const i64 n = pixel / ((i64)out_width * out_height);
        const float* image = x + n * height * width * channels + j / multiplier;
        float sum = bias ? bias[j] : 0.0f;
        for (int ky = 0; ky < kernel_rows; ++ky) {
            const int iy = oy * stride_rows - pad_top + ky * dilation_rows;
            if (iy < 0 || iy >= height) continue;
            for (int kx = 0; kx < kernel_cols; ++kx) {
                const int ix = ox * stride_cols - pad_left + kx * dilation_cols;
                if (ix < 0 || ix >= width) continue;
                sum += image[((i64)iy * width + ix) * channels] * w[(ky * kernel_cols + kx) * cm + j];
            }
        }
        y[i] = activate(kind, alpha, sum);
    }
}

// One thread per input element: dx[n, iy, ix, c] = Σ_m Σ over the output pixels whose window
// covers (iy, ix) of w · dz, a gather instead of the CPU's scatter. The output pixels come in
// increasing order (taps in decreasing order) and each m is summed on its own before the m
// are added, as the CPU accumulates them.
extern "C" __global__ void depthwise_input_gradient(const float* y, const float* dy, const float* w, float* dx,
                                                    i64 total, int kind, float alpha, int height, int width,
                                                    int channels, int multiplier, int out_height, int out_width,
                                                    int kernel_rows, int kernel_cols, int stride_rows,
                                                    int stride_cols, int dilation_rows, int dilation_cols,
                                                    int pad_top, int pad_left) {
    const int cm = channels * multiplier;
    for (i64 i = first_index(); i < total; i += index_stride()) {
        const int c = (int)(i % channels);
        const i64 pixel = i / channels;
        const int ix = (int)(pixel % width);
        const int iy = (int)(pixel / width % height);
        const i64 out_image = pixel / ((i64)width * height) * out_height * out_width * cm;
        float gradient = 0.0f;
        for (int m = 0; m < multiplier; ++m) {
            const int j = c * multiplier + m;
            float sum = 0.0f;
            for (int ky = kernel_rows - 1; ky >= 0; --ky) {
                const int ty = iy + pad_top - ky * dilation_rows;
                if (ty < 0 || ty % stride_rows != 0 || ty / stride_rows >= out_height) continue;
                for (int kx = kernel_cols - 1; kx >= 0; --kx) {
                    const int tx = ix + pad_left - kx * dilation_cols;
                    if (tx < 0 || tx % stride_cols != 0 || tx / stride_cols >= out_width) continue;
                    const i64 at = out_image + ((i64)(ty / stride_rows) * out_width + tx / stride_cols) * cm + j;
                    sum += w[(ky * kernel_cols + kx) * cm + j] * depthwise_output_gradient(y, dy, at, kind, alpha);
                }
            }
            gradient += sum;
        }
        dx[i] = gradient;
    }
}

// Pass 1 of the weight and bias gradients: column (tap, j) < columns = taps · C·M, where tap
// K·K (present when taps = K·K + 1) is the bias; partial[k·columns + column] sums the output
// pixels p = k, k + chunks, ... of the batch (stride = chunks · columns).
extern "C" __global__ void depthwise_parameter_gradient_partial(const float* x, const float* y, const float* dy,
                                                                float* partial, i64 positions, i64 stride,
                                                                int taps, int kind, float alpha, int height,
                                                                int width, int channels, int multiplier,
                                                                int out_height, int out_width, int kernel_rows,
                                                                int kernel_cols, int stride_rows, int stride_cols,
                                                                int dilation_rows, int dilation_cols, int pad_top,
                                                                int pad_left) {
    const int cm = channels * multiplier;
    const i64 columns = (i64)taps * cm;
    const i64 chunks = stride / columns;
    for (i64 i = first_index(); i < stride; i += index_stride()) {
        const int j = (int)(i % cm);
        const int tap = (int)(i / cm % taps);
        const int ky = tap / kernel_cols, kx = tap % kernel_cols;
        const bool is_bias = ky == kernel_rows;
        const float* input = x + j / multiplier;
        float sum = 0.0f;
        for (i64 p = i / columns; p < positions; p += chunks) {
            const float g = depthwise_output_gradient(y, dy, p * cm + j, kind, alpha);
            if (is_bias) {
                sum += g;
                continue;
            }
            const int ox = (int)(p % out_width);
            const int oy = (int)(p / out_width % out_height);
            const int iy = oy * stride_rows - pad_top + ky * dilation_rows;
            const int ix = ox * stride_cols - pad_left + kx * dilation_cols;
            if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
            const i64 n = p / ((i64)out_width * out_height);
            sum += input[((n * height + iy) * width + ix) * channels] * g;
        }
        partial[i] = sum;
    }
}

// Pass 2: dw[column] += Σ_k partial[k·columns + column] for the K·K taps, db[j] for the bias.
extern "C" __global__ void depthwise_parameter_gradient_total(const float* partial, float* dw, float* db, i64 columns,
                                                              int chunks, int weights) {
    for (i64 i = first_index(); i < columns; i += index_stride()) {
        float sum = 0.0f;
        for (int k = 0; k < chunks; ++k) sum += partial[(i64)k * columns + i];
        if (i < weights) dw[i] += sum;
        else db[i - weights] += sum;
    }
}
)CUDA"};

}  // namespace latentlab::cuda
