#pragma once
// Kernels of BatchNorm2d (wrappers in backend/cuda/batch_norm.hpp). The per-channel sums are
// two-pass reductions (reduction.hpp) accumulated in double, as the CPU's are, and the
// per-channel statistics repeat the CPU's double arithmetic step by step, so that the two
// backends agree to float rounding.
#include "latentlab/backend/cuda/kernels/source.hpp"

namespace latentlab::cuda {

inline constexpr KernelSource batch_norm_kernels{"batch_norm", R"CUDA(
// Element i of an NHWC batch belongs to channel i % channels; in the pass-1 kernels
// stride = chunks · channels, so element at and partial sum i share the channel of i.

// Pass 1 of the mean: partial[i] = Σ_j x[i + j·stride].
extern "C" __global__ void batch_norm_sum_partial(const float* x, double* partial, i64 total, i64 stride) {
    for (i64 i = first_index(); i < stride; i += index_stride()) {
        double sum = 0.0;
        for (i64 at = i; at < total; at += stride) sum += (double)x[at];
        partial[i] = sum;
    }
}

// Pass 2 of the mean: mean[c] = Σ_k partial[k·channels + c] / rows, rounded to float.
extern "C" __global__ void batch_norm_mean(const double* partial, float* mean, int chunks, int channels, i64 rows) {
    for (i64 c = first_index(); c < channels; c += index_stride()) {
        double sum = 0.0;
        for (int k = 0; k < chunks; ++k) sum += partial[(i64)k * channels + c];
        mean[c] = (float)(sum / (double)rows);
    }
}

// Pass 1 of the variance around that rounded mean: with d = x − mean,
// partial[i] = Σ d and partial[stride + i] = Σ d².
extern "C" __global__ void batch_norm_deviation_partial(const float* x, const float* mean, double* partial, i64 total,
                                                        i64 stride, int channels) {
    for (i64 i = first_index(); i < stride; i += index_stride()) {
        const double centre = (double)mean[i % channels];
        double sum = 0.0, squares = 0.0;
        for (i64 at = i; at < total; at += stride) {
            const double d = (double)x[at] - centre;
            sum += d;
            squares += d * d;
        }
        partial[i] = sum;
        partial[stride + i] = squares;
    }
}

// Pass 2 of the variance, per channel: the batch mean (the rounded mean corrected by the mean
// deviation), the biased variance, 1/sqrt(var + epsilon), gamma·inv_std, and the running
// statistics moved by `momentum` (the variance unbiased).
extern "C" __global__ void batch_norm_batch_statistics(const double* partial, const float* gamma, float* mean,
                                                       float* inv_std, float* scale, float* running_mean,
                                                       float* running_var, i64 stride, int chunks, int channels,
                                                       i64 rows, double epsilon, double momentum) {
    for (i64 c = first_index(); c < channels; c += index_stride()) {
        double sum = 0.0, squares = 0.0;
        for (int k = 0; k < chunks; ++k) {
            sum += partial[(i64)k * channels + c];
            squares += partial[stride + (i64)k * channels + c];
        }
        const double count = (double)rows;
        const double shift = sum / count;
        const double spread = squares / count - shift * shift;
        const double variance = spread < 0.0 ? 0.0 : spread;
        const double batch_mean = (double)mean[c] + shift;
        mean[c] = (float)batch_mean;
        inv_std[c] = (float)(1.0 / sqrt(variance + epsilon));
        scale[c] = gamma[c] * inv_std[c];
        const double unbiased = count > 1.0 ? variance * count / (count - 1.0) : variance;
        running_mean[c] = (float)((1.0 - momentum) * (double)running_mean[c] + momentum * batch_mean);
        running_var[c] = (float)((1.0 - momentum) * (double)running_var[c] + momentum * unbiased);
    }
}

// Evaluation: the running statistics in place of the batch's.
extern "C" __global__ void batch_norm_running_statistics(const float* gamma, const float* running_mean,
                                                         const float* running_var, float* mean, float* inv_std,
                                                         float* scale, int channels, double epsilon) {
    for (i64 c = first_index(); c < channels; c += index_stride()) {
        mean[c] = running_mean[c];
        inv_std[c] = (float)(1.0 / sqrt((double)running_var[c] + epsilon));
        scale[c] = gamma[c] * inv_std[c];
    }
}

// y = (x − mean)·scale + beta.
extern "C" __global__ void batch_norm_normalize(const float* x, const float* mean, const float* scale,
                                                const float* beta, float* y, i64 total, int channels) {
    for (i64 i = first_index(); i < total; i += index_stride()) {
        const int c = (int)(i % channels);
        y[i] = (x[i] - mean[c]) * scale[c] + beta[c];
    }
}

// Pass 1 of backward: partial[i] = Σ dy, partial[stride + i] = Σ dy·x̂ with x̂ = (x − mean)·inv_std.
extern "C" __global__ void batch_norm_backward_partial(const float* x, const float* dy, const float* mean,
                                                       const float* inv_std, double* partial, i64 total, i64 stride,
                                                       int channels) {
    for (i64 i = first_index(); i < stride; i += index_stride()) {
        const int c = (int)(i % channels);
        const float centre = mean[c], factor = inv_std[c];
        double sum = 0.0, weighted = 0.0;
        for (i64 at = i; at < total; at += stride) {
            const double g = (double)dy[at];
            sum += g;
            weighted += g * (double)((x[at] - centre) * factor);
        }
        partial[i] = sum;
        partial[stride + i] = weighted;
    }
}

// Pass 2 of backward, per channel: dbeta += Σ dy, dgamma += Σ dy·x̂, and for dx the means
// means[c] = Σ dy / rows, means[channels + c] = Σ dy·x̂ / rows, rounded to float.
extern "C" __global__ void batch_norm_parameter_gradients(const double* partial, float* means, float* dgamma,
                                                          float* dbeta, i64 stride, int chunks, int channels,
                                                          i64 rows) {
    for (i64 c = first_index(); c < channels; c += index_stride()) {
        double sum = 0.0, weighted = 0.0;
        for (int k = 0; k < chunks; ++k) {
            sum += partial[(i64)k * channels + c];
            weighted += partial[stride + (i64)k * channels + c];
        }
        dbeta[c] += (float)sum;
        dgamma[c] += (float)weighted;
        means[c] = (float)(sum / (double)rows);
        means[channels + c] = (float)(weighted / (double)rows);
    }
}

// dx = scale·(dy − mean(dy) − x̂·mean(dy·x̂)) in training (the batch statistics depend on x),
// dx = scale·dy in evaluation.
extern "C" __global__ void batch_norm_input_gradient(const float* x, const float* dy, const float* mean,
                                                     const float* inv_std, const float* scale, const float* means,
                                                     float* dx, i64 total, int channels, int training) {
    for (i64 i = first_index(); i < total; i += index_stride()) {
        const int c = (int)(i % channels);
        if (training) {
            const float xhat = (x[i] - mean[c]) * inv_std[c];
            dx[i] = scale[c] * (dy[i] - means[c] - xhat * means[channels + c]);
        } else {
            dx[i] = scale[c] * dy[i];
        }
    }
}
)CUDA"};

}  // namespace latentlab::cuda
