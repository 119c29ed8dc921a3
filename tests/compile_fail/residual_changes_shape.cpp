// A residual branch that changes the channel count cannot be added to its input.
// expect: Residual: the inner branch must return exactly the shape it was given
// expect: Input = latentlab::Shape<8, 8, 3>
// expect: InnerOutput = latentlab::Shape<8, 8, 5>
#include <latentlab/latentlab.hpp>

using namespace latentlab;
int main() { return Network<Residual<Conv2d<5, 3>>, Shape<8, 8, 3>>::parameter_count > 0; }
