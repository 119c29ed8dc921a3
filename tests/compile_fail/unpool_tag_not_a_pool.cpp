// MaxUnpool2d names a tag whose layer is a convolution, which records no argmax.
// expect: MaxUnpool2d: the layer under the tag it names is not a MaxPool2d
// expect: Conv2d<2, 3>
#include <latentlab/latentlab.hpp>

using namespace latentlab;
int main() {
    Network<Sequential<Tag<"p", Conv2d<2, 3>>, MaxUnpool2d<"p">>, Shape<4, 4, 2>> net;
    return net.parameter_count > 0 ? 0 : 1;
}
