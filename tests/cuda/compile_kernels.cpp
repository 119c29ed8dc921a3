// Compiles every kernel source of the CUDA backend with NVRTC to PTX for a virtual
// architecture (default compute_90): needs the CUDA toolkit, not a GPU. Prints one line per
// source; a compile error prints NVRTC's log and exits 1.
//   usage: latentlab_compile_kernels [compute_XY]
#include <exception>
#include <iostream>
#include <string>

#include "latentlab/backend/cuda/kernels/all.hpp"
#include "latentlab/backend/cuda/nvrtc.hpp"

int main(int argc, char** argv) {
    const std::string architecture = argc > 1 ? argv[1] : "compute_90";
    int failures = 0;
    for (const auto& source : latentlab::cuda::all_kernel_sources) {
        try {
            const std::string ptx =
                latentlab::cuda::compile_kernels(source, architecture, latentlab::cuda::KernelImage::ptx);
            std::size_t entries = 0;
            for (auto at = ptx.find(".entry"); at != std::string::npos; at = ptx.find(".entry", at + 1)) ++entries;
            std::cout << source.name << ": " << entries << " kernels, " << ptx.size() << " bytes of PTX for "
                      << architecture << "\n";
            if (entries == 0) {
                std::cerr << source.name << ": no kernel in the PTX\n";
                ++failures;
            }
        } catch (const std::exception& e) {
            std::cerr << e.what() << "\n";
            ++failures;
        }
    }
    return failures == 0 ? 0 : 1;
}
