// A 'valid' 2x2 pool over 5 rows would silently ignore the last row.
// expect: no input row or column may be left outside every window of the layer
// expect: Input = latentlab::Shape<5, 4, 3>
#include <latentlab/latentlab.hpp>

using namespace latentlab;
int main() { return Network<MaxPool2d<2>, Shape<5, 4, 3>>::parameter_count == 0 ? 0 : 1; }
