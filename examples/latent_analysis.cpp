// E1's latent analysis: train a segmentation network on the rectangles (or load its
// weights), take the activation of a tagged layer for the labelled single-rectangle images,
// reduce it with PCA and with UMAP to d dimensions, standardize, and ask whether a
// hyperplane per class separates the three classes (one-vs-all perceptrons and a softmax
// probe, F1 on the whole set). Also the 2-D pictures, the embedding quality, and the
// geometry study (UMAP to 16-d, kNN graph, geodesic distance from the central node against
// the generative-parameter distance S).
//
//   latent_analysis [--preset quick|full] [--net nn1|nn2|nn3] [--layer NAME] [--per-class N]
//                   [--variant FreeAll|...] [--pca-dims LIST] [--umap-dims LIST] [--train N]
//                   [--epochs E] [--weights FILE] [--seed S] [--threads T] [--out DIR]
//
// quick: NN1 trained on 10,000 images (weighted CE, 3 Nadam + 3 SGD epochs, batch 64),
//        1,000 images per class, UMAP to d ≤ 64 (a CPU, minutes);
// full:  200,000 images, the original's 25 + 50 epochs at batch 2048, 15,000 per class, every d.
// LIST is comma-separated dimensions; "full" means the latent itself, unreduced.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <latentlab/analysis/analysis.hpp>
#include <latentlab/latentlab.hpp>
#include <latentlab/models/models.hpp>

using namespace latentlab;
namespace fs = std::filesystem;

namespace {

struct Settings {
    std::string net = "nn1", layer;  // layer: the network's latent by default
    std::size_t per_class = 1000, train = 10'000, batch = 64, nadam_epochs = 3, sgd_epochs = 3;
    data::Variant variant = data::Variant::free_all;
    std::vector<std::size_t> pca_dims{0, 1024, 512, 256, 128, 64, 32, 16, 8, 4, 2};  // 0 = full
    std::vector<std::size_t> umap_dims{64, 32, 16, 8, 4, 2};
    std::string weights;
    std::uint64_t seed = 1;
    int threads = Cpu::default_threads();
    std::string out = "runs/latent_analysis";
};

std::vector<std::size_t> dims_list(const std::string& list) {
    std::vector<std::size_t> dims;
    std::stringstream in(list);
    for (std::string part; std::getline(in, part, ',');) dims.push_back(part == "full" ? 0 : std::stoull(part));
    return dims;
}

Settings parse(int argc, char** argv) {
    Settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help") {
            std::cout << "usage: latent_analysis [--preset quick|full] [--net nn1|nn2|nn3] [--layer NAME]\n"
                         "       [--per-class N] [--variant NAME] [--pca-dims LIST] [--umap-dims LIST] [--train N]\n"
                         "       [--epochs E] [--weights FILE] [--seed S] [--threads T] [--out DIR]\n";
            std::exit(0);
        }
        require(i + 1 < argc, flag, " needs a value (see --help)");
        const std::string value = argv[++i];
        if (flag == "--preset") {
            require(value == "quick" || value == "full", "--preset: quick or full, not ", value);
            if (value == "full") {
                s.train = 200'000, s.batch = 2048, s.nadam_epochs = 25, s.sgd_epochs = 50, s.per_class = 15'000;
                s.umap_dims = {1024, 512, 256, 128, 64, 32, 16, 8, 4, 2};
            }
        } else if (flag == "--net") s.net = value;
        else if (flag == "--layer") s.layer = value;
        else if (flag == "--per-class") s.per_class = std::stoull(value);
        else if (flag == "--variant") s.variant = data::parse_variant(value);
        else if (flag == "--pca-dims") s.pca_dims = dims_list(value);
        else if (flag == "--umap-dims") s.umap_dims = dims_list(value);
        else if (flag == "--train") s.train = std::stoull(value);
        else if (flag == "--epochs") s.nadam_epochs = s.sgd_epochs = std::stoull(value);
        else if (flag == "--weights") s.weights = value;
        else if (flag == "--seed") s.seed = std::stoull(value);
        else if (flag == "--threads") s.threads = std::stoi(value);
        else if (flag == "--out") s.out = value;
        else fail("unknown option ", flag, " (see --help)");
    }
    return s;
}

