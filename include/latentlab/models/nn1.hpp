#pragma once
// NN1 of E1: the convolutional autoencoder-style segmenter (21,356 parameters on 64×64×3).
// Conv3×3(8)→MaxPool2 → Conv3×3(16)→MaxPool2 → Conv3×3(32)→MaxPool2 [the 8×8×32 = 2048-d
// code, tagged "code"] → Conv3×3(32)→Up2 → Conv3×3(16)→Up2 → Conv3×3(8)→Up2 → Conv3×3(4)
// → softmax over 4 classes (the last conv tagged "classifier"). 'same' padding, ReLU, Keras' default Glorot-uniform init.
#include "latentlab/layers/conv.hpp"
#include "latentlab/layers/pool.hpp"
#include "latentlab/layers/sequential.hpp"
#include "latentlab/layers/softmax.hpp"
#include "latentlab/layers/tag.hpp"
#include "latentlab/layers/upsample.hpp"

namespace latentlab::models {

template <int Classes = 4>
struct ConvAutoencoderSegmenter {
    static constexpr ConvOptions relu{.activation = Activation::relu()};
    template <int Out>
    using conv = Conv2d<Out, 3, relu>;
    using up = Upsample<2, Interpolation::nearest>;

    using type = Sequential<Tag<"e1", conv<8>>, MaxPool2d<2>,            //
                            Tag<"e2", conv<16>>, MaxPool2d<2>,           //
                            Tag<"e3", conv<32>>, Tag<"code", MaxPool2d<2>>,  //
                            Tag<"d3", conv<32>>, up,                     //
                            Tag<"d2", conv<16>>, up,                     //
                            Tag<"d1", conv<8>>, up,                      //
                            Tag<"classifier", Conv2d<Classes, 3>>, Softmax>;
};

using NN1 = ConvAutoencoderSegmenter<4>::type;

}  // namespace latentlab::models
