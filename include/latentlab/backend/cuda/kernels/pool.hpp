#pragma once
// Kernels of the "pool" family (wrappers in backend/cuda/pool.hpp): max pooling with an int32
// argmax, average pooling over the real (unpadded) elements of each window, global average
// pooling; NHWC, one thread per value written. Backward passes are gathers: one thread per
// input value sums, over the windows that hold it, in the order in which the CPU's scatter
// adds them. Every window kernel takes the geometry as
//   in_height, in_width, channels, out_height, out_width, kernel_rows, kernel_cols,
//   stride_rows, stride_cols, pad_top, pad_left.
#include "latentlab/backend/cuda/kernels/nhwc.hpp"
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr auto pool_code = with_nhwc_index(R"CUDA(
// Positions [begin, end) of an axis.
struct Span { int begin, end; };

// The real input positions under output position o of an axis (backend/cpu/pool.hpp's real_span).
__device__ __forceinline__ Span real_span(int o, int kernel, int stride, int pad, int in) {
    const int start = o * stride - pad;
    Span s;
    s.begin = start > 0 ? start : 0;
    s.end = start + kernel < in ? start + kernel : in;
    return s;
}

// The output positions whose windows hold input position i of an axis: o·stride − pad ≤ i <
// o·stride − pad + kernel.
__device__ __forceinline__ Span covering_span(int i, int kernel, int stride, int pad, int out) {
    const int low = i + pad - kernel + 1, last = (i + pad) / stride;
    Span s;
    s.begin = low > 0 ? (low + stride - 1) / stride : 0;
    s.end = last < out ? last + 1 : out;
    return s;
}

// y = max over each window, argmax = the index (row·in_width + col)·channels + channel of that
// maximum inside its image; n = output values. Ties keep the first maximum in row-major
// window order; a NaN wins and stays (the CPU's rule, PyTorch's).
extern "C" __global__ void max_pool_forward(const float* __restrict__ x, float* __restrict__ y,
                                            int* __restrict__ argmax, int in_height, int in_width, int channels,
                                            int out_height, int out_width, int kernel_rows, int kernel_cols,
                                            int stride_rows, int stride_cols, int pad_top, int pad_left, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const NhwcIndex o = nhwc_index(i, out_height, out_width, channels);
        const Span rows = real_span(o.row, kernel_rows, stride_rows, pad_top, in_height);
        const Span cols = real_span(o.col, kernel_cols, stride_cols, pad_left, in_width);
        const float* image = x + o.image * in_height * in_width * channels;
        int where = (rows.begin * in_width + cols.begin) * channels + o.channel;
        float best = image[where];
        for (int iy = rows.begin; iy < rows.end; ++iy)
            for (int ix = iy == rows.begin ? cols.begin + 1 : cols.begin; ix < cols.end; ++ix) {
                const int at = (iy * in_width + ix) * channels + o.channel;
                const float v = image[at];
                if (best == best && !(best >= v)) {
                    best = v;
                    where = at;
                }
            }
        y[i] = best;
        argmax[i] = where;
    }
}

// dx = Σ dy over the windows holding each input value whose argmax is that value; n = input values.
extern "C" __global__ void max_pool_backward(const float* __restrict__ dy, const int* __restrict__ argmax,
                                             float* __restrict__ dx, int in_height, int in_width, int channels,
                                             int out_height, int out_width, int kernel_rows, int kernel_cols,
                                             int stride_rows, int stride_cols, int pad_top, int pad_left, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const NhwcIndex p = nhwc_index(i, in_height, in_width, channels);
        const int self = (p.row * in_width + p.col) * channels + p.channel;
        const Span rows = covering_span(p.row, kernel_rows, stride_rows, pad_top, out_height);
        const Span cols = covering_span(p.col, kernel_cols, stride_cols, pad_left, out_width);
        const i64 image = p.image * out_height * out_width * channels + p.channel;
        float sum = 0.0f;
        for (int oy = rows.begin; oy < rows.end; ++oy)
            for (int ox = cols.begin; ox < cols.end; ++ox) {
                const i64 o = image + ((i64)oy * out_width + ox) * channels;
                if (argmax[o] == self) sum += dy[o];
            }
        dx[i] = sum;
    }
}

