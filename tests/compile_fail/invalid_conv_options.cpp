// A stride of zero is meaningless.
// expect: the layer's options are invalid
// expect: Input = latentlab::Shape<8, 8, 3>
#include <latentlab/latentlab.hpp>

using namespace latentlab;
constexpr ConvOptions zero_stride{.stride = 0};
int main() { return Network<Conv2d<4, 3, zero_stride>, Shape<8, 8, 3>>::parameter_count > 0; }
