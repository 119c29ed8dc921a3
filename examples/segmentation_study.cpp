// E1's training study: NN1, NN2 and NN3 × weighted cross-entropy, focal and Dice loss on
// the synthetic rectangles, each trained with the two-phase protocol (Nadam, then SGD with
// Keras' time-based decay) and scored by the mean IoU on held-out images. Prints the table
// and writes every run's directory (config, curves, checkpoints) under --out.
//
//   segmentation_study [--preset quick|full] [--train N] [--test N] [--batch B]
//                      [--nadam-epochs E] [--sgd-epochs E] [--nets nn1,nn2,nn3]
//                      [--losses wce,focal,dice] [--seed S] [--threads T] [--out DIR]
//
// quick: 10,000 training and 2,000 test images, batch 64, 4 + 4 epochs (CPU, minutes);
// full:  200,000 and 15,000 images, batch 2048, 25 + 50 epochs (the original protocol).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <latentlab/latentlab.hpp>
#include <latentlab/models/models.hpp>

using namespace latentlab;

namespace {

struct Settings {
    std::size_t train = 10'000, test = 2'000, batch = 64, nadam_epochs = 4, sgd_epochs = 4;
    std::vector<std::string> nets{"nn1", "nn2", "nn3"}, losses{"wce", "focal", "dice"};
    std::uint64_t seed = 1;
    int threads = Cpu::default_threads();
    std::string out = "runs/segmentation_study";
};

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> parts;
    std::stringstream in(list);
    for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
    return parts;
}

Settings parse(int argc, char** argv) {
    Settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help") {
            std::cout << "usage: segmentation_study [--preset quick|full] [--train N] [--test N] [--batch B]\n"
                         "       [--nadam-epochs E] [--sgd-epochs E] [--nets nn1,nn2,nn3] [--losses wce,focal,dice]\n"
                         "       [--seed S] [--threads T] [--out DIR]\n";
            std::exit(0);
        }
        require(i + 1 < argc, flag, " needs a value (see --help)");
        const std::string value = argv[++i];
        if (flag == "--preset") {
            require(value == "quick" || value == "full", "--preset: quick or full, not ", value);
            if (value == "full") {
                s.train = 200'000, s.test = 15'000, s.batch = 2048, s.nadam_epochs = 25, s.sgd_epochs = 50;
            }
        } else if (flag == "--train") s.train = std::stoull(value);
        else if (flag == "--test") s.test = std::stoull(value);
        else if (flag == "--batch") s.batch = std::stoull(value);
        else if (flag == "--nadam-epochs") s.nadam_epochs = std::stoull(value);
        else if (flag == "--sgd-epochs") s.sgd_epochs = std::stoull(value);
        else if (flag == "--nets") s.nets = split(value);
        else if (flag == "--losses") s.losses = split(value);
        else if (flag == "--seed") s.seed = std::stoull(value);
        else if (flag == "--threads") s.threads = std::stoi(value);
        else if (flag == "--out") s.out = value;
        else fail("unknown option ", flag, " (see --help)");
    }
    return s;
}

struct Outcome {
    double mean_iou = 0, seconds = 0;
};

template <class Spec, class Loss>
Outcome train_one(const Settings& s, const std::string& name, const Loss& loss, const data::Rectangles& train_set,
                  const data::Rectangles& test_set) {
    Network<Spec, Shape<64, 64, 3>> net({.seed = s.seed}, Cpu{s.threads});
    std::vector<train::Phase> phases{train::Phase(optim::Nadam{}, {.epochs = s.nadam_epochs, .batch = s.batch})};
    if (s.sgd_epochs > 0)
        phases.emplace_back(optim::Sgd({.lr = 0.02}), train::PhaseOptions{.epochs = s.sgd_epochs, .batch = s.batch},
                            optim::Schedule::time_decay(0.02 / 50));
    const auto result = train::fit(net, loss, train_set, phases,
                                   {.validation = &test_set, .run_dir = s.out + "/" + name, .seed = s.seed,
                                    .cpu = Cpu{s.threads}, .monitor = "val_mean_iou", .name = name});
    return {result.history.last("val_mean_iou"), result.seconds};
}

}  // namespace

int main(int argc, char** argv) try {
    const Settings s = parse(argc, argv);
    const data::Rectangles train_set({.count = s.train, .seed = s.seed});
    const data::Rectangles test_set({.count = s.test, .seed = s.seed + 1000});
    const losses::WeightedCrossEntropy<4> wce{{4, 4, 4, 1}};
    const losses::FocalLoss<4> focal{};
    const losses::DiceLoss<4> dice{};

    std::ostringstream table;
    table << "network  loss    mean IoU   time (s)\n";
    for (const auto& net : s.nets)
        for (const auto& loss : s.losses) {
            const std::string name = net + "-" + loss;
            const auto run = [&](const auto& l) -> Outcome {
                if (net == "nn1") return train_one<models::NN1>(s, name, l, train_set, test_set);
                if (net == "nn2") return train_one<models::NN2>(s, name, l, train_set, test_set);
                if (net == "nn3") return train_one<models::NN3>(s, name, l, train_set, test_set);
                fail("--nets: nn1, nn2 or nn3, not ", net);
            };
            const Outcome o = loss == "wce"     ? run(wce)
                              : loss == "focal" ? run(focal)
                              : loss == "dice"  ? run(dice)
                                                : (fail("--losses: wce, focal or dice, not ", loss), Outcome{});
            char line[96];
            std::snprintf(line, sizeof line, "%-8s %-7s %8.4f %10.1f\n", net.c_str(), loss.c_str(), o.mean_iou,
                          o.seconds);
            table << line;
            std::cout << "\n" << table.str() << std::flush;
        }
    data::write_file_atomically(std::filesystem::path(s.out) / "table.txt", table.str());
} catch (const std::exception& error) {
    std::cerr << "segmentation_study: " << error.what() << "\n";
    return 1;
}
