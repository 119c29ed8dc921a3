// Prints the layer tables of E1's three networks and checks one forward pass of each on a
// random batch: the first thing to run after building latentlab.
#include <cstdio>
#include <memory>

#include <latentlab/latentlab.hpp>
#include <latentlab/models/models.hpp>

using namespace latentlab;

template <class Spec>
void show(const char* title) {
    using Net = Network<Spec, Shape<64, 64, 3>>;
    auto net = std::make_unique<Net>(NetworkOptions{.seed = 1});
    net->plan(8);
    HostTensor<float, Shape<64, 64, 3>> x(8);
    Rng rng(2);
    for (auto& v : std::span(x.data(), x.size())) v = static_cast<float>(rng.uniform());
    auto y = net->forward(x.view());
    double sum = 0;  // softmax output: every pixel's probabilities sum to 1
    for (std::size_t i = 0; i < y.size(); ++i) sum += y.data[i];
    std::printf("%s\n%s", title, net->summary().c_str());
    std::printf("Forward on 8 random images: probabilities sum to %.4f per pixel\n\n", sum / (8.0 * 64 * 64));
}

int main() {
    show<models::NN1>("NN1 - convolutional autoencoder segmenter");
    show<models::NN2>("NN2 - narrow U-Net");
    show<models::NN3>("NN3 - separable U-Net");
}
