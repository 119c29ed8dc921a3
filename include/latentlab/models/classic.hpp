#pragma once
// The classifiers of E2 (the CNN lecture): LeNet-5 and the lecture's small CNN. Both end in
// logits (no softmax): the cross-entropy loss applies its own fused softmax.
#include "latentlab/layers/activations.hpp"
#include "latentlab/layers/conv.hpp"
#include "latentlab/layers/dense.hpp"
#include "latentlab/layers/flatten.hpp"
#include "latentlab/layers/pool.hpp"
#include "latentlab/layers/sequential.hpp"
#include "latentlab/layers/tag.hpp"

namespace latentlab::models {

// LeNet-5 on 32×32×1 (LeCun et al. 1998, as in the lecture): sigmoid activations and
// average pooling.
template <int Classes = 10>
struct LeNet5 {
    static constexpr ConvOptions conv{.padding = Padding::valid(), .activation = Activation::sigmoid()};
    static constexpr DenseOptions dense{.activation = Activation::sigmoid()};
    using type = Sequential<Tag<"c1", Conv2d<6, 5, conv>>, AvgPool2d<2>, Tag<"c3", Conv2d<16, 5, conv>>, AvgPool2d<2>,
                            Flatten, Tag<"f5", Dense<120, dense>>, Tag<"f6", Dense<84, dense>>, Dense<Classes>>;
};
using LeNet = LeNet5<10>::type;

// The lecture's CNN: Conv3(32, pad 1) → MaxPool2 → ReLU → Conv3(32, pad 1) → MaxPool2 → ReLU
// → Flatten → Dense(100) → ReLU → Dense(10); trained on Fashion-MNIST (28×28×1) here.
template <int Classes = 10>
struct LectureCnnClassifier {
    static constexpr ConvOptions pad1{.padding = Padding::symmetric(1)};
    using type = Sequential<Tag<"conv1", Conv2d<32, 3, pad1>>, MaxPool2d<2>, ReLU, Tag<"conv2", Conv2d<32, 3, pad1>>,
                            MaxPool2d<2>, ReLU, Flatten, Tag<"fc1", Dense<100>>, ReLU, Dense<Classes>>;
};
using LectureCnn = LectureCnnClassifier<10>::type;

}  // namespace latentlab::models
