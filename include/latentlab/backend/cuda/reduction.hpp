#pragma once
// How the kernels split a sum over many rows (bias, batch-norm, depthwise-weight gradients):
// pass 1 runs one thread per (chunk, column) of `width` independent sums, chunk k summing rows
// k, k + chunks, k + 2·chunks, ... (so a warp's loads are contiguous whatever the width), into a
// chunks × width scratch; pass 2 runs one thread per column adding the chunks in order. The
// result depends only on the chunk count, never on scheduling, so replays are bit-identical.
#include <algorithm>
#include <cstddef>

namespace latentlab::cuda {

// Chunks for `rows` rows of `width` sums: enough pass-1 threads (~64k) to keep an H100's memory
// busy, but at most 4096, the serial length of pass 2 (which matters when width is small).
inline std::size_t reduction_chunks(std::size_t rows, std::size_t width) {
    constexpr std::size_t threads = 65536, longest_pass_2 = 4096;
    const std::size_t wanted = (threads + width - 1) / std::max<std::size_t>(width, 1);
    return std::clamp<std::size_t>(std::min(wanted, rows), 1, longest_pass_2);
}

}  // namespace latentlab::cuda
