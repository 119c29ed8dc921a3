#pragma once
// Weight exchange: every parameter and buffer of a network as a named array, in one .npz
// archive or a folder of .npy files, so weights move to and from PyTorch or Keras with a
// short script (tools/torch_weights.py does PyTorch).
//
// Names are the network's ParameterInfo names: "e1.weight", "d1.1.bias" (NN2), "e1.depthwise"
// (separable convs), "bn.running_mean", "3.weight" (an untagged layer of a Sequential). The
// arrays are float32 (float64 for a double network), C order, in Keras' layouts, which
// ParameterInfo::layout spells with one letter per axis:
//
//   layer             tensor         layout  shape           PyTorch equivalent
//   Conv2d            weight         HWIO    [K,K,Cin,Out]   Conv2d.weight [Out,Cin,K,K]: transpose(3,2,0,1)
//                     bias           O       [Out]           Conv2d.bias
//   ConvTranspose2d   weight         HWOI    [K,K,Out,Cin]   ConvTranspose2d.weight [Cin,Out,K,K]: transpose(3,2,0,1)
//                     bias           O       [Out]
//   DepthwiseConv2d   weight         HWCM    [K,K,C,M]       Conv2d(groups=C).weight [C·M,1,K,K]:
//                                                            transpose(2,3,0,1).reshape(C·M,1,K,K)
//                     bias           O       [C·M]
//   SeparableConv2d   depthwise      HWCM    [K,K,C,1]       depthwise Conv2d(groups=C) [C,1,K,K]
//                     pointwise      HWIO    [1,1,C,Out]     1×1 Conv2d [Out,C,1,1]
//                     bias           O       [Out]           the 1×1 conv's bias
//   Dense             weight         IO      [D,Out]         Linear.weight [Out,D]: transpose. D after Flatten
//                                                            runs over NHWC features (h, w, c; c fastest): a
//                                                            PyTorch model must flatten x.permute(0,2,3,1).
//                     bias           O       [Out]
//   BatchNorm2d       gamma, beta    C       [C]             BatchNorm2d.weight, .bias
//                     running_mean,  C       [C]             the same buffers (non-trainable here: they live in
//                     running_var                            net.state()); num_batches_tracked is not kept
//
// A folder export holds "<name>.npy" per tensor and manifest.json listing each tensor's name,
// file, shape, dtype, layout and whether it is trainable; an import reads the folder's .npy
// files (the manifest is for people and scripts). Imports check everything — names, shapes,
// NaN/Inf — before writing anything, so a failed import leaves the network as it was.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <xtensor/xarray.hpp>

#include "latentlab/core/error.hpp"
#include "latentlab/core/json.hpp"
#include "latentlab/data/npy.hpp"
#include "latentlab/data/npz.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab::train {

struct ExportOptions {
    std::string prefix = "";  // export only the tensors whose names start with this ("" = all)
};

struct ImportOptions {
    // Every network parameter considered must be in the source, and the source must hold
    // nothing else that is considered. Without it, the names found in both are imported (at
    // least one must be).
    bool strict = true;
    // Renaming: a source tensor source_prefix + X goes to the network's target_prefix + X
    // (E4: an autoencoder's "encoder." weights into a classifier's "features."). Only source
    // tensors named source_prefix… and network parameters named target_prefix… are considered.
    std::string source_prefix = "", target_prefix = "";
};

namespace weights_detail {

inline bool is_npz(const std::filesystem::path& path) { return path.extension() == ".npz"; }

inline std::string quoted_list(const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "'" : ", '") + name + "'";
    return text;
}

inline std::string shape_text(const std::vector<std::size_t>& shape) {
    // Appended piece by piece: "[" + text + "]" sets off GCC 12's false -Wrestrict (bug 105329).
    std::string text = "[";
    text += npy_detail::shape_text(shape);
    text += ']';
    return text;
}

// The shape PyTorch gives a tensor of this layout and shape, to recognise an unconverted one.
inline std::vector<std::size_t> torch_shape(std::string_view layout, const std::vector<std::size_t>& s) {
    if (layout == "HWIO" || layout == "HWOI") return {s[3], s[2], s[0], s[1]};
    if (layout == "HWCM") return {s[2] * s[3], 1, s[0], s[1]};
    if (layout == "IO") return {s[1], s[0]};
    return s;
}

