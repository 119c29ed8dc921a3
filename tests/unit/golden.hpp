#pragma once
// Golden checks: a network against reference arrays written by tools/make_golden.py
// (PyTorch). A case folder tests/data/golden/<case>/ holds
//   x.npy, y.npy, dy.npy, dx.npy              NHWC, batch first;
//   <param>.npy, d<param>.npy                 per parameter, in our layouts;
// where <param> is the last part of a ParameterInfo name ("weight" for "1.weight").
// check_golden sets the parameters, runs forward (eval) and backward with dy, and compares
// y, dx and every parameter gradient norm-wise: ‖ours − reference‖ ≤ tolerance·‖reference‖.
// Every file of the folder must be used, so a parameter the network lacks (a bias the
// reference has) fails instead of being ignored. With LATENTLAB_PRINT_GOLDEN_ERRORS set in
// the environment, each case prints its measured errors.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

#include "latentlab/data/npy.hpp"
#include "support.hpp"

namespace latentlab::testing {

// 1e-5 for float, 1e-10 for double: the references are computed in double.
template <class T>
constexpr double golden_tolerance() {
    return sizeof(T) >= sizeof(double) ? 1e-10 : 1e-5;
}

namespace golden_detail {

inline std::string shape_text(const std::vector<std::size_t>& shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

template <class T>
xt::xarray<T> load(const std::filesystem::path& dir, const std::string& file,
                   const std::vector<std::size_t>& expected_shape) {
    const auto path = dir / (file + ".npy");
    INFO("golden file " << path.string());
    REQUIRE(std::filesystem::exists(path));
    auto array = load_npy<T>(path);
    const std::vector<std::size_t> shape(array.shape().begin(), array.shape().end());
    INFO("shape " << shape_text(shape) << ", expected " << shape_text(expected_shape));
    REQUIRE(shape == expected_shape);
    return array;
}

template <class S>
std::vector<std::size_t> batch_shape(std::size_t batch) {
    return {batch, std::size_t(S::height), std::size_t(S::width), std::size_t(S::channels)};
}

inline std::string last_part(const std::string& name) {
    const auto dot = name.rfind('.');
    return dot == std::string::npos ? name : name.substr(dot + 1);
}

}  // namespace golden_detail

// Relative errors measured by check_golden, by array name ("y", "dx", "dweight", ...).
using GoldenErrors = std::map<std::string, double>;

// How a case names its parameter files: after the last part of the parameter's name
// ("weight", gradient "dweight"; the layer cases) or by position ("param_07", gradient
// "grad_07"; the whole-network cases, whose parameter names are long paths).
enum class ParameterFiles { by_name, by_index };

template <class Net>
GoldenErrors check_golden(Net& net, const std::string& case_name, double tolerance,
                          ParameterFiles naming = ParameterFiles::by_name) {
    using T = typename Net::value_type;
    using In = typename Net::input_shape;
    using Out = typename Net::output_shape;
    namespace gd = golden_detail;
    const auto dir = golden_dir(case_name);
    INFO("golden case " << case_name << " (" << dir.string() << "), " << (sizeof(T) == 4 ? "float" : "double"));
    REQUIRE(std::filesystem::is_directory(dir));

    const auto x_file = load_npy<T>(dir / "x.npy");
    REQUIRE(x_file.dimension() == 4);
    const std::size_t batch = x_file.shape()[0];
    REQUIRE(batch > 0);
    const auto x_ref = gd::load<T>(dir, "x", gd::batch_shape<In>(batch));
    net.plan(batch);

    // Parameters: each from the file named by the last part of its name.
    std::set<std::string> used{"x", "y", "dy", "dx"};
    std::map<std::string, const ParameterInfo*> by_file;
    std::map<std::string, std::string> gradient_file;
    for (std::size_t index = 0; index < net.parameter_infos().size(); ++index) {
        const auto& info = net.parameter_infos()[index];
        std::string number = std::to_string(index);
        if (number.size() < 2) number.insert(number.begin(), '0');
        const std::string file = naming == ParameterFiles::by_name ? gd::last_part(info.name) : "param_" + number;
        gradient_file[file] = naming == ParameterFiles::by_name ? "d" + file : "grad_" + number;
        INFO("parameter " << info.name);
        REQUIRE(by_file.count(file) == 0);  // two parameters would read the same file
        by_file[file] = &info;
        const auto value = gd::load<T>(dir, file, info.shape);
        T* target = (info.trainable ? net.parameters().data() : net.state().data()) + info.offset;
        std::copy(value.begin(), value.end(), target);
        used.insert(file);
        if (info.trainable) used.insert(gradient_file[file]);
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        INFO("file " << entry.path().filename().string() << " matches no array the network has");
        CHECK((entry.path().extension() == ".npy" && used.count(entry.path().stem().string()) == 1));
    }

    GoldenErrors errors;
    const auto compare = [&](const std::string& what, const T* ours, const xt::xarray<T>& reference) {
        const double error = relative_error(ours, reference.data(), reference.size());
        errors[what] = error;
        INFO(case_name << " " << what << ": relative error " << error);
        CHECK(error <= tolerance);
    };

    HostTensor<T, In> x(batch);
    std::copy(x_ref.begin(), x_ref.end(), x.data());
    const auto y = net.forward(x.view(), Mode::eval);
    compare("y", y.data, gd::load<T>(dir, "y", gd::batch_shape<Out>(batch)));

    const auto dy_ref = gd::load<T>(dir, "dy", gd::batch_shape<Out>(batch));
    HostTensor<T, Out> dy(batch);
    std::copy(dy_ref.begin(), dy_ref.end(), dy.data());
    HostTensor<T, In> dx(batch);
    net.zero_grad();
    net.backward(dy.view(), dx.view());
    compare("dx", dx.data(), gd::load<T>(dir, "dx", gd::batch_shape<In>(batch)));
    for (const auto& [file, info] : by_file)
        if (info->trainable)
            compare(gradient_file[file], net.gradients().data() + info->offset,
                    gd::load<T>(dir, gradient_file[file], info->shape));
    if (std::getenv("LATENTLAB_PRINT_GOLDEN_ERRORS")) {  // one line per case, for reports
        std::printf("golden %-30s %-6s", case_name.c_str(), sizeof(T) == 4 ? "float" : "double");
        for (const auto& [what, error] : errors) std::printf("  %s %.1e", what.c_str(), error);
        std::printf("\n");
    }
    return errors;
}

// Runs check_golden for Spec on input shape In in float and in double.
template <class Spec, ShapeType In>
void check_golden_both(const std::string& case_name) {
    {
        Network<Spec, In, Cpu, float> net;
        check_golden(net, case_name, golden_tolerance<float>());
    }
    {
        Network<Spec, In, Cpu, double> net;
        check_golden(net, case_name, golden_tolerance<double>());
    }
}

}  // namespace latentlab::testing
