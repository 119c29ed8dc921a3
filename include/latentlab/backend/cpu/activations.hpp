#pragma once
// CPU kernels of the activation layers (ReLU, LeakyReLU, Sigmoid, Tanh): the pointwise loops
// of elementwise.hpp, run over the batch in parallel.
#include <cstddef>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/backend/cpu/elementwise.hpp"
#include "latentlab/layers/activation.hpp"

namespace latentlab::cpu {

template <class T>
void activation_forward(const Cpu& cpu, Activation a, const T* x, T* y, std::size_t image_size, std::size_t batch) {
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        activate(a, x + begin * image_size, y + begin * image_size, (end - begin) * image_size);
    });
}

// dx = dy ⊙ f'(x), f' read off the output y.
template <class T>
void activation_backward(const Cpu& cpu, Activation a, const T* y, const T* dy, T* dx, std::size_t image_size,
                         std::size_t batch) {
    parallel_for(cpu, batch, [=](std::size_t begin, std::size_t end, int) {
        const std::size_t at = begin * image_size;
        activation_gradient(a, y + at, dy + at, dx + at, (end - begin) * image_size);
    });
}

}  // namespace latentlab::cpu
