// A network on images of height 0.
// expect: every extent of a layer's input shape must be positive
// expect: latentlab::Shape<0, 4, 3>
#include <latentlab/latentlab.hpp>

using namespace latentlab;
int main() { return Network<Conv2d<4, 3>, Shape<0, 4, 3>>::parameter_count > 0; }
