#pragma once
// Convolutions and transposed convolutions on the GPU through cuDNN (NHWC, float).
//   - Weights: the layers keep Keras' HWIO (transposed convolutions HWOI, which is HWIO of
//     the equivalent convolution); cuDNN's NHWC filters are KRSC (out, rows, cols, in), so
//     forward converts once per call (weights are small) and the weight gradient is
//     converted back and added.
//   - Padding: cuDNN pads symmetrically. A window whose padding differs before and after
//     (TensorFlow's 'same' with an even kernel) runs on an explicitly zero-padded copy with
//     no padding, and gradients of the padded extent are cropped.
//   - Algorithms: searched once per shape and batch with cudnnFind* (the fastest that is
//     deterministic, so a run repeats bit for bit, and that fits the workspace cap) and
//     cached in the Context; searches happen when a network is planned, before any graph
//     capture. Without TF32 the descriptors ask for FMA math (exact float products).
//   - A transposed convolution is the backward-data pass of the convolution `g` that maps
//     its output back to its input: forward = backward data, backward data = forward.
// cuDNN 9 marks this (legacy) API deprecated; its headers warn only when
// CUDNN_WARN_DEPRECATED is defined, so the build stays warning-free with every other
// warning on.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <cudnn.h>

#include "latentlab/backend/cuda/bias.hpp"
#include "latentlab/backend/cuda/cuda.hpp"
#include "latentlab/backend/cuda/kernels/conv.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/core/workspace.hpp"
#include "latentlab/layers/activation.hpp"

namespace latentlab::cuda {

// Owning cuDNN descriptors.
class TensorDescriptor {
public:
    TensorDescriptor() { check(cudnnCreateTensorDescriptor(&descriptor_), "cudnnCreateTensorDescriptor"); }
    TensorDescriptor(const TensorDescriptor&) = delete;
    TensorDescriptor& operator=(const TensorDescriptor&) = delete;
    ~TensorDescriptor() { cudnnDestroyTensorDescriptor(descriptor_); }
    void set(int batch, int height, int width, int channels) {
        check(cudnnSetTensor4dDescriptor(descriptor_, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, batch, channels, height,
                                         width),
              "cudnnSetTensor4dDescriptor");
    }
    cudnnTensorDescriptor_t get() const { return descriptor_; }

private:
    cudnnTensorDescriptor_t descriptor_ = nullptr;
};

class FilterDescriptor {
public:
    FilterDescriptor() { check(cudnnCreateFilterDescriptor(&descriptor_), "cudnnCreateFilterDescriptor"); }
    FilterDescriptor(const FilterDescriptor&) = delete;
    FilterDescriptor& operator=(const FilterDescriptor&) = delete;
    ~FilterDescriptor() { cudnnDestroyFilterDescriptor(descriptor_); }
    void set(int out, int in, int rows, int cols) {
        check(cudnnSetFilter4dDescriptor(descriptor_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, out, in, rows, cols),
              "cudnnSetFilter4dDescriptor");
    }
    cudnnFilterDescriptor_t get() const { return descriptor_; }

private:
    cudnnFilterDescriptor_t descriptor_ = nullptr;
};

class ConvolutionDescriptor {
public:
    ConvolutionDescriptor() {
        check(cudnnCreateConvolutionDescriptor(&descriptor_), "cudnnCreateConvolutionDescriptor");
    }
    ConvolutionDescriptor(const ConvolutionDescriptor&) = delete;
    ConvolutionDescriptor& operator=(const ConvolutionDescriptor&) = delete;
    ~ConvolutionDescriptor() { cudnnDestroyConvolutionDescriptor(descriptor_); }
    void set(int pad_rows, int pad_cols, int stride_rows, int stride_cols, int dilation_rows, int dilation_cols) {
        check(cudnnSetConvolution2dDescriptor(descriptor_, pad_rows, pad_cols, stride_rows, stride_cols, dilation_rows,
                                              dilation_cols, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "cudnnSetConvolution2dDescriptor");
    }
    void set_math(cudnnMathType_t math) { check(cudnnSetConvolutionMathType(descriptor_, math), "cudnnSetConvolutionMathType"); }
    cudnnConvolutionDescriptor_t get() const { return descriptor_; }

private:
    cudnnConvolutionDescriptor_t descriptor_ = nullptr;
};

// How cuDNN sees the window g: the input side's extent (padded when the padding is
// asymmetric) and the padding cuDNN applies itself.
struct CudnnWindow {
    bool explicit_padding = false;
    int rows = 0, cols = 0;          // input-side extent cuDNN convolves
    int pad_rows = 0, pad_cols = 0;  // cuDNN's symmetric padding
};

constexpr CudnnWindow cudnn_window(const Window2d& g) {
    CudnnWindow w;
    w.explicit_padding = g.rows.pad_before != g.rows.pad_after || g.cols.pad_before != g.cols.pad_after;
    if (w.explicit_padding) {
        w.rows = g.rows.in + g.rows.pad_before + g.rows.pad_after;
        w.cols = g.cols.in + g.cols.pad_before + g.cols.pad_after;
    } else {
        w.rows = g.rows.in;
        w.cols = g.cols.in;
        w.pad_rows = g.rows.pad_before;
        w.pad_cols = g.cols.pad_before;
    }
    return w;
}

// The most workspace one convolution may ask for; cuDNN's fastest algorithms sometimes want
// gigabytes for a few percent.
inline constexpr std::size_t conv_workspace_cap = std::size_t{1} << 30;

// The descriptors of one convolution for the batch it last ran on, and its algorithms.
// Shared (not copied) between the measuring and carving plans and the layer.
class ConvDescriptors {
public:
    ConvDescriptors(const Cuda& cuda, const Window2d& g) : g_(g), window_(cudnn_window(g)), tf32_(cuda.tf32) {
        filter_.set(g.out_channels, g.in_channels, g.rows.kernel, g.cols.kernel);
        for (auto& conv : conv_) {
            conv.set(window_.pad_rows, window_.pad_cols, g.rows.stride, g.cols.stride, g.rows.dilation,
                     g.cols.dilation);
            conv.set_math(tf32_ ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH);
        }
    }

