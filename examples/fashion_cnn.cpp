// E2's lecture CNN on Fashion-MNIST: Conv3(32) → MaxPool2 → ReLU → Conv3(32) → MaxPool2 →
// ReLU → Dense(100) → ReLU → Dense(10), Adam lr 1e-3, batch 64, softmax cross-entropy;
// test accuracy after every epoch, the loss and accuracy curves, a confusion matrix.
//
//   fashion_cnn [--epochs E] [--batch B] [--data DIR] [--seed S] [--threads T] [--out DIR]
#include <iomanip>
#include <iostream>
#include <string>

#include <latentlab/latentlab.hpp>
#include <latentlab/models/models.hpp>

using namespace latentlab;

int main(int argc, char** argv) try {
    std::size_t epochs = 5, batch = 64;
    std::string dir = data::fashion_mnist_debian_dir, out = "runs/fashion_cnn";
    std::uint64_t seed = 1;
    int threads = Cpu::default_threads();
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help") {
            std::cout << "usage: fashion_cnn [--epochs E] [--batch B] [--data DIR] [--seed S] [--threads T] [--out DIR]\n";
            return 0;
        }
        require(i + 1 < argc, flag, " needs a value (see --help)");
        const std::string value = argv[++i];
        if (flag == "--epochs") epochs = std::stoull(value);
        else if (flag == "--batch") batch = std::stoull(value);
        else if (flag == "--data") dir = value;
        else if (flag == "--seed") seed = std::stoull(value);
        else if (flag == "--threads") threads = std::stoi(value);
        else if (flag == "--out") out = value;
        else fail("unknown option ", flag, " (see --help)");
    }

    using Image = Shape<28, 28, 1>;
    using Labels = data::OneHotLabels<10>;
    const auto train_images = data::load_fashion_mnist(dir, data::Split::train);
    const auto test_images = data::load_fashion_mnist(dir, data::Split::test);
    const data::ImageDataset<Image, Labels> train_set(train_images), test_set(test_images);

    Network<models::LectureCnn, Image> net({.seed = seed}, Cpu{threads});
    const losses::SoftmaxCrossEntropy<10> loss{};
    const auto result = train::fit(net, loss, train_set,
                                   {train::Phase(optim::Adam({.lr = 1e-3}), {.epochs = epochs, .batch = batch})},
                                   {.validation = &test_set, .run_dir = out, .seed = seed, .cpu = Cpu{threads},
                                    .monitor = "val_accuracy", .name = "fashion_cnn"});

    std::cout << "\nepoch  test accuracy  seconds\n";
    for (std::size_t e = 0; e < result.history.epochs(); ++e)
        std::cout << std::setw(5) << e + 1 << std::setw(15) << std::fixed << std::setprecision(4)
                  << result.history.at("val_accuracy", e) << std::setw(9) << std::setprecision(1)
                  << result.history.at("seconds", e) << "\n";
    const auto evaluation = train::evaluate(net, loss, test_set, {.cpu = Cpu{threads}});
    std::cout << "\nclasses: ";
    const auto& names = data::fashion_mnist_class_names();
    for (std::size_t c = 0; c < names.size(); ++c) std::cout << c << " " << names[c] << (c + 1 < names.size() ? ", " : "\n");
    std::cout << metrics::classification_report(*evaluation.confusion).to_string(3);
} catch (const std::exception& error) {
    std::cerr << "fashion_cnn: " << error.what() << "\n";
    return 1;
}
