// Forward + backward time of NN1, NN2 and NN3 on the GPU at batch 2048 (64×64×3 images),
// FP32 and TF32, next to the same step on the CPU backend at a small batch for scale.
// The GPU is timed with CUDA events around `repeats` steps after two warm-up steps (which
// compile the kernels and search cuDNN's algorithms).
//   usage: gpu_forward_backward [batch=2048] [repeats=10]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "latentlab/cuda.hpp"
#include "latentlab/layers/layers.hpp"
#include "latentlab/models/models.hpp"
#include "latentlab/network.hpp"

using namespace latentlab;

namespace {

using Input = Shape<64, 64, 3>;

template <class Spec>
double gpu_milliseconds(std::size_t batch, int repeats, bool tf32) {
    Network<Spec, Input, Cuda> net({.seed = 1}, Cuda({.tf32 = tf32}));
    net.plan(batch);
    std::vector<float> x(batch * Input::size);
    Rng rng(1, 0);
    for (auto& v : x) v = static_cast<float>(rng.uniform(0.0, 1.0));
    using Out = typename decltype(net)::output_shape;
    auto dy = net.backend().template allocate<float>(batch * Out::size);
    std::vector<float> ones(dy.size(), 1e-3f);
    copy_in(net.backend(), ones.data(), ones.size(), dy.data());
    const auto step = [&] {
        net.forward({x.data(), batch}, Mode::train);
        net.zero_grad();
        net.backward({dy.data(), batch});
    };
    step();
    step();
    cudaStream_t stream = net.backend().stream();
    cudaEvent_t start, stop;
    cuda::check(cudaEventCreate(&start), "cudaEventCreate");
    cuda::check(cudaEventCreate(&stop), "cudaEventCreate");
    cuda::check(cudaEventRecord(start, stream), "cudaEventRecord");
    for (int i = 0; i < repeats; ++i) step();
    cuda::check(cudaEventRecord(stop, stream), "cudaEventRecord");
    cuda::check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    cuda::check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    std::printf("    workspace %.1f MiB\n", net.workspace_bytes() / 1048576.0);
    return ms / repeats;
}

template <class Spec>
void run(const char* name, std::size_t batch, int repeats) {
    const double fp32 = gpu_milliseconds<Spec>(batch, repeats, false);
    const double tf32 = gpu_milliseconds<Spec>(batch, repeats, true);
    std::printf("%-4s batch %zu: FP32 %8.2f ms/step (%8.0f images/s)   TF32 %8.2f ms/step (%8.0f images/s)\n", name,
                batch, fp32, batch / fp32 * 1e3, tf32, batch / tf32 * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
    std::string why;
    if (!cuda::device_available(&why)) {
        std::printf("%s\n", why.c_str());
        return 1;
    }
    const std::size_t batch = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2048;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 10;
    std::printf("forward + backward on %s (input 64x64x3, %d timed steps)\n",
                cuda::Context::shared()->device_name().c_str(), repeats);
    try {
        run<models::NN1>("NN1", batch, repeats);
        run<models::NN2>("NN2", batch, repeats);
        run<models::NN3>("NN3", batch, repeats);
    } catch (const std::exception& e) {
        std::printf("error: %s\n", e.what());
        return 1;
    }
    return 0;
}
