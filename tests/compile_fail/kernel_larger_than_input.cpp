// A 'valid' 5x5 convolution on a 3x3 input would have an empty output.
// expect: larger than its input, so its output would be empty
// expect: Input = latentlab::Shape<3, 3, 2>
// expect: Output = latentlab::Shape<0, 0, 4>
#include <latentlab/latentlab.hpp>

using namespace latentlab;
constexpr ConvOptions valid{.padding = Padding::valid()};
int main() { return Network<Sequential<Conv2d<4, 5, valid>>, Shape<3, 3, 2>>::parameter_count > 0; }