// y = mean of the real elements of each window; n = output values.
extern "C" __global__ void avg_pool_forward(const float* __restrict__ x, float* __restrict__ y, int in_height,
                                            int in_width, int channels, int out_height, int out_width,
                                            int kernel_rows, int kernel_cols, int stride_rows, int stride_cols,
                                            int pad_top, int pad_left, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const NhwcIndex o = nhwc_index(i, out_height, out_width, channels);
        const Span rows = real_span(o.row, kernel_rows, stride_rows, pad_top, in_height);
        const Span cols = real_span(o.col, kernel_cols, stride_cols, pad_left, in_width);
        const float* image = x + o.image * in_height * in_width * channels + o.channel;
        float sum = 0.0f;
        for (int iy = rows.begin; iy < rows.end; ++iy)
            for (int ix = cols.begin; ix < cols.end; ++ix) sum += image[(iy * in_width + ix) * channels];
        y[i] = sum * (1.0f / (float)((rows.end - rows.begin) * (cols.end - cols.begin)));
    }
}

// dx = Σ over the windows holding each input value of dy / (that window's real count); n = input values.
extern "C" __global__ void avg_pool_backward(const float* __restrict__ dy, float* __restrict__ dx, int in_height,
                                             int in_width, int channels, int out_height, int out_width,
                                             int kernel_rows, int kernel_cols, int stride_rows, int stride_cols,
                                             int pad_top, int pad_left, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const NhwcIndex p = nhwc_index(i, in_height, in_width, channels);
        const Span rows = covering_span(p.row, kernel_rows, stride_rows, pad_top, out_height);
        const Span cols = covering_span(p.col, kernel_cols, stride_cols, pad_left, out_width);
        const float* grad = dy + p.image * out_height * out_width * channels + p.channel;
        float sum = 0.0f;
        for (int oy = rows.begin; oy < rows.end; ++oy) {
            const Span window_rows = real_span(oy, kernel_rows, stride_rows, pad_top, in_height);
            for (int ox = cols.begin; ox < cols.end; ++ox) {
                const Span window_cols = real_span(ox, kernel_cols, stride_cols, pad_left, in_width);
                const float scale = 1.0f / (float)((window_rows.end - window_rows.begin) *
                                                   (window_cols.end - window_cols.begin));
                sum += scale * grad[((i64)oy * out_width + ox) * channels];
            }
        }
        dx[i] = sum;
    }
}

// y[image, c] = mean over the pixels of the image, accumulated in double; n = images · channels.
extern "C" __global__ void global_avg_pool_forward(const float* __restrict__ x, float* __restrict__ y, i64 pixels,
                                                   int channels, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const i64 image = i / channels;
        const float* in = x + image * pixels * channels + (i - image * channels);
        double sum = 0.0;
        for (i64 p = 0; p < pixels; ++p) sum += (double)in[p * channels];
        y[i] = (float)(sum / (double)pixels);
    }
}

// dx[image, p, c] = dy[image, c] · scale (= 1 / pixels); n = input values.
extern "C" __global__ void global_avg_pool_backward(const float* __restrict__ dy, float* __restrict__ dx, i64 pixels,
                                                    int channels, float scale, i64 n) {
    for (i64 i = first_index(); i < n; i += index_stride()) {
        const i64 pixel = i / channels, image = pixel / pixels;
        dx[i] = dy[image * channels + (i - pixel * channels)] * scale;
    }
}
)CUDA");
inline constexpr KernelSource pool_kernels{"pool", pool_code.data()};

}  // namespace latentlab::cuda
