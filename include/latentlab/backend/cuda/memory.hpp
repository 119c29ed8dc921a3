#pragma once
// Device memory: DeviceBuffer<T> owns a cudaMalloc'd array (plain device memory, never
// managed memory, which can hang a GPU when oversubscribed); copies between host and device
// run on the context's stream. Copies to the host wait for the stream, so the host data is
// ready when they return; copies to the device from pageable host memory are staged by the
// runtime before cudaMemcpyAsync returns, so the caller may reuse its buffer at once.
#include <cstddef>
#include <type_traits>
#include <utility>

#include <cuda_runtime_api.h>

#include "latentlab/backend/cuda/error.hpp"

namespace latentlab::cuda {

template <class T>
class DeviceBuffer {
    static_assert(std::is_trivially_copyable_v<T>, "DeviceBuffer holds plain numbers only");

public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(std::size_t count) : size_(count) {
        if (count == 0) return;
        void* memory = nullptr;
        const cudaError_t status = cudaMalloc(&memory, count * sizeof(T));
        if (status != cudaSuccess) {
            size_ = 0;
            fail("cudaMalloc of ", count * sizeof(T), " bytes failed: ", cudaGetErrorString(status), " (",
                 cudaGetErrorName(status), ")");
        }
        data_ = static_cast<T*>(memory);
        check(cudaMemset(data_, 0, count * sizeof(T)), "cudaMemset");
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
        return *this;
    }
    ~DeviceBuffer() {
        if (data_) cudaFree(data_);  // a destructor cannot throw; a failed free leaks at worst
    }

    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

template <class T>
void copy_to_device(cudaStream_t stream, const T* host, std::size_t count, T* device) {
    if (count > 0)
        check(cudaMemcpyAsync(device, host, count * sizeof(T), cudaMemcpyHostToDevice, stream),
              "cudaMemcpyAsync (host to device)");
}

template <class T>
void copy_to_host(cudaStream_t stream, const T* device, std::size_t count, T* host) {
    if (count == 0) return;
    check(cudaMemcpyAsync(host, device, count * sizeof(T), cudaMemcpyDeviceToHost, stream),
          "cudaMemcpyAsync (device to host)");
    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
}

template <class T>
void fill_zero(cudaStream_t stream, T* device, std::size_t count) {
    if (count > 0) check(cudaMemsetAsync(device, 0, count * sizeof(T), stream), "cudaMemsetAsync");
}

}  // namespace latentlab::cuda
