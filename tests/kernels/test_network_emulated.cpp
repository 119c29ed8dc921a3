// Whole networks on the emulated kernel backend against the CPU backend: the wrappers, the
// kernels and Network's device-memory path (host images copied in, results copied out,
// parameters initialised on the host and uploaded) together, for every layer family whose
// GPU operations are run-time compiled kernels (convolutions and dense layers call cuDNN and
// cuBLAS, which only a GPU runs: tests/cuda).
#include "../cuda/compare_backends.hpp"
#include "emulator.hpp"
#include "latentlab/backend/cuda/batch_norm.hpp"
#include "latentlab/backend/cuda/concat.hpp"
#include "latentlab/backend/cuda/depthwise.hpp"
#include "latentlab/backend/cuda/dropout.hpp"
#include "latentlab/backend/cuda/elementwise.hpp"
#include "latentlab/backend/cuda/pool.hpp"
#include "latentlab/backend/cuda/softmax.hpp"
#include "latentlab/backend/cuda/unpool.hpp"
#include "latentlab/backend/cuda/upsample.hpp"
#include "latentlab/layers/layers.hpp"

using namespace latentlab;

namespace {

template <class Spec, ShapeType In>
void compare_emulated(std::size_t batch = 3) {
    testing::compare_backends<Spec, In>(testing::Emulated{}, batch, {1e-5});
}

constexpr Activation relu = Activation::relu();

}  // namespace

TEST_CASE("Emulated GPU networks equal the CPU: depthwise, pooling, unpooling, upsampling", "[kernels][network]") {
    SECTION("depthwise, max pool, unpool") {
        compare_emulated<Sequential<DepthwiseConv2d<3, {.activation = relu}>, Tag<"p", MaxPool2d<2>>,
                                    DepthwiseConv2d<3, {.bias = false}>, Activate<Activation::tanh()>,
                                    MaxUnpool2d<"p">, DepthwiseConv2d<3, {.multiplier = 2, .stride = 2}>>,
                         Shape<6, 8, 2>>();
    }
    SECTION("overlapping 'same' pool, average pools, upsampling") {
        compare_emulated<Sequential<MaxPool2d<3, {.stride = 2, .padding = Padding::same()}>, Upsample<2>,
                                    AvgPool2d<2>, Upsample<3, Interpolation::bilinear>, GlobalAvgPool>,
                         Shape<7, 6, 3>>();
    }
}

TEST_CASE("Emulated GPU networks equal the CPU: batch norm, dropout, branches, softmax", "[kernels][network]") {
    compare_emulated<Sequential<BatchNorm2d<>, Dropout<0.25f>, SkipConcat<DepthwiseConv2d<3>>,
                                Residual<Sequential<DepthwiseConv2d<3, {.activation = Activation::sigmoid()}>,
                                                    LeakyReLU<0.1>>>,
                                Flatten, Softmax>,
                     Shape<5, 4, 3>>(4);
}
