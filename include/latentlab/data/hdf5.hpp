#pragma once
// HDF5 read/write of n-d arrays (optional feature HDF5: CMake defines LATENTLAB_WITH_HDF5
// and links the HDF5 C library when libhdf5-dev is found). The original study kept its
// rectangle data sets in HDF5 files with the datasets image / mask / parameters /
// full_mask; save_rectangles_h5 and load_rectangles_h5 write and read that layout.
//
// Every failure (missing file, missing dataset, a stored type or rank other than the one
// asked for) is a latentlab::Error naming the file and the dataset; HDF5's own error stack
// printing is switched off while our calls run.
#ifndef LATENTLAB_WITH_HDF5
#error "latentlab/data/hdf5.hpp needs HDF5: install libhdf5-dev and reconfigure (the HDF5 feature)"
#endif

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <hdf5.h>
#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include "latentlab/core/error.hpp"
#include "latentlab/data/rectangles.hpp"

namespace latentlab::data {

namespace h5_detail {

// Owns one HDF5 identifier and closes it with the matching H5?close.
class Handle {
public:
    Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
    Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle& operator=(Handle&&) = delete;
    ~Handle() {
        if (id_ >= 0) close_(id_);
    }
    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }

private:
    hid_t id_;
    herr_t (*close_)(hid_t);
};

// Silences HDF5's automatic error printing for the lifetime of the object: our messages
// say what went wrong; a stack dump on stderr would only confuse.
class QuietErrors {
public:
    QuietErrors() {
        H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
    QuietErrors(const QuietErrors&) = delete;
    QuietErrors& operator=(const QuietErrors&) = delete;
    ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

private:
    H5E_auto2_t function_ = nullptr;
    void* data_ = nullptr;
};

template <class T>
hid_t memory_type() {
    if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
    else if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
    else if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
    else if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
    else if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
    else static_assert(sizeof(T) == 0, "HDF5 arrays hold uint8, int32, int64, float or double");
}

template <class T>
const char* type_name() {
    if constexpr (std::is_same_v<T, std::uint8_t>) return "uint8";
    else if constexpr (std::is_same_v<T, std::int32_t>) return "int32";
    else if constexpr (std::is_same_v<T, std::int64_t>) return "int64";
    else if constexpr (std::is_same_v<T, float>) return "float32";
    else return "float64";
}

// The stored type's description, for messages: class, size and sign.
inline std::string describe_type(hid_t type) {
    const std::size_t bytes = H5Tget_size(type);
    switch (H5Tget_class(type)) {
        case H5T_INTEGER:
            return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(8 * bytes);
        case H5T_FLOAT: return "float" + std::to_string(8 * bytes);
        default: return "a non-numeric type";
    }
}

template <class T>
bool stored_as(hid_t type) {
    const H5T_class_t kind = H5Tget_class(type);
    if constexpr (std::is_floating_point_v<T>) return kind == H5T_FLOAT && H5Tget_size(type) == sizeof(T);
    else
        return kind == H5T_INTEGER && H5Tget_size(type) == sizeof(T) &&
               (H5Tget_sign(type) == H5T_SGN_NONE) == std::is_unsigned_v<T>;
}

inline Handle open_file(const std::filesystem::path& path) {
    require(std::filesystem::is_regular_file(path), path.string(), ": no such HDF5 file");
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    require(file.valid(), path.string(), ": not an HDF5 file (or unreadable)");
    return file;
}

}  // namespace h5_detail

// Reads dataset `name` of an HDF5 file; its stored element type must be T's (no silent
// conversion between integer and floating point, or narrowing).
template <class T>
xt::xarray<T> read_h5(const std::filesystem::path& path, const std::string& name) {
    using namespace h5_detail;
    QuietErrors quiet;
    const Handle file = open_file(path);
    require(H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) > 0, path.string(), ": no dataset '", name, "'");
    const Handle set(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
    require(set.valid(), path.string(), ": '", name, "' is not a dataset");
    const Handle type(H5Dget_type(set.get()), H5Tclose);
    require(stored_as<T>(type.get()), path.string(), ": dataset '", name, "' holds ", describe_type(type.get()),
            ", expected ", type_name<T>());
    const Handle space(H5Dget_space(set.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    require(rank >= 0, path.string(), ": dataset '", name, "' has no simple shape");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    std::vector<std::size_t> shape(dims.begin(), dims.end());
    xt::xarray<T> out = xt::xarray<T>::from_shape(shape);
    if (out.size() > 0)
        require(H5Dread(set.get(), memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0, path.string(),
                ": reading dataset '", name, "' failed");
    return out;
}

// Writes (or replaces) dataset `name` in an HDF5 file, creating the file if needed.
template <class E>
void write_h5(const std::filesystem::path& path, const std::string& name, const xt::xexpression<E>& array) {
    using namespace h5_detail;
    using T = typename E::value_type;
    const auto values = xt::eval(array.derived_cast());
    QuietErrors quiet;
    const bool exists = std::filesystem::exists(path);
    Handle file(exists ? H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)
                       : H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                H5Fclose);
    require(file.valid(), path.string(), exists ? ": cannot open the HDF5 file for writing" : ": cannot create the file");
    if (H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) > 0)
        require(H5Ldelete(file.get(), name.c_str(), H5P_DEFAULT) >= 0, path.string(), ": cannot replace dataset '",
                name, "'");
    std::vector<hsize_t> dims(values.shape().begin(), values.shape().end());
    const Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    const Handle set(H5Dcreate2(file.get(), name.c_str(), memory_type<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                                H5P_DEFAULT),
                     H5Dclose);
    require(set.valid(), path.string(), ": cannot create dataset '", name, "'");
    if (values.size() > 0)
        require(H5Dwrite(set.get(), memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0,
                path.string(), ": writing dataset '", name, "' failed");
}

// The original's data set layout.
struct RectanglesH5 {
    xt::xarray<std::uint8_t> image;      // N×64×64×3
    xt::xarray<std::uint8_t> mask;       // N×64×64 class indices (background 3)
    xt::xarray<std::uint8_t> full_mask;  // N×64×64×4 one-hot
    xt::xarray<float> parameters;        // N×rectangles×fields (data::parameter_fields)
};

// Writes images first … first + count − 1 of a generator in the original's layout.
inline void save_rectangles_h5(const std::filesystem::path& path, const Rectangles& data, std::size_t first,
                               std::size_t count, const Cpu& cpu = {}) {
    const auto masks = data.masks(first, count, cpu);
    write_h5(path, "image", data.images(first, count, cpu));
    write_h5(path, "mask", masks);
    write_h5(path, "full_mask", one_hot(masks));
    write_h5(path, "parameters", data.parameters(first, count, cpu));
}

// Reads the original's layout, checking that the four datasets agree in shape.
inline RectanglesH5 load_rectangles_h5(const std::filesystem::path& path) {
    RectanglesH5 out{read_h5<std::uint8_t>(path, "image"), read_h5<std::uint8_t>(path, "mask"),
                     read_h5<std::uint8_t>(path, "full_mask"), read_h5<float>(path, "parameters")};
    const auto side = static_cast<std::size_t>(rectangles::image_side);
    const std::size_t n = out.image.dimension() == 4 ? out.image.shape()[0] : 0;
    const auto shaped = [&](const auto& a, std::vector<std::size_t> expected) {
        return std::vector<std::size_t>(a.shape().begin(), a.shape().end()) == expected;
    };
    require(shaped(out.image, {n, side, side, 3}), path.string(), ": 'image' must be N×64×64×3");
    require(shaped(out.mask, {n, side, side}), path.string(), ": 'mask' must be ", n, "×64×64 like 'image'");
    require(shaped(out.full_mask, {n, side, side, std::size_t{rectangles::mask_classes}}), path.string(),
            ": 'full_mask' must be ", n, "×64×64×4 like 'image'");
    require(out.parameters.dimension() == 3 && out.parameters.shape()[0] == n, path.string(),
            ": 'parameters' must be ", n, "×rectangles×fields like 'image'");
    return out;
}

}  // namespace latentlab::data
