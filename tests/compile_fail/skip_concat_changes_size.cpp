// A U-Net level whose inner branch halves the image cannot be concatenated with its skip.
// expect: SkipConcat: the inner branch must return the height and width it was given
// expect: Input = latentlab::Shape<8, 8, 3>
// expect: InnerOutput = latentlab::Shape<4, 4, 4>
#include <latentlab/latentlab.hpp>

using namespace latentlab;
constexpr ConvOptions halve{.stride = 2};
int main() { return Network<SkipConcat<Conv2d<4, 3, halve>>, Shape<8, 8, 3>>::parameter_count > 0; }
