// The CUDA backend against the CPU backend (compare_backends.hpp), within 1e-4 relative,
// for every layer family and for NN1, NN2 and NN3. Runs only where a GPU is usable
// (gpu_main.cpp skips otherwise). Needs Eigen, Catch2 and CUDA only, so that it builds on
// a GPU machine without the rest of the dependencies:
//   g++ -std=c++20 -O2 -fopenmp -Iinclude -I<eigen> -I<catch2> -I/usr/local/cuda/include
//       tests/cuda/test_backends.cpp tests/cuda/gpu_main.cpp -L/usr/local/cuda/lib64
//       -lcudnn -lcublas -lnvrtc -lcudart
#include "compare_backends.hpp"
#include "latentlab/cuda.hpp"
#include "latentlab/layers/layers.hpp"
#include "latentlab/models/models.hpp"
#include "latentlab/network.hpp"

using namespace latentlab;

namespace {

template <class Spec, ShapeType In>
void compare_on_gpu(std::size_t batch = 3, testing::Tolerance tolerance = {}, CudaOptions options = {}) {
    testing::compare_backends<Spec, In>(Cuda(options), batch, tolerance);
}

constexpr Activation relu = Activation::relu();

}  // namespace

TEST_CASE("CUDA convolutions equal the CPU's", "[cuda][conv]") {
    SECTION("3x3 same relu") { compare_on_gpu<Conv2d<8, 3, {.activation = relu}>, Shape<9, 7, 3>>(); }
    SECTION("2x2 same: asymmetric padding") {
        compare_on_gpu<Conv2d<5, 2, {.activation = Activation::sigmoid()}>, Shape<6, 5, 4>>();
    }
    SECTION("3x3 stride 2 same on an even size: asymmetric padding") {
        compare_on_gpu<Conv2d<6, 3, {.stride = 2}>, Shape<8, 8, 3>>();
    }
    SECTION("dilated") { compare_on_gpu<Conv2d<4, 3, {.dilation = 2, .activation = Activation::tanh()}>, Shape<9, 9, 2>>(); }
    SECTION("valid, no bias") { compare_on_gpu<Conv2d<4, 3, {.padding = Padding::valid(), .bias = false}>, Shape<7, 6, 5>>(); }
    SECTION("1x1") { compare_on_gpu<Conv2d<7, 1>, Shape<5, 5, 16>>(); }
}

TEST_CASE("CUDA transposed convolutions equal the CPU's", "[cuda][conv]") {
    SECTION("2x2 stride 2 valid") {
        compare_on_gpu<ConvTranspose2d<4, 2, {.stride = 2, .padding = Padding::valid()}>, Shape<4, 5, 3>>();
    }
    SECTION("3x3 stride 2 same: asymmetric crop") {
        compare_on_gpu<ConvTranspose2d<3, 3, {.stride = 2, .activation = relu}>, Shape<4, 4, 6>>();
    }
    SECTION("4x4 stride 2 same") { compare_on_gpu<ConvTranspose2d<5, 4, {.stride = 2}>, Shape<3, 4, 2>>(); }
}

TEST_CASE("CUDA depthwise and separable convolutions equal the CPU's", "[cuda][conv]") {
    SECTION("depthwise 3x3") { compare_on_gpu<DepthwiseConv2d<3, {.activation = relu}>, Shape<7, 6, 5>>(); }
    SECTION("depthwise multiplier 2, stride 2") {
        compare_on_gpu<DepthwiseConv2d<3, {.multiplier = 2, .stride = 2}>, Shape<8, 7, 3>>();
    }
    SECTION("separable 3x3") { compare_on_gpu<SeparableConv2d<8, 3, {.activation = relu}>, Shape<6, 6, 4>>(); }
}

TEST_CASE("CUDA pooling, unpooling and upsampling equal the CPU's", "[cuda][pool]") {
    SECTION("max pool 2") { compare_on_gpu<MaxPool2d<2>, Shape<6, 8, 3>>(); }
    SECTION("max pool 3 stride 2 same (overlapping)") {
        compare_on_gpu<MaxPool2d<3, {.stride = 2, .padding = Padding::same()}>, Shape<7, 6, 2>>();
    }
    SECTION("average pool 2") { compare_on_gpu<AvgPool2d<2>, Shape<6, 4, 3>>(); }
    SECTION("global average pool") { compare_on_gpu<GlobalAvgPool, Shape<5, 6, 7>>(); }
    SECTION("pool then unpool") {
        compare_on_gpu<Sequential<Tag<"p", MaxPool2d<2>>, Conv2d<3, 3>, MaxUnpool2d<"p">>, Shape<6, 6, 3>>();
    }
    SECTION("nearest upsampling") { compare_on_gpu<Upsample<2>, Shape<4, 3, 3>>(); }
    SECTION("bilinear upsampling") { compare_on_gpu<Upsample<2, Interpolation::bilinear>, Shape<4, 5, 2>>(); }
}

TEST_CASE("CUDA normalisation, dropout, activations, softmax and dense layers equal the CPU's", "[cuda][layers]") {
    SECTION("batch norm") { compare_on_gpu<BatchNorm2d<>, Shape<5, 4, 6>>(4); }
    SECTION("dropout (same masks)") { compare_on_gpu<Dropout<0.3f>, Shape<6, 6, 4>>(); }
    SECTION("leaky relu") { compare_on_gpu<LeakyReLU<0.2>, Shape<4, 4, 3>>(); }
    SECTION("softmax") { compare_on_gpu<Softmax, Shape<4, 3, 5>>(); }
    SECTION("flatten and dense") {
        compare_on_gpu<Sequential<Flatten, Dense<7, {.activation = relu}>, Dense<3>>, Shape<4, 4, 3>>();
    }
    SECTION("skip concat and residual") {
        compare_on_gpu<Sequential<SkipConcat<Conv2d<3, 3>>, Residual<Conv2d<6, 3>>>, Shape<5, 5, 3>>();
    }
}

TEST_CASE("NN1, NN2 and NN3 on the GPU equal the CPU", "[cuda][models]") {
    SECTION("NN1") { compare_on_gpu<models::NN1, Shape<64, 64, 3>>(2); }
    SECTION("NN2") { compare_on_gpu<models::NN2, Shape<64, 64, 3>>(2); }
    SECTION("NN3") { compare_on_gpu<models::NN3, Shape<64, 64, 3>>(2); }
    SECTION("NN2 with TF32 (1e-2)") {
        compare_on_gpu<models::NN2, Shape<64, 64, 3>>(2, {1e-2}, {.tf32 = true});
    }
}
