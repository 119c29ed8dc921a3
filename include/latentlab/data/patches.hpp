#pragma once
// RandomPatches: a dataset of P×P patches cut from the images of another dataset, each the
// target of itself (E4's sparse autoencoder trains on 3×8×8 patches of STL-10). Patch i
// comes from image i mod n of the source, at a position drawn from Philox(seed, i), so the
// patch set is fixed by (source, count, seed) like every other dataset.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/data/dataset.hpp"

namespace latentlab::data {

template <Dataset D, int P>
class RandomPatches {
    using source_shape = typename D::input_shape;
    static_assert(P > 0 && P <= source_shape::height && P <= source_shape::width,
                  "RandomPatches: the patch must fit inside the source images");

public:
    using input_shape = Shape<P, P, source_shape::channels>;
    using target_shape = input_shape;

    // The source must outlive the patch set.
    RandomPatches(const D& source, std::size_t count, std::uint64_t seed)
        : source_(&source), count_(count), seed_(seed) {
        require(source.size() > 0, "RandomPatches: the source dataset is empty");
    }

    std::size_t size() const { return count_; }

    // Where patch i lies in its source image (top-left corner).
    struct Origin {
        std::size_t image;
        int row, col;
    };
    Origin origin(std::size_t i) const {
        Rng rng(seed_, i);
        const int row = static_cast<int>(rng.uniform_int(0, source_shape::height - P));
        const int col = static_cast<int>(rng.uniform_int(0, source_shape::width - P));
        return {i % source_->size(), row, col};
    }

    void fill(std::span<const std::size_t> indices, TensorView<float, input_shape> x,
              TensorView<float, target_shape> y, const FillContext& context) const {
        require(x.batch == indices.size() && y.batch == indices.size(), "RandomPatches::fill: ", indices.size(),
                " indices for batches of ", x.batch, " inputs and ", y.batch, " targets");
        // Checked before the parallel region: an exception must not leave an OpenMP thread.
        for (const std::size_t i : indices)
            require(i < count_, "RandomPatches::fill: index ", i, " is past the ", count_, " patches");
        cpu::parallel_for(context.cpu, indices.size(), [&](std::size_t begin, std::size_t end, int) {
            HostTensor<float, source_shape> image(1);
            HostTensor<float, typename D::target_shape> unused(1);
            for (std::size_t k = begin; k < end; ++k) {
                const Origin at = origin(indices[k]);
                source_->fill(std::span<const std::size_t>(&at.image, 1), image.view(), unused.view(),
                              FillContext{context.epoch, Cpu{1}});
                constexpr int row_values = P * source_shape::channels;
                for (int r = 0; r < P; ++r)
                    std::copy_n(&image(0, at.row + r, at.col, 0), row_values, x.image(k) + r * row_values);
                std::copy_n(x.image(k), input_shape::size, y.image(k));
            }
        });
    }

private:
    const D* source_;
    std::size_t count_;
    std::uint64_t seed_;
};

}  // namespace latentlab::data
