// The harness's control case: a correct network compiles with the same flags.
#include <latentlab/latentlab.hpp>

using namespace latentlab;
int main() { return Network<Sequential<Conv2d<4, 3>, Conv2d<2, 1>>, Shape<8, 8, 3>>::parameter_count > 0 ? 0 : 1; }