    // Sets the batch size and finds (or recalls) the algorithms for it; reserves their
    // workspace (which allocates only the first time a larger one is needed).
    void prepare(const Cuda& cuda, std::size_t batch) {
        if (batch == batch_) return;
        const int n = static_cast<int>(batch);
        input_.set(n, window_.rows, window_.cols, g_.in_channels);
        output_.set(n, g_.rows.out, g_.cols.out, g_.out_channels);
        const std::string shape = key(n);
        algorithms_ = cuda.context->conv_algorithms(shape, [&] { return find(*cuda.context, shape); });
        conv_[0].set_math(algorithms_.forward_math);
        conv_[1].set_math(algorithms_.backward_data_math);
        conv_[2].set_math(algorithms_.backward_filter_math);
        cuda.context->reserve(Context::Scratch::cudnn_workspace, algorithms_.workspace_bytes);
        batch_ = batch;
    }

    const Window2d& window() const { return g_; }
    const CudnnWindow& cudnn() const { return window_; }
    cudnnTensorDescriptor_t input() const { return input_.get(); }
    cudnnTensorDescriptor_t output() const { return output_.get(); }
    cudnnFilterDescriptor_t filter() const { return filter_.get(); }
    cudnnConvolutionDescriptor_t forward() const { return conv_[0].get(); }
    cudnnConvolutionDescriptor_t backward_data() const { return conv_[1].get(); }
    cudnnConvolutionDescriptor_t backward_filter() const { return conv_[2].get(); }
    const ConvAlgorithms& algorithms() const { return algorithms_; }

private:
    std::string key(int batch) const {
        std::string k = "n";
        k += std::to_string(batch);
        for (int v : {window_.rows, window_.cols, g_.in_channels, g_.rows.out, g_.cols.out, g_.out_channels,
                      g_.rows.kernel, g_.cols.kernel, window_.pad_rows, window_.pad_cols, g_.rows.stride, g_.cols.stride,
                      g_.rows.dilation, g_.cols.dilation, int(tf32_)}) {
            k += ',';
            k += std::to_string(v);
        }
        return k;
    }

    // Picks, of cuDNN's measured candidates (fastest first), the first that succeeded, is
    // deterministic, fits the cap and, without TF32, uses plain FMA math.
    template <class Perf>
    const Perf& choose(const Perf* candidates, int count, const char* what, const std::string& shape) const {
        for (int i = 0; i < count; ++i) {
            const Perf& p = candidates[i];
            if (p.status == CUDNN_STATUS_SUCCESS && p.determinism == CUDNN_DETERMINISTIC &&
                p.memory <= conv_workspace_cap && (tf32_ || p.mathType == CUDNN_FMA_MATH || p.mathType == CUDNN_DEFAULT_MATH))
                return p;
        }
        fail("cuDNN has no deterministic ", what, " algorithm within ", conv_workspace_cap >> 20,
             " MiB of workspace for the convolution (batch, extents, kernel, padding, stride, dilation, tf32) ",
             shape);
    }

