#pragma once
// Run-time compiled kernels (DESIGN point 8). The library's custom kernels are CUDA C++
// source strings (backend/cuda/kernels/*.hpp), so user code that runs on a GPU compiles with
// the host compiler alone and never needs nvcc. NVRTC compiles a source once per process
// for the device's architecture; the CUBIN is also kept on disk, keyed by a hash of the
// source, the architecture, the options and NVRTC's version, so later processes load it
// without compiling. Sources hold extern "C" __global__ functions (no name mangling) and
// include nothing: the common device helpers (kernels/prelude.hpp) are prepended.
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <cuda_runtime_api.h>
#include <nvrtc.h>

#include "latentlab/backend/cuda/error.hpp"
#include "latentlab/backend/cuda/kernels/prelude.hpp"
#include "latentlab/backend/cuda/kernels/source.hpp"
#include "latentlab/data/binary_file.hpp"

namespace latentlab::cuda {

enum class KernelImage { ptx, cubin };

// Compiles `source` (with the prelude) for `architecture`: a virtual one ("compute_90") to
// PTX, a real one ("sm_90") to CUBIN. Needs no GPU. A compile error throws, with NVRTC's log.
inline std::string compile_kernels(const KernelSource& source, const std::string& architecture, KernelImage image) {
    const std::string code = std::string(kernel_prelude) + source.code;
    nvrtcProgram program = nullptr;
    check(nvrtcCreateProgram(&program, code.c_str(), source.name, 0, nullptr, nullptr), "nvrtcCreateProgram");
    struct Destroy {
        nvrtcProgram& program;
        ~Destroy() { nvrtcDestroyProgram(&program); }
    } destroy{program};
    const std::string arch_option = "--gpu-architecture=" + architecture;
    // No fast-math: the GPU must agree with the CPU within 1e-4 (exp, division, sqrt IEEE).
    const char* options[] = {arch_option.c_str(), "--std=c++17", "--device-as-default-execution-space"};
    const nvrtcResult compiled = nvrtcCompileProgram(program, 3, options);
    if (compiled != NVRTC_SUCCESS) {
        std::size_t log_size = 0;
        nvrtcGetProgramLogSize(program, &log_size);
        std::string log(log_size, '\0');
        if (log_size > 0) nvrtcGetProgramLog(program, log.data());
        fail("NVRTC could not compile the kernels of ", source.name, " for ", architecture, ": ",
             nvrtcGetErrorString(compiled), "\n", log);
    }
    std::size_t size = 0;
    std::string result;
    if (image == KernelImage::ptx) {
        check(nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize");
        result.resize(size);
        check(nvrtcGetPTX(program, result.data()), "nvrtcGetPTX");
    } else {
        check(nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize");
        result.resize(size);
        check(nvrtcGetCUBIN(program, result.data()), "nvrtcGetCUBIN");
    }
    return result;
}

// Where compiled kernels are kept between processes: $LATENTLAB_KERNEL_CACHE, else
// $XDG_CACHE_HOME/latentlab/kernels, else ~/.cache/latentlab/kernels; empty (no disk
// cache) when none of these can be named.
inline std::filesystem::path kernel_cache_directory() {
    if (const char* dir = std::getenv("LATENTLAB_KERNEL_CACHE"); dir && *dir) return dir;
    if (const char* dir = std::getenv("XDG_CACHE_HOME"); dir && *dir)
        return std::filesystem::path(dir) / "latentlab" / "kernels";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::filesystem::path(home) / ".cache" / "latentlab" / "kernels";
    return {};
}

inline std::uint64_t fnv1a(std::string_view bytes, std::uint64_t hash = 0xcbf29ce484222325ull) {
    for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3ull;
    return hash;
}

// The kernels of one device, compiled on first use. Thread-safe.
class KernelCache {
public:
    KernelCache(int device, std::filesystem::path directory) : directory_(std::move(directory)) {
        int major = 0, minor = 0;
        check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute");
        check(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device), "cudaDeviceGetAttribute");
        architecture_ = "sm_" + std::to_string(major * 10 + minor);
    }
    KernelCache(const KernelCache&) = delete;
    KernelCache& operator=(const KernelCache&) = delete;
    ~KernelCache() {
        for (auto& [name, library] : libraries_) cudaLibraryUnload(library);
    }

    const std::string& architecture() const { return architecture_; }

    // Called at every launch: the lookup is keyed by the addresses of the source's code and
    // of the function's name (literals), so it allocates nothing. The same name at another
    // address (a literal of another translation unit) only adds an entry.
    cudaKernel_t kernel(const KernelSource& source, const char* function) {
        std::lock_guard lock(mutex_);
        const auto key = std::make_pair(static_cast<const void*>(source.code), static_cast<const void*>(function));
        if (auto found = kernels_.find(key); found != kernels_.end()) return found->second;
        cudaKernel_t kernel = nullptr;
        const cudaError_t status = cudaLibraryGetKernel(&kernel, library(source), function);
        if (status != cudaSuccess)
            fail("kernel ", function, " is not in ", source.name, ": ", cudaGetErrorString(status));
        kernels_.emplace(key, kernel);
        return kernel;
    }

private:
    cudaLibrary_t library(const KernelSource& source) {
        if (auto found = libraries_.find(source.name); found != libraries_.end()) return found->second;
        const std::string image = load_or_compile(source);
        cudaLibrary_t library = nullptr;
        check(cudaLibraryLoadData(&library, image.data(), nullptr, nullptr, 0, nullptr, nullptr, 0),
              "cudaLibraryLoadData");
        libraries_.emplace(source.name, library);
        return library;
    }

    std::string load_or_compile(const KernelSource& source) {
        int nvrtc_major = 0, nvrtc_minor = 0;
        check(nvrtcVersion(&nvrtc_major, &nvrtc_minor), "nvrtcVersion");
        std::uint64_t hash = fnv1a(kernel_prelude);
        hash = fnv1a(source.code, hash);
        hash = fnv1a(architecture_ + " nvrtc " + std::to_string(nvrtc_major) + "." + std::to_string(nvrtc_minor), hash);
        std::filesystem::path file;
        if (!directory_.empty()) {
            char hex[17];
            for (int i = 0; i < 16; ++i) hex[i] = "0123456789abcdef"[(hash >> (60 - 4 * i)) & 15];
            hex[16] = '\0';
            file = directory_ / (std::string(source.name) + "-" + architecture_ + "-" + hex + ".cubin");
            std::ifstream in(file, std::ios::binary);
            std::string cached((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            // An ELF image starts with 0x7F 'E' 'L' 'F'; anything else (a truncated or foreign
            // file) is compiled afresh and overwritten.
            if (cached.size() > 4 && cached.compare(0, 4, "\x7f" "ELF") == 0) return cached;
        }
        std::string image = compile_kernels(source, architecture_, KernelImage::cubin);
        if (!file.empty()) {
            // The disk cache is an optimisation: a read-only home only costs a compile per process.
            std::error_code ignored;
            std::filesystem::create_directories(directory_, ignored);
            try {
                data::write_file_atomically(file, image);
            } catch (const std::exception&) {
            }
        }
        return image;
    }

    std::filesystem::path directory_;
    std::string architecture_;
    std::mutex mutex_;
    std::map<std::string, cudaLibrary_t> libraries_;
    std::map<std::pair<const void*, const void*>, cudaKernel_t> kernels_;
};

}  // namespace latentlab::cuda
