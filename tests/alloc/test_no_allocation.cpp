// Proves "no allocation inside a training step": counts every call into the C allocator
// (malloc, calloc, realloc, aligned allocation — operator new, Eigen and OpenMP all end up
// there) during whole training steps of NN1, NN2 and NN3, after one warm-up step that lets
// OpenMP start its threads. Its own executable: replacing malloc does not mix with the
// sanitizers' allocators, so the asan preset leaves it out.
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <malloc.h>

#include <latentlab/latentlab.hpp>
#include <latentlab/models/models.hpp>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
void note() {
    if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
    note();
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
    note();
    return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
    note();
    return __libc_realloc(p, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
    note();
    return __libc_memalign(alignment, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
    note();
    return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
    note();
    *out = __libc_memalign(alignment, n);
    return *out ? 0 : 12;  // ENOMEM
}
}

using namespace latentlab;

template <class Spec>
long allocations_per_steps(const char* name, int steps) {
    using In = Shape<64, 64, 3>;
    Network<Spec, In, Cpu, float> net({.seed = 1}, Cpu{2});
    using Out = typename decltype(net)::output_shape;
    constexpr std::size_t batch = 4;
    net.plan(batch);
    HostTensor<float, In> x(batch);
    HostTensor<float, Out> target(batch), gradient(batch);
    Rng rng(5);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.uniform());
    for (std::size_t p = 0; p < batch * 64 * 64; ++p) target.data()[p * 4 + rng.uniform_int(0, 3)] = 1.0f;
    losses::WeightedCrossEntropy<4> loss{{4, 4, 4, 1}};
    optim::Nadam nadam;
    nadam.initialize(net.parameters().size());

    const auto step = [&] {
        auto y = net.forward(x.view(), Mode::train);
        loss.value_and_gradient(net.backend(), y, target.view(), gradient.view());
        net.zero_grad();
        net.backward(gradient.view());
        nadam.step(net.parameters(), std::span<const float>(net.gradients()));
    };
    step();  // warm-up: OpenMP creates its thread team on first use
    allocations = 0;
    counting = true;
    for (int i = 0; i < steps; ++i) step();
    counting = false;
    std::printf("%s: %ld allocations in %d training steps\n", name, allocations.load(), steps);
    return allocations.load();
}

int main() {
    long total = 0;
    total += allocations_per_steps<models::NN1>("NN1", 3);
    total += allocations_per_steps<models::NN2>("NN2", 3);
    total += allocations_per_steps<models::NN3>("NN3", 3);
    // The hook must see allocations at all, or the zero above proves nothing.
    allocations = 0;
    counting = true;
    void* probe = std::malloc(16);
    counting = false;
    std::free(probe);
    if (allocations.load() != 1) {
        std::printf("the malloc hook did not count a malloc: the test is broken\n");
        return 1;
    }
    return total == 0 ? 0 : 1;
}