// A tensor name as a file name: it must not leave the folder or be empty.
inline void check_file_name(const std::string& name, const std::filesystem::path& folder) {
    const bool ok = !name.empty() && name != "." && name != ".." &&
                    name.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos;
    require(ok, "export_weights: ", folder.string(), ": the tensor name '", name,
            "' cannot be a file name (it is empty or holds '/', '\\' or a NUL); export to an .npz instead");
}

// The .npy files directly inside `folder`; `caller` starts the message of an Error.
inline std::vector<std::filesystem::path> npy_files(const std::filesystem::path& folder, std::string_view caller) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && it->path().extension() == ".npy") files.push_back(it->path());
    require(!ec, caller, ": ", folder.string(), ": cannot list the folder (", ec.message(), ")");
    return files;
}

// The tensors of an export, as a folder of .npy files or an .npz archive.
class Source {
public:
    explicit Source(const std::filesystem::path& from) {
        std::error_code ec;
        if (std::filesystem::is_directory(from, ec)) {
            for (const auto& file : npy_files(from, "import_weights")) files_.emplace(file.stem().string(), file);
            for (const auto& [name, file] : files_) names_.push_back(name);
        } else {
            require(std::filesystem::exists(from, ec), "import_weights: ", from.string(),
                    ": no such file or folder");
            require(is_npz(from), "import_weights: ", from.string(),
                    ": expected a folder of .npy files or an .npz archive");
            archive_.emplace(from);
            names_ = archive_->names();
        }
    }
    const std::vector<std::string>& names() const { return names_; }

    // Where in the source a tensor is, for messages that already name the source.
    std::string origin(const std::string& name) const {
        return archive_ ? "array '" + name + "'" : files_.at(name).filename().string();
    }
    template <class T>
    xt::xarray<T> read(const std::string& name) {
        return archive_ ? archive_->read<T>(name) : load_npy<T>(files_.at(name));
    }

private:
    std::optional<data::NpzReader> archive_;
    std::map<std::string, std::filesystem::path> files_;
    std::vector<std::string> names_;
};

}  // namespace weights_detail

// Writes the network's tensors (trainable parameters and buffers such as BatchNorm's
// running statistics) to `to`: one archive if it ends in ".npz", else a folder (created if
// needed) with "<name>.npy" per tensor and manifest.json. A folder that already holds .npy
// files of other names is refused, so an import never mixes two exports.
template <class Net>
void export_weights(const Net& net, const std::filesystem::path& to, const ExportOptions& options = {}) {
    using namespace weights_detail;
    using T = typename Net::value_type;
    std::vector<const ParameterInfo*> chosen;
    for (const auto& info : net.parameter_infos())
        if (info.name.starts_with(options.prefix)) chosen.push_back(&info);
    require(!chosen.empty(), "export_weights: ", to.string(), ": the network has no tensor named '", options.prefix,
            "…'");
    const auto values = [&](const ParameterInfo& info) {
        return (info.trainable ? net.parameters() : net.state()).data() + info.offset;
    };

    if (is_npz(to)) {
        data::NpzWriter archive(to);
        for (const auto* info : chosen) archive.add(info->name, values(*info), std::span<const std::size_t>(info->shape));
        archive.close();
        return;
    }

    for (const auto* info : chosen) check_file_name(info->name, to);
    std::error_code ec;
    std::filesystem::create_directories(to, ec);
    require(!ec, "export_weights: ", to.string(), ": cannot create the folder (", ec.message(), ")");
    std::vector<std::string> foreign;
    for (const auto& file : npy_files(to, "export_weights")) {
        const std::string name = file.stem().string();
        if (std::none_of(chosen.begin(), chosen.end(), [&](const auto* info) { return info->name == name; }))
            foreign.push_back(file.filename().string());
    }
    require(foreign.empty(), "export_weights: ", to.string(), ": the folder already holds ", quoted_list(foreign),
            ", not tensors of this export; export into an empty folder");

    JsonWriter manifest;
    manifest.begin_object().key("format").value("latentlab weights").key("version").value(1).key("tensors");
    manifest.begin_array();
    for (const auto* info : chosen) {
        const std::string file = info->name + ".npy";
        save_npy(to / file, values(*info), std::span<const std::size_t>(info->shape));
        manifest.begin_object().key("name").value(info->name).key("file").value(file).key("shape");
        manifest.array(info->shape).key("dtype").value(std::is_same_v<T, float> ? "float32" : "float64");
        manifest.key("layout").value(info->layout).key("trainable").value(info->trainable).end_object();
    }
    manifest.end_array().end_object();
    const std::string manifest_file = (to / "manifest.json").string();
    std::ofstream out(to / "manifest.json", std::ios::trunc);
    require(out.is_open(), "export_weights: ", manifest_file, ": cannot open for writing");
    out << manifest.str() << "\n";
    out.close();
    require(!out.fail(), "export_weights: ", manifest_file, ": write failed");
}

