#pragma once
// Tensors: a batch of images of a static Shape in NHWC. TensorView is the non-owning form
// every layer and kernel takes; HostTensor owns host memory. The Memory tag says where the
// bytes live: kernels of the CPU backend accept HostMemory views only, the CUDA backend
// DeviceMemory views, so handing a host pointer to a GPU kernel is a compile error.
#include <cstddef>
#include <type_traits>

#include "latentlab/core/buffer.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/shape.hpp"

namespace latentlab {

struct HostMemory {};
struct DeviceMemory {};

template <class T, ShapeType S, class Memory = HostMemory>
struct TensorView {
    using value_type = std::remove_const_t<T>;
    using shape = S;
    static constexpr Dims dims = S::dims;

    T* data = nullptr;
    std::size_t batch = 0;

    std::size_t size() const { return batch * S::size; }
    T* image(std::size_t n) const { return data + n * S::size; }
    T* end() const { return data + size(); }
    T& operator()(std::size_t n, int h, int w, int c) const
        requires std::is_same_v<Memory, HostMemory>
    {
        return data[n * S::size + (static_cast<std::size_t>(h) * S::width + w) * S::channels + c];
    }
    operator TensorView<const T, S, Memory>() const
        requires(!std::is_const_v<T>)
    {
        return {data, batch};
    }
};

template <class T, ShapeType S>
using ConstView = TensorView<const T, S>;

// An owning batch of images in host memory.
template <class T, ShapeType S>
class HostTensor {
public:
    HostTensor() = default;
    explicit HostTensor(std::size_t batch) : storage_(batch * S::size), batch_(batch) {}

    std::size_t batch() const { return batch_; }
    std::size_t size() const { return storage_.size(); }
    T* data() { return storage_.data(); }
    const T* data() const { return storage_.data(); }
    TensorView<T, S> view() { return {storage_.data(), batch_}; }
    ConstView<T, S> view() const { return {storage_.data(), batch_}; }
    T& operator()(std::size_t n, int h, int w, int c) { return view()(n, h, w, c); }
    const T& operator()(std::size_t n, int h, int w, int c) const { return view()(n, h, w, c); }

private:
    AlignedBuffer<T> storage_;
    std::size_t batch_ = 0;
};

}  // namespace latentlab