// The tagged layer's latents for a run-time layer name among those the network offers.
template <FixedString... Names, class Net, class Data>
analysis::Matrix latents_named(Net& net, const Data& data, const std::string& name, const Cpu& cpu) {
    analysis::Matrix z;
    bool found = false;
    ((name == Names.view() ? (z = analysis::latents<Names>(net, data, {.cpu = cpu}), found = true) : false), ...);
    std::string offered;
    ((offered += std::string(offered.empty() ? "" : ", ") + std::string(Names.view())), ...);
    require(found, "--layer: ", name, " is not one of this network's latent layers (", offered, ")");
    return z;
}

// Trains (or loads) the network and returns its latents of the labelled set.
template <class Spec, FixedString... Names>
analysis::Matrix network_latents(const Settings& s, const data::Rectangles& labelled, const std::string& layer) {
    Network<Spec, Shape<64, 64, 3>> net({.seed = s.seed}, Cpu{s.threads});
    if (!s.weights.empty()) {
        train::load_checkpoint(net, s.weights);
        std::cout << "weights: " << s.weights << "\n";
    } else {
        const data::Rectangles train_set({.count = s.train, .seed = s.seed});
        const data::Rectangles test_set({.count = 2000, .seed = s.seed + 1000});
        std::vector<train::Phase> phases{train::Phase(optim::Nadam{}, {.epochs = s.nadam_epochs, .batch = s.batch})};
        if (s.sgd_epochs > 0)
            phases.emplace_back(optim::Sgd({.lr = 0.02}), train::PhaseOptions{.epochs = s.sgd_epochs, .batch = s.batch},
                                optim::Schedule::time_decay(0.02 / 50));
        const auto result = train::fit(net, losses::WeightedCrossEntropy<4>{{4, 4, 4, 1}}, train_set, phases,
                                       {.validation = &test_set, .run_dir = s.out + "/training", .seed = s.seed,
                                        .cpu = Cpu{s.threads}, .monitor = "val_mean_iou", .name = s.net});
        std::cout << s.net << " trained: validation mean IoU " << result.history.last("val_mean_iou") << " ("
                  << result.seconds << " s)\n";
    }
    return latents_named<Names...>(net, labelled, layer, Cpu{s.threads});
}

struct ProbeRow {
    std::string method;
    std::size_t dims = 0;
    analysis::ProbeScore perceptron, softmax;
    double seconds = 0;
};

std::string dims_text(std::size_t dims, std::size_t full) {
    return dims == 0 ? "full (" + std::to_string(full) + ")" : std::to_string(dims);
}

}  // namespace