// Reads tensors exported by export_weights (or written by tools/torch_weights.py, np.savez,
// np.save) from `from` (an .npz archive or a folder of .npy files) into the network; see
// ImportOptions for which. Returns the network names imported, in network order. Values of
// another floating type are converted; everything is checked before anything is written.
template <class Net>
std::vector<std::string> import_weights(Net& net, const std::filesystem::path& from, const ImportOptions& options = {}) {
    using namespace weights_detail;
    using T = typename Net::value_type;
    Source source(from);
    const std::string where = "import_weights: " + from.string();

    std::map<std::string, std::string> source_for;  // network name -> source name
    for (const auto& name : source.names())
        if (name.starts_with(options.source_prefix))
            source_for.emplace(options.target_prefix + name.substr(options.source_prefix.size()), name);

    std::vector<const ParameterInfo*> targets;
    std::vector<std::string> missing;
    for (const auto& info : net.parameter_infos()) {
        if (!info.name.starts_with(options.target_prefix)) continue;
        if (source_for.contains(info.name)) targets.push_back(&info);
        else missing.push_back(info.name);
    }
    std::vector<std::string> extra;  // in the source's order
    for (const auto& name : source.names()) {
        if (!name.starts_with(options.source_prefix)) continue;
        const std::string target = options.target_prefix + name.substr(options.source_prefix.size());
        if (std::none_of(targets.begin(), targets.end(), [&](const auto* info) { return info->name == target; }))
            extra.push_back(name);
    }
    const std::string renaming = options.source_prefix == options.target_prefix
                                     ? std::string()
                                     : " (source '" + options.source_prefix + "…' renamed to '" +
                                           options.target_prefix + "…')";
    if (options.strict) {
        require(missing.empty(), where, ": no tensor for the network's ", quoted_list(missing), renaming,
                "; pass ImportOptions{.strict = false} to import only what is there");
        require(extra.empty(), where, ": holds ", quoted_list(extra), ", which match no parameter of the network",
                renaming, "; pass ImportOptions{.strict = false} to skip them");
    }
    require(!targets.empty(), where, ": nothing to import: no tensor named '", options.source_prefix,
            "…' matches a network parameter named '", options.target_prefix, "…' (the source holds ",
            source.names().empty() ? std::string("no tensors") : quoted_list(source.names()), ")");

    std::vector<xt::xarray<T>> arrays;
    for (const auto* info : targets) {
        const std::string& name = source_for.at(info->name);
        xt::xarray<T> array = source.read<T>(name);
        const std::vector<std::size_t> found(array.shape().begin(), array.shape().end());
        if (found != info->shape) {
            const bool torch = found == torch_shape(info->layout, info->shape) && info->layout.size() > 1;
            fail(where, ": ", source.origin(name), " has shape ", shape_text(found), ", but the network's '",
                 info->name, "' needs ", shape_text(info->shape), " (layout ", info->layout, ")",
                 torch ? "; this is PyTorch's layout: convert with tools/torch_weights.py from_torch" : "");
        }
        const auto bad = std::find_if(array.begin(), array.end(), [](T v) { return !std::isfinite(v); });
        if (bad != array.end())
            fail(where, ": ", source.origin(name), " holds ", *bad, " at flat index ", bad - array.begin(),
                 " (C order); weights must be finite");
        arrays.push_back(std::move(array));
    }

    std::vector<std::string> imported;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const ParameterInfo& info = *targets[i];
        T* values = (info.trainable ? net.parameters() : net.state()).data() + info.offset;
        std::copy(arrays[i].begin(), arrays[i].end(), values);
        imported.push_back(info.name);
    }
    return imported;
}

}  // namespace latentlab::train
