#pragma once
// AlignedBuffer: an owning, 64-byte aligned array of trivially copyable values. The one place
// the library allocates memory for tensors, parameters and workspaces (never inside a step).
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace latentlab {

inline constexpr std::size_t buffer_alignment = 64;  // a cache line; also AVX-512 friendly

template <class T>
class AlignedBuffer {
    static_assert(std::is_trivially_copyable_v<T>, "AlignedBuffer holds plain numbers only");

public:
    AlignedBuffer() = default;
    explicit AlignedBuffer(std::size_t count) : size_(count) {
        if (count == 0) return;
        data_ = static_cast<T*>(::operator new(count * sizeof(T), std::align_val_t{buffer_alignment}));
        std::memset(static_cast<void*>(data_), 0, count * sizeof(T));
    }
    AlignedBuffer(const AlignedBuffer& other) : AlignedBuffer(other.size_) {
        if (size_ > 0) std::memcpy(static_cast<void*>(data_), other.data_, size_ * sizeof(T));
    }
    AlignedBuffer(AlignedBuffer&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    AlignedBuffer& operator=(AlignedBuffer other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
        return *this;
    }
    ~AlignedBuffer() {
        if (data_) ::operator delete(data_, std::align_val_t{buffer_alignment});
    }

    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }
    T* begin() { return data_; }
    T* end() { return data_ + size_; }
    const T* begin() const { return data_; }
    const T* end() const { return data_ + size_; }
    T& operator[](std::size_t i) { return data_[i]; }
    const T& operator[](std::size_t i) const { return data_[i]; }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace latentlab
