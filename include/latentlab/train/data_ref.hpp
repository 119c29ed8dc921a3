#pragma once
// DataRef: a dataset by reference with its type erased, so that options structs can hold
// one (`.validation = &test`) whatever its type. typed<In, Target>() gives it back as a
// Dataset of the network's shapes, after checking at run time that the shapes agree.
#include <cstddef>
#include <span>
#include <sstream>
#include <string>

#include "latentlab/core/error.hpp"
#include "latentlab/core/shape.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/data/dataset.hpp"

namespace latentlab::train {

class DataRef {
public:
    DataRef() = default;
    template <data::Dataset D>
    DataRef(const D* dataset)  // NOLINT: implicit, so that `.validation = &test` reads naturally
        : dataset_(dataset),
          input_(D::input_shape::dims),
          target_(D::target_shape::dims),
          size_([](const void* d) { return static_cast<const D*>(d)->size(); }),
          fill_([](const void* d, std::span<const std::size_t> indices, float* x, float* y,
                   const data::FillContext& context) {
              const std::size_t n = indices.size();
              static_cast<const D*>(d)->fill(indices, TensorView<float, typename D::input_shape>{x, n},
                                             TensorView<float, typename D::target_shape>{y, n}, context);
          }) {}

    explicit operator bool() const { return dataset_ != nullptr; }
    std::size_t size() const { return dataset_ ? size_(dataset_) : 0; }

    template <ShapeType In, ShapeType Target>
    class Typed {
    public:
        using input_shape = In;
        using target_shape = Target;
        explicit Typed(const DataRef& ref) : ref_(&ref) {}
        std::size_t size() const { return ref_->size(); }
        void fill(std::span<const std::size_t> indices, TensorView<float, In> x, TensorView<float, Target> y,
                  const data::FillContext& context) const {
            ref_->fill_(ref_->dataset_, indices, x.data, y.data, context);
        }

    private:
        const DataRef* ref_;
    };

    // `what` names the set in the error ("the validation set").
    template <ShapeType In, ShapeType Target>
    Typed<In, Target> typed(const char* what) const {
        require(dataset_ != nullptr, what, " is not set");
        if (!(input_ == In::dims) || !(target_ == Target::dims)) {
            std::ostringstream message;
            message << what << " gives inputs " << input_ << " and targets " << target_ << ", the network takes "
                    << In::dims << " and gives " << Target::dims;
            fail(message.str());
        }
        return Typed<In, Target>(*this);
    }

private:
    const void* dataset_ = nullptr;
    Dims input_{}, target_{};
    std::size_t (*size_)(const void*) = nullptr;
    void (*fill_)(const void*, std::span<const std::size_t>, float*, float*, const data::FillContext&) = nullptr;
};

}  // namespace latentlab::train