int main(int argc, char** argv) try {
    const Settings s = parse(argc, argv);
    const Cpu cpu{s.threads};
    fs::create_directories(s.out);
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();

    // The labelled set: single-rectangle images, classes balanced (class = index mod 3).
    const data::Rectangles labelled(
        data::options_for(s.variant, {.count = 3 * s.per_class, .seed = s.seed + 7, .rectangles_per_image = 1}));
    const analysis::Labels labels = labelled.labels(0, labelled.size());
    const std::vector<std::string> class_names{"class I", "class II", "class III"};

    analysis::Matrix z;
    if (s.net == "nn1") z = network_latents<models::NN1, "code", "e3", "d3">(s, labelled, s.layer.empty() ? "code" : s.layer);
    else if (s.net == "nn2")
        z = network_latents<models::NN2, "bottleneck", "e4", "u4">(s, labelled, s.layer.empty() ? "bottleneck" : s.layer);
    else if (s.net == "nn3")
        z = network_latents<models::NN3, "bottleneck", "e4", "u4">(s, labelled, s.layer.empty() ? "bottleneck" : s.layer);
    else fail("--net: nn1, nn2 or nn3, not ", s.net);
    const std::size_t full = analysis::columns(z);
    std::cout << "latents: " << analysis::rows(z) << " images × " << full << " values ("
              << data::variant_name(s.variant) << ")\n";

    // Reduce, standardize, probe.
    std::vector<ProbeRow> table;
    analysis::Matrix pca2, umap2, umap16;
    auto probe = [&](const std::string& method, std::size_t dims, const analysis::Matrix& reduced, double seconds) {
        const analysis::Matrix x = analysis::Standardizer({.cpu = cpu}).fit_transform(reduced);
        ProbeRow row{method, dims, analysis::separability(x, labels, analysis::PerceptronOptions{.seed = s.seed, .cpu = cpu}),
                     analysis::separability(x, labels, analysis::LinearProbeOptions::fast()), seconds};
        std::printf("%-5s %-12s perceptron F1 %.4f  softmax F1 %.4f  (%.1f s)\n", method.c_str(),
                    dims_text(dims, full).c_str(), row.perceptron.f1_micro, row.softmax.f1_micro, seconds);
        table.push_back(std::move(row));
    };
    for (const std::size_t d : s.pca_dims) {
        require(d <= std::min(full, analysis::rows(z)), "--pca-dims: ", d, " is more than the latent has (", full, ")");
        const auto t = Clock::now();
        const analysis::Matrix reduced = d == 0 ? z : analysis::pca(z, d, {.seed = s.seed, .cpu = cpu});
        if (d == 2) pca2 = reduced;
        probe("PCA", d, reduced, std::chrono::duration<double>(Clock::now() - t).count());
    }
    for (const std::size_t d : s.umap_dims) {
        require(d > 0, "--umap-dims: UMAP needs a dimension (\"full\" is for PCA)");
        const auto t = Clock::now();
        const analysis::Matrix reduced = analysis::umap(z, {.components = d, .seed = s.seed, .cpu = cpu});
        if (d == 2) umap2 = reduced;
        if (d == 16) umap16 = reduced;
        probe("UMAP", d, reduced, std::chrono::duration<double>(Clock::now() - t).count());
    }

    // The table (text and CSV) and the F1-vs-dimension figure.
    std::ostringstream text, csv;
    text << "method dims          perceptron F1 (micro; I, II, III)      softmax probe F1 (micro; I, II, III)\n";
    csv << "method,dims,perceptron_f1_micro,perceptron_f1_I,perceptron_f1_II,perceptron_f1_III,"
           "softmax_f1_micro,softmax_f1_I,softmax_f1_II,softmax_f1_III,seconds\n";
    for (const auto& r : table) {
        char line[256];
        const auto& p = r.perceptron.f1_per_class;
        const auto& q = r.softmax.f1_per_class;
        std::snprintf(line, sizeof line, "%-6s %-13s %.4f (%.3f %.3f %.3f)             %.4f (%.3f %.3f %.3f)\n",
                      r.method.c_str(), dims_text(r.dims, full).c_str(), r.perceptron.f1_micro, p[0], p[1], p[2],
                      r.softmax.f1_micro, q[0], q[1], q[2]);
        text << line;
        csv << r.method << ',' << (r.dims ? r.dims : full) << ',' << r.perceptron.f1_micro << ',' << p[0] << ','
            << p[1] << ',' << p[2] << ',' << r.softmax.f1_micro << ',' << q[0] << ',' << q[1] << ',' << q[2] << ','
            << r.seconds << '\n';
    }
    plot::Figure f1({.width = 900, .height = 560, .title = "Linear separability of " + s.net + " latents (" +
                                                          std::string(data::variant_name(s.variant)) + ")"});
    for (const std::string method : {"PCA", "UMAP"})
        for (const bool softmax : {false, true}) {
            std::vector<double> xs, ys;
            for (const auto& r : table)
                if (r.method == method) {
                    xs.push_back(static_cast<double>(r.dims ? r.dims : full));
                    ys.push_back(softmax ? r.softmax.f1_micro : r.perceptron.f1_micro);
                }
            if (xs.empty()) continue;
            f1.axes().line(xs, ys, {.label = method + (softmax ? ", softmax probe" : ", perceptrons"),
                                    .style = softmax ? plot::LineStyle::dashed : plot::LineStyle::solid,
                                    .marker = plot::Marker::circle});
        }
    f1.axes().set_log_x().set_xlabel("dimensions").set_ylabel("F1 (micro) on the whole set").set_grid(true);
    f1.save(fs::path(s.out) / "f1_vs_dimension.svg");
    f1.save(fs::path(s.out) / "f1_vs_dimension.png");

    // 2-D pictures and their quality.
    std::ostringstream quality;
    auto picture = [&](const analysis::Matrix& e, const std::string& method, const std::string& file) {
        if (e.size() == 0) return;
        const auto q = analysis::embedding_quality(z, e, {.k = 15, .cpu = cpu});
        char line[200];
        std::snprintf(line, sizeof line, "%s 2-D: trustworthiness %.4f, continuity %.4f (k = 15), silhouette %.4f\n",
                      method.c_str(), q.trustworthiness, q.continuity, analysis::silhouette(e, labels, cpu));
        quality << line;
        plot::Figure figure({.width = 760, .height = 680, .title = method + " of " + s.net + " latents"});
        figure.axes().scatter(xt::view(e, xt::all(), 0), xt::view(e, xt::all(), 1), labels,
                              {.class_names = class_names});
        figure.save(fs::path(s.out) / (file + ".png"));
        figure.save(fs::path(s.out) / (file + ".svg"));
    };
    picture(pca2, "PCA", "pca_2d");
    picture(umap2, "UMAP", "umap_2d");

    // Geometry: geodesic distance on the UMAP 16-d kNN graph against S.
    std::ostringstream geometry;
    if (umap16.size() != 0) {
        const analysis::Matrix params = analysis::generative_parameters(labelled.parameters(0, labelled.size()));
        const auto study = analysis::geodesic_study(umap16, params, 15, cpu);
        geometry << "geometry (UMAP 16-d, 15-NN graph): " << study.components.sizes.size() << " components, largest "
                 << study.components.sizes.front() << " nodes; centre node " << study.centre.node << " (eccentricity "
                 << study.centre.eccentricity << "); Spearman rank correlation geodesic vs S = " << study.spearman << "\n";
        std::vector<double> gx, sy;
        for (std::size_t i = 0; i < study.geodesic.size(); ++i)
            if (std::isfinite(study.geodesic(i))) gx.push_back(study.geodesic(i)), sy.push_back(study.parameter(i));
        plot::Figure figure({.width = 760, .height = 600, .title = "Geodesic distance from the centre vs S"});
        figure.axes().scatter(gx, sy).set_xlabel("geodesic distance (UMAP 16-d kNN graph)").set_ylabel(
            "generative-parameter distance S");
        figure.save(fs::path(s.out) / "geometry.png");
    }

    const double total = std::chrono::duration<double>(Clock::now() - started).count();
    std::ostringstream summary;
    summary << text.str() << "\n" << quality.str() << geometry.str() << "total " << total << " s\n";
    std::cout << "\n" << summary.str();
    data::write_file_atomically(fs::path(s.out) / "f1_table.txt", summary.str());
    data::write_file_atomically(fs::path(s.out) / "f1_table.csv", csv.str());
    std::cout << "wrote " << s.out << "/{f1_table.txt,f1_table.csv,f1_vs_dimension.svg,pca_2d.png,umap_2d.png,geometry.png}\n";
} catch (const std::exception& error) {
    std::cerr << "latent_analysis: " << error.what() << "\n";
    return 1;
}