    ConvAlgorithms find(Context& context, const std::string& shape) const {
        ConvAlgorithms a;
        cudnnConvolutionFwdAlgoPerf_t forward[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
        cudnnConvolutionBwdDataAlgoPerf_t data[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
        cudnnConvolutionBwdFilterAlgoPerf_t filter[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
        int count = 0;
        check(cudnnFindConvolutionForwardAlgorithm(context.cudnn(), input(), this->filter(), conv_[0].get(), output(),
                                                   CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, forward),
              "cudnnFindConvolutionForwardAlgorithm");
        const auto& f = choose(forward, count, "forward", shape);
        check(cudnnFindConvolutionBackwardDataAlgorithm(context.cudnn(), this->filter(), output(), conv_[1].get(),
                                                        input(), CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, data),
              "cudnnFindConvolutionBackwardDataAlgorithm");
        const auto& d = choose(data, count, "backward-data", shape);
        check(cudnnFindConvolutionBackwardFilterAlgorithm(context.cudnn(), input(), output(), conv_[2].get(),
                                                          this->filter(), CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                          &count, filter),
              "cudnnFindConvolutionBackwardFilterAlgorithm");
        const auto& w = choose(filter, count, "backward-filter", shape);
        a.forward = f.algo;
        a.backward_data = d.algo;
        a.backward_filter = w.algo;
        a.forward_math = f.mathType;
        a.backward_data_math = d.mathType;
        a.backward_filter_math = w.mathType;
        a.workspace_bytes = std::max({f.memory, d.memory, w.memory});
        return a;
    }

    Window2d g_;
    CudnnWindow window_;
    bool tf32_ = false;
    TensorDescriptor input_, output_;
    FilterDescriptor filter_;
    ConvolutionDescriptor conv_[3];  // forward, backward data, backward filter (math types may differ)
    ConvAlgorithms algorithms_;
    std::size_t batch_ = 0;
};

template <class T>
struct CudnnConvScratch {
    std::shared_ptr<ConvDescriptors> descriptors;
    T* weights = nullptr;           // KRSC copy of the weights, made by forward, used by backward
    T* weight_gradient = nullptr;   // KRSC weight gradient before it is added to the layer's
    T* padded = nullptr;            // explicitly padded input side (convolution: x; transposed: y before cropping)
    BiasGradientScratch bias{};
};

// bias_rows × bias_channels: the layer's output, where bias and activation apply.
template <class T>
CudnnConvScratch<T> conv_scratch_plan(const Cuda& cuda, Arena& arena, const Window2d& g, std::size_t batch,
                                      std::size_t bias_rows, int bias_channels) {
    static_assert(cuda_value_type<T>, "the CUDA backend runs float networks");
    CudnnConvScratch<T> s;
    const CudnnWindow w = cudnn_window(g);
    const std::size_t weights = std::size_t(g.kernel_area()) * g.in_channels * g.out_channels;
    s.weights = arena.take<T>(weights);
    s.weight_gradient = arena.take<T>(weights);
    const std::size_t padded = w.explicit_padding ? batch * w.rows * w.cols * g.in_channels : 0;
    s.padded = arena.take<T>(padded);
    const std::size_t input_side = batch * g.in().size(), output_side = batch * g.out().size();
    s.bias = bias_gradient_plan(cuda, arena, bias_rows, bias_channels);
    // Backward's buffers used inside one call only: shared by all layers (Context::Scratch).
    Context& context = *cuda.context;
    context.reserve(Context::Scratch::gradient, std::max(input_side, output_side) * sizeof(T));
    context.reserve(Context::Scratch::padded_gradient, padded * sizeof(T));
    if (!arena.measuring()) {
        s.descriptors = std::make_shared<ConvDescriptors>(cuda, g);
        s.descriptors->prepare(cuda, batch);
    }
    return s;
}

namespace conv_detail {

inline void to_krsc(const Cuda& cuda, const Window2d& g, const float* hwio, float* krsc) {
    launch(cuda, conv_kernels, "krsc_from_hwio", std::size_t(g.kernel_area()) * g.in_channels * g.out_channels,
           hwio, krsc, g.kernel_area(), g.in_channels, g.out_channels);
}
inline void add_hwio(const Cuda& cuda, const Window2d& g, const float* krsc, float* hwio) {
    launch(cuda, conv_kernels, "hwio_add_krsc", std::size_t(g.kernel_area()) * g.in_channels * g.out_channels, krsc,
           hwio, g.kernel_area(), g.in_channels, g.out_channels);
}
// Between the input side's real extent and the explicitly padded one.
inline void pad(const Cuda& cuda, const Window2d& g, const CudnnWindow& w, const float* image, float* padded,
                std::size_t batch) {
    launch(cuda, conv_kernels, "pad_nhwc", batch * w.rows * w.cols * g.in_channels, image, padded,
           static_cast<std::int64_t>(batch), g.rows.in, g.cols.in, g.in_channels, g.rows.pad_before,
           g.cols.pad_before, w.rows, w.cols);
}
inline void crop(const Cuda& cuda, const Window2d& g, const CudnnWindow& w, const float* padded, float* image,
                 std::size_t batch) {
    launch(cuda, conv_kernels, "crop_nhwc", batch * g.in().size(), padded, image, static_cast<std::int64_t>(batch),
           g.rows.in, g.cols.in, g.in_channels, g.rows.pad_before, g.cols.pad_before, w.rows, w.cols);
}

inline void* workspace(const Cuda& cuda) { return cuda.context->scratch(Context::Scratch::cudnn_workspace); }

// cuDNN's three passes on the descriptors' current batch. `input` is the input side
// (padded extent when explicit), `output` the output side; beta 0 overwrites.
inline void forward(const Cuda& cuda, const ConvDescriptors& d, const float* input, const float* krsc, float* output) {
    const float one = 1.0f, zero = 0.0f;
    check(cudnnConvolutionForward(cuda.context->cudnn(), &one, d.input(), input, d.filter(), krsc, d.forward(),
                                  d.algorithms().forward, workspace(cuda), d.algorithms().workspace_bytes, &zero,
                                  d.output(), output),
          "cudnnConvolutionForward");
}
inline void backward_data(const Cuda& cuda, const ConvDescriptors& d, const float* krsc, const float* output_gradient,
                          float* input_gradient) {
    const float one = 1.0f, zero = 0.0f;
    check(cudnnConvolutionBackwardData(cuda.context->cudnn(), &one, d.filter(), krsc, d.output(), output_gradient,
                                       d.backward_data(), d.algorithms().backward_data, workspace(cuda),
                                       d.algorithms().workspace_bytes, &zero, d.input(), input_gradient),
          "cudnnConvolutionBackwardData");
}
inline void backward_filter(const Cuda& cuda, const ConvDescriptors& d, const float* input, const float* output_gradient,
                            float* krsc_gradient) {
    const float one = 1.0f, zero = 0.0f;
    check(cudnnConvolutionBackwardFilter(cuda.context->cudnn(), &one, d.input(), input, d.output(), output_gradient,
                                         d.backward_filter(), d.algorithms().backward_filter, workspace(cuda),
                                         d.algorithms().workspace_bytes, &zero, d.filter(), krsc_gradient),
          "cudnnConvolutionBackwardFilter");
}

// dz = dy ⊙ f'(y) into the shared gradient scratch, or dy itself for the identity.
inline const float* activation_gradient_of(const Cuda& cuda, Activation act, const float* y, const float* dy,
                                           std::size_t count) {
    if (act.is_identity()) return dy;
    auto* dz = static_cast<float*>(cuda.context->scratch(Context::Scratch::gradient));
    activation_gradient(cuda, act, y, dy, dz, count);
    return dz;
}

}  // namespace conv_detail

// ---- Conv2d ----------------------------------------------------------------------------

template <class T>
CudnnConvScratch<T> conv2d_plan(const Cuda& cuda, Arena& arena, const Window2d& g, std::size_t batch) {
    return conv_scratch_plan<T>(cuda, arena, g, batch, batch * g.rows.out * g.cols.out, g.out_channels);
}
template <class T, Window2d G>
CudnnConvScratch<T> conv2d_plan(const Cuda& cuda, Arena& arena, std::size_t batch) {
    return conv2d_plan<T>(cuda, arena, G, batch);
}

// y = act(conv(x, w) + b); b may be null.
template <class T>
void conv2d_forward(const Cuda& cuda, const CudnnConvScratch<T>& s, const Window2d& g, Activation act, const T* x,
                    const T* w, const T* b, T* y, std::size_t batch) {
    ConvDescriptors& d = *s.descriptors;
    d.prepare(cuda, batch);
    conv_detail::to_krsc(cuda, g, w, s.weights);
    const T* input = x;
    if (d.cudnn().explicit_padding) {
        conv_detail::pad(cuda, g, d.cudnn(), x, s.padded, batch);
        input = s.padded;
    }
    conv_detail::forward(cuda, d, input, s.weights, y);
    bias_activation(cuda, act, b, y, batch * g.rows.out * g.cols.out, g.out_channels);
}

// Weight and bias gradients accumulate (+=); dx (when not null) is overwritten.
template <class T>
void conv2d_backward(const Cuda& cuda, const CudnnConvScratch<T>& s, const Window2d& g, Activation act, const T* x,
                     const T* y, const T* dy, const T*, T* dw, T* db, T* dx, std::size_t batch) {
    ConvDescriptors& d = *s.descriptors;
    d.prepare(cuda, batch);
    const std::size_t outputs = batch * g.out().size();
    const T* dz = conv_detail::activation_gradient_of(cuda, act, y, dy, outputs);
    if (db) bias_gradient(cuda, s.bias, dz, db, batch * g.rows.out * g.cols.out, g.out_channels);
    const bool padded = d.cudnn().explicit_padding;
    conv_detail::backward_filter(cuda, d, padded ? s.padded : x, dz, s.weight_gradient);
    conv_detail::add_hwio(cuda, g, s.weight_gradient, dw);
    if (!dx) return;
    if (!padded) {
        conv_detail::backward_data(cuda, d, s.weights, dz, dx);
        return;
    }
    auto* padded_dx = static_cast<T*>(cuda.context->scratch(Context::Scratch::padded_gradient));
    conv_detail::backward_data(cuda, d, s.weights, dz, padded_dx);
    conv_detail::crop(cuda, g, d.cudnn(), padded_dx, dx, batch);
}

// ---- ConvTranspose2d (g maps our output back to our input) ------------------------------

template <class T>
CudnnConvScratch<T> conv_transpose2d_plan(const Cuda& cuda, Arena& arena, const Window2d& g, std::size_t batch) {
    return conv_scratch_plan<T>(cuda, arena, g, batch, batch * g.rows.in * g.cols.in, g.in_channels);
}

template <class T>
void conv_transpose2d_forward(const Cuda& cuda, const CudnnConvScratch<T>& s, const Window2d& g, Activation act,
                              const T* x, const T* w, const T* b, T* y, std::size_t batch) {
    ConvDescriptors& d = *s.descriptors;
    d.prepare(cuda, batch);
    conv_detail::to_krsc(cuda, g, w, s.weights);
    if (d.cudnn().explicit_padding) {
        conv_detail::backward_data(cuda, d, s.weights, x, s.padded);
        conv_detail::crop(cuda, g, d.cudnn(), s.padded, y, batch);
    } else {
        conv_detail::backward_data(cuda, d, s.weights, x, y);
    }
    bias_activation(cuda, act, b, y, batch * g.rows.in * g.cols.in, g.in_channels);
}

template <class T>
void conv_transpose2d_backward(const Cuda& cuda, const CudnnConvScratch<T>& s, const Window2d& g, Activation act,
                               const T* x, const T* y, const T* dy, const T*, T* dw, T* db, T* dx,
                               std::size_t batch) {
    ConvDescriptors& d = *s.descriptors;
    d.prepare(cuda, batch);
    const T* dz = conv_detail::activation_gradient_of(cuda, act, y, dy, batch * g.in().size());
    if (db) bias_gradient(cuda, s.bias, dz, db, batch * g.rows.in * g.cols.in, g.in_channels);
    const T* input_side = dz;
    if (d.cudnn().explicit_padding) {
        auto* padded_dz = static_cast<T*>(cuda.context->scratch(Context::Scratch::padded_gradient));
        conv_detail::pad(cuda, g, d.cudnn(), dz, padded_dz, batch);
        input_side = padded_dz;
    }
    // For y = Aᵀx (A the convolution g): ∂L/∂A pairs the convolution's input with dz and its
    // output gradient with x; ∂L/∂x = A dz.
    conv_detail::backward_filter(cuda, d, input_side, x, s.weight_gradient);
    conv_detail::add_hwio(cuda, g, s.weight_gradient, dw);
    if (dx) conv_detail::forward(cuda, d, input_side, s.weights, dx);
}

}  // namespace latentlab::cuda
