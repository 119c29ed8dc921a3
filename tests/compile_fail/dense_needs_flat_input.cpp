// Dense after a feature map (Flatten forgotten).
// expect: a dense layer needs a flat input of shape 1x1xN: put Flatten or GlobalAvgPool before it
// expect: Input = latentlab::Shape<4, 4, 3>
#include <latentlab/latentlab.hpp>

using namespace latentlab;
int main() { return Network<Sequential<Conv2d<3, 3>, Dense<10>>, Shape<4, 4, 3>>::parameter_count > 0; }
