#pragma once
// ImageDataset: an ImageSet (images read from IDX, CIFAR or STL-10 files) as a Dataset
// (data/dataset.hpp) for DataLoader and training. The image size is a static Shape, checked
// against the set at construction; pixels are scaled to [0, 1] or [−1, 1]. The target is
// chosen by a policy:
//   OneHotLabels<Classes>  the label as a one-hot vector Shape<1, 1, Classes> (classifiers);
//   SameAsInput            the scaled image itself (autoencoders).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/data/dataset.hpp"
#include "latentlab/data/image_set.hpp"
#include "latentlab/data/pixel_scale.hpp"

namespace latentlab::data {

template <int Classes>
struct OneHotLabels {
    static_assert(Classes > 0, "OneHotLabels: at least one class");
    template <ShapeType Input>
    using shape = Shape<1, 1, Classes>;
    static constexpr bool needs_labels = true;
};

struct SameAsInput {
    template <ShapeType Input>
    using shape = Input;
    static constexpr bool needs_labels = false;
};

template <ShapeType S, class Target>
class ImageDataset {
public:
    using input_shape = S;
    using target_shape = typename Target::template shape<S>;

    // The set must outlive the dataset.
    ImageDataset(const ImageSet& set, PixelRange range = PixelRange::unit) : set_(&set), range_(range) {
        require(set.size() > 0, "ImageDataset: the image set is empty");
        require(set.height() == static_cast<std::size_t>(S::height) && set.width() == static_cast<std::size_t>(S::width) &&
                    set.channels() == static_cast<std::size_t>(S::channels),
                "ImageDataset: the images are ", set.height(), "x", set.width(), "x", set.channels(),
                " but the dataset's shape is ", S::dims);
        if constexpr (Target::needs_labels) {
            require(set.labels.size() == set.size(), "ImageDataset: ", set.size(), " images but ", set.labels.size(),
                    " labels (a classifier's target needs one label per image)");
            for (std::size_t i = 0; i < set.size(); ++i)
                require(set.labels(i) >= 0 && set.labels(i) < target_shape::channels, "ImageDataset: label ",
                        set.labels(i), " of image ", i, " is outside [0, ", target_shape::channels, ")");
        }
    }

    std::size_t size() const { return set_->size(); }
    const ImageSet& images() const { return *set_; }

    void fill(std::span<const std::size_t> indices, TensorView<float, input_shape> x, TensorView<float, target_shape> y,
              const FillContext& context = {}) const {
        require(x.batch == indices.size() && y.batch == indices.size(), "ImageDataset::fill: ", indices.size(),
                " indices for batches of ", x.batch, " inputs and ", y.batch, " targets");
        for (const std::size_t i : indices)
            require(i < size(), "ImageDataset::fill: index ", i, " is past the ", size(), " images");
        cpu::parallel_for(context.cpu, indices.size(), [&](std::size_t begin, std::size_t end, int) {
            for (std::size_t k = begin; k < end; ++k) {
                const std::uint8_t* pixels = set_->images.data() + indices[k] * S::size;
                scale_pixels(std::span<const std::uint8_t>(pixels, S::size), std::span<float>(x.image(k), S::size),
                             range_);
                float* target = y.image(k);
                if constexpr (Target::needs_labels) {
                    std::fill_n(target, target_shape::size, 0.0f);
                    target[set_->labels(indices[k])] = 1.0f;
                } else {
                    std::copy_n(x.image(k), S::size, target);
                }
            }
        });
    }

private:
    const ImageSet* set_;
    PixelRange range_;
};

}  // namespace latentlab::data
