#pragma once
// The contract between data and training: a random-access dataset fills a batch of inputs
// and targets, in the network's NHWC float layout, for any list of sample indices.
//
//   D::input_shape, D::target_shape   static shapes of one sample's input and target
//   d.size()                          the number of samples
//   d.fill(indices, x, y, context)    writes sample indices[k] into image k of x and y;
//                                     requires x.batch == y.batch == indices.size() and every
//                                     index < size(); ensures the result depends only on
//                                     (the dataset, the index, context.epoch): samples are
//                                     regenerated identically in any order, on any thread.
//
// The rectangles generator, the image sets read from files and adapters over them (patches,
// autoencoder targets) model it; DataLoader batches, shuffles and prefetches any of them.
#include <concepts>
#include <cstddef>
#include <span>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/shape.hpp"
#include "latentlab/core/tensor.hpp"

namespace latentlab::data {

// What a fill may depend on besides the indices: the epoch (for noise redrawn each epoch)
// and the threads it may use.
struct FillContext {
    std::size_t epoch = 0;
    Cpu cpu{};
};

template <class D>
concept Dataset = ShapeType<typename D::input_shape> && ShapeType<typename D::target_shape> &&
                  requires(const D& d, std::span<const std::size_t> indices,
                           TensorView<float, typename D::input_shape> x,
                           TensorView<float, typename D::target_shape> y, const FillContext& context) {
                      { d.size() } -> std::convertible_to<std::size_t>;
                      d.fill(indices, x, y, context);
                  };

}  // namespace latentlab::data
