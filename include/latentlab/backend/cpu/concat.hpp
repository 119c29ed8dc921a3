#pragma once
// Channel concatenation in NHWC and its adjoint, and the elementwise sum of Residual.
#include <algorithm>
#include <cstddef>

#include "latentlab/backend/cpu/cpu.hpp"

namespace latentlab::cpu {

// y[p] = (a[p], b[p]) for every pixel p: a has ca channels, b has cb.
template <class T>
void concat_channels(const Cpu& cpu, const T* a, int ca, const T* b, int cb, T* y, std::size_t pixels) {
    parallel_for(cpu, pixels, [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t p = begin; p < end; ++p) {
            T* out = y + p * static_cast<std::size_t>(ca + cb);
            std::copy_n(a + p * ca, ca, out);
            std::copy_n(b + p * cb, cb, out + ca);
        }
    });
}

// The adjoint: da[p] = dy[p][0, ca) + add[p], db[p] = dy[p][ca, ca + cb); da, add and db
// may each be null (that part is skipped / nothing is added).
template <class T>
void split_channels(const Cpu& cpu, const T* dy, int ca, int cb, T* da, const T* add, T* db, std::size_t pixels) {
    parallel_for(cpu, pixels, [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t p = begin; p < end; ++p) {
            const T* in = dy + p * static_cast<std::size_t>(ca + cb);
            if (da) {
                T* out = da + p * ca;
                if (add)
                    for (int c = 0; c < ca; ++c) out[c] = in[c] + add[p * ca + c];
                else
                    std::copy_n(in, ca, out);
            }
            if (db) std::copy_n(in + ca, cb, db + p * cb);
        }
    });
}

// y = a + b, elementwise.
template <class T>
void add(const Cpu& cpu, const T* a, const T* b, T* y, std::size_t n) {
    parallel_for(cpu, n, [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t i = begin; i < end; ++i) y[i] = a[i] + b[i];
    });
}

}  // namespace latentlab::cpu
