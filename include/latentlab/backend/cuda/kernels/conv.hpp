#pragma once
// Kernels around cuDNN's convolutions (backend/cuda/conv.hpp): the weight layout change
// between our HWIO and cuDNN's NHWC filter layout (KRSC: out, rows, cols, in), and explicit
// zero padding / cropping for windows whose padding differs before and after (TensorFlow's
// 'same' for even kernels), which cuDNN's symmetric padding cannot express.
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr KernelSource conv_kernels{"conv", R"CUDA(
// krsc[o][t][i] = hwio[t][i][o], t = tap (row·K + col).
extern "C" __global__ void krsc_from_hwio(const float* __restrict__ hwio, float* __restrict__ krsc, int taps,
                                          int in, int out) {
    const i64 n = (i64)taps * in * out;
    for (i64 k = first_index(); k < n; k += index_stride()) {
        const i64 o = k / ((i64)taps * in);
        const i64 rest = k - o * taps * in;
        krsc[k] = hwio[rest * out + o];
    }
}

// hwio[t][i][o] += krsc[o][t][i]: a weight gradient from cuDNN's layout, accumulated.
extern "C" __global__ void hwio_add_krsc(const float* __restrict__ krsc, float* __restrict__ hwio, int taps, int in,
                                         int out) {
    const i64 n = (i64)taps * in * out;
    for (i64 k = first_index(); k < n; k += index_stride()) {
        const i64 o = k % out;
        const i64 rest = k / out;
        hwio[k] += krsc[o * taps * in + rest];
    }
}

// padded[n][y][x][c] = image[n][y − top][x − left][c] inside the image, 0 outside.
extern "C" __global__ void pad_nhwc(const float* __restrict__ image, float* __restrict__ padded, i64 batch,
                                    int height, int width, int channels, int top, int left, int padded_height,
                                    int padded_width) {
    const i64 n = batch * padded_height * padded_width * channels;
    for (i64 k = first_index(); k < n; k += index_stride()) {
        const int c = (int)(k % channels);
        const i64 pixel = k / channels;
        const int x = (int)(pixel % padded_width) - left;
        const i64 row = pixel / padded_width;
        const int y = (int)(row % padded_height) - top;
        const i64 image_index = row / padded_height;
        padded[k] = (y >= 0 && y < height && x >= 0 && x < width)
                        ? image[((image_index * height + y) * width + x) * channels + c]
                        : 0.0f;
    }
}

// image[n][y][x][c] = padded[n][y + top][x + left][c].
extern "C" __global__ void crop_nhwc(const float* __restrict__ padded, float* __restrict__ image, i64 batch,
                                     int height, int width, int channels, int top, int left, int padded_height,
                                     int padded_width) {
    const i64 n = batch * height * width * channels;
    for (i64 k = first_index(); k < n; k += index_stride()) {
        const int c = (int)(k % channels);
        const i64 pixel = k / channels;
        const int x = (int)(pixel % width);
        const i64 row = pixel / width;
        const int y = (int)(row % height);
        const i64 image_index = row / height;
        image[k] = padded[((image_index * padded_height + y + top) * padded_width + x + left) * channels + c];
    }
}
)CUDA"};

}  // namespace latentlab::cuda
