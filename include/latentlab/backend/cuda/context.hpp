#pragma once
// The state of one GPU: the device, one stream every operation runs on (in order, so a
// training step needs no other synchronisation), the cuDNN and cuBLAS handles bound to that
// stream, the run-time compiled kernels, and the convolution algorithms found per shape.
// Created once per device and shared by every network on it (Context::shared).
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "latentlab/backend/cuda/error.hpp"
#include "latentlab/backend/cuda/memory.hpp"
#include "latentlab/backend/cuda/nvrtc.hpp"

namespace latentlab::cuda {

// Whether a CUDA device can be used here; `why` (when given) says why not. Without a driver
// cudaGetDeviceCount fails with cudaErrorInsufficientDriver, not cudaErrorNoDevice.
inline bool device_available(std::string* why = nullptr) {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        if (why) *why = std::string("no usable CUDA device: ") + cudaGetErrorString(status);
        cudaGetLastError();  // clear the sticky error so later calls are not blamed for it
        return false;
    }
    if (count == 0) {
        if (why) *why = "no CUDA device";
        return false;
    }
    return true;
}

// The algorithms cuDNN's search chose for one convolution shape, and their workspaces.
struct ConvAlgorithms {
    cudnnConvolutionFwdAlgo_t forward{};
    cudnnConvolutionBwdDataAlgo_t backward_data{};
    cudnnConvolutionBwdFilterAlgo_t backward_filter{};
    cudnnMathType_t forward_math{}, backward_data_math{}, backward_filter_math{};
    std::size_t workspace_bytes = 0;  // the largest of the three
};

class Context {
public:
    explicit Context(int device = 0) : device_(device) {
        int count = 0;
        check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
        require(device >= 0 && device < count, "CUDA device ", device, " does not exist (", count,
                " device(s) found)");
        check(cudaSetDevice(device), "cudaSetDevice");
        cudaDeviceProp properties{};
        check(cudaGetDeviceProperties(&properties, device), "cudaGetDeviceProperties");
        name_ = properties.name;
        multiprocessors_ = properties.multiProcessorCount;
        check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
        check(cudnnCreate(&cudnn_), "cudnnCreate");
        check(cudnnSetStream(cudnn_, stream_), "cudnnSetStream");
        check(cublasCreate(&cublas_), "cublasCreate");
        check(cublasSetStream(cublas_, stream_), "cublasSetStream");
        kernels_ = std::make_unique<KernelCache>(device, kernel_cache_directory());
    }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    ~Context() {
        if (stream_) cudaStreamSynchronize(stream_);
        for (auto& buffer : scratch_) buffer = DeviceBuffer<std::byte>();
        kernels_.reset();
        if (cublas_) cublasDestroy(cublas_);
        if (cudnn_) cudnnDestroy(cudnn_);
        if (stream_) cudaStreamDestroy(stream_);
    }

    // One context per device for the whole process, made on first use.
    static std::shared_ptr<Context> shared(int device = 0) {
        static std::mutex mutex;
        static std::map<int, std::weak_ptr<Context>> contexts;
        std::lock_guard lock(mutex);
        auto context = contexts[device].lock();
        if (!context) {
            context = std::make_shared<Context>(device);
            contexts[device] = context;
        }
        return context;
    }

    int device() const { return device_; }
    const std::string& device_name() const { return name_; }
    int multiprocessors() const { return multiprocessors_; }
    cudaStream_t stream() const { return stream_; }
    cudnnHandle_t cudnn() const { return cudnn_; }
    cublasHandle_t cublas() const { return cublas_; }
    KernelCache& kernels() { return *kernels_; }

    // Makes this context's device the calling thread's current one.
    void make_current() const { check(cudaSetDevice(device_), "cudaSetDevice"); }
    void synchronize() const { check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize"); }

    // Scratch memory shared by all layers of all networks on this device: the layers run one
    // at a time on the one stream, so a buffer needed only inside one call (cuDNN's
    // workspace, an activation gradient) is needed by one layer at a time. Layers reserve
    // what they need when planned (so a step never allocates) and look the address up when
    // they run (a later, larger reservation moves it).
    enum class Scratch { cudnn_workspace, gradient, padded_gradient };
    void reserve(Scratch which, std::size_t bytes) {
        auto& buffer = scratch_[static_cast<int>(which)];
        if (bytes <= buffer.size()) return;
        synchronize();  // kernels in flight may still use the old buffer
        buffer = DeviceBuffer<std::byte>();
        buffer = DeviceBuffer<std::byte>(bytes);
    }
    void* scratch(Scratch which) { return scratch_[static_cast<int>(which)].data(); }
    std::size_t scratch_bytes(Scratch which) const { return scratch_[static_cast<int>(which)].size(); }

    // The algorithms for a convolution shape `key`, searched by find() the first time.
    template <class Find>
    const ConvAlgorithms& conv_algorithms(const std::string& key, Find&& find) {
        std::lock_guard lock(mutex_);
        auto found = conv_algorithms_.find(key);
        if (found == conv_algorithms_.end()) found = conv_algorithms_.emplace(key, find()).first;
        return found->second;
    }

private:
    int device_ = 0;
    std::string name_;
    int multiprocessors_ = 0;
    cudaStream_t stream_ = nullptr;
    cudnnHandle_t cudnn_ = nullptr;
    cublasHandle_t cublas_ = nullptr;
    std::unique_ptr<KernelCache> kernels_;
    std::mutex mutex_;
    std::map<std::string, ConvAlgorithms> conv_algorithms_;
    DeviceBuffer<std::byte> scratch_[3];
};

}  // namespace latentlab::cuda
