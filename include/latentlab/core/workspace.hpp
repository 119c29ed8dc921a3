#pragma once
// The Workspace arena. A network asks for all the memory a step needs (activations, saved
// state for backward, per-thread scratch) once, when it is planned for a batch size; the
// step itself never allocates. Planning walks the layers twice with the same code: a
// measuring Arena (no storage) adds up the requests, then a carving Arena over one
// allocation hands out the same pieces in the same order.
#include <cstddef>
#include <cstdint>

#include "latentlab/core/buffer.hpp"
#include "latentlab/core/error.hpp"

namespace latentlab {

class Arena {
public:
    // A measuring arena: take() returns nullptr and only counts bytes.
    Arena() = default;
    // A carving arena over [base, base + capacity).
    Arena(std::byte* base, std::size_t capacity) : base_(base), capacity_(capacity) {}

    template <class T>
    T* take(std::size_t count) {
        const std::size_t start = align_up(used_);
        used_ = start + count * sizeof(T);
        if (!base_) return nullptr;
        require(used_ <= capacity_, "Workspace: a layer asked for more memory while carving than it ",
                "asked for while measuring (", used_, " > ", capacity_, " bytes); this is a bug in the layer");
        return reinterpret_cast<T*>(base_ + start);
    }
    bool measuring() const { return base_ == nullptr; }
    std::size_t used() const { return used_; }

private:
    static std::size_t align_up(std::size_t n) {
        return (n + buffer_alignment - 1) / buffer_alignment * buffer_alignment;
    }
    std::byte* base_ = nullptr;
    std::size_t capacity_ = 0;
    std::size_t used_ = 0;
};

// Owns the memory of one plan; `plan(bind)` calls bind(Arena&) twice (measure, then carve).
// Storage is the backend's byte buffer (host or device memory); `allocate(bytes)` makes one.
template <class Storage = AlignedBuffer<std::byte>>
class Workspace {
public:
    template <class Bind>
    void plan(Bind&& bind) {
        plan(bind, [](std::size_t bytes) { return Storage(bytes); });
    }
    template <class Bind, class Allocate>
    void plan(Bind&& bind, Allocate&& allocate) {
        Arena measure;
        bind(measure);
        storage_ = Storage();  // free the old plan's memory before taking the new one
        storage_ = allocate(measure.used());
        Arena carve(storage_.data(), storage_.size());
        bind(carve);
    }
    std::size_t bytes() const { return storage_.size(); }

private:
    Storage storage_;
};

}  // namespace latentlab
