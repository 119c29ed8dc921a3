// The GPU tests' main: without a usable CUDA device (no driver, no GPU) it says why and
// exits with 77, which ctest reports as "skipped" (SKIP_RETURN_CODE).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <iostream>
#include <string>

#include "latentlab/backend/cuda/context.hpp"

int main(int argc, char** argv) {
    std::string why;
    if (!latentlab::cuda::device_available(&why)) {
        std::cout << "skipped: " << why << "\n";
        return 77;
    }
    return Catch::Session().run(argc, argv);
}
