#pragma once
// A device-code fragment for kernels over NHWC images (upsample, pool): the split of a value
// index into image, row, column and channel. with_nhwc_index(R"CUDA(...)CUDA") puts it in
// front of a family's code at compile time, so that no family keeps its own copy.
#include <array>
#include <cstddef>

namespace latentlab::cuda {

inline constexpr char nhwc_index_code[] = R"CUDA(
// Value i of NHWC images of height × width × channels.
struct NhwcIndex { i64 image; int row, col, channel; };
__device__ __forceinline__ NhwcIndex nhwc_index(i64 i, int height, int width, int channels) {
    NhwcIndex at;
    const i64 pixel = i / channels;
    at.channel = (int)(i - pixel * channels);
    const i64 row = pixel / width;
    at.col = (int)(pixel - row * width);
    at.image = row / height;
    at.row = (int)(row - at.image * height);
    return at;
}
)CUDA";

template <std::size_t N>
consteval std::array<char, sizeof(nhwc_index_code) - 1 + N> with_nhwc_index(const char (&code)[N]) {
    std::array<char, sizeof(nhwc_index_code) - 1 + N> joined{};
    std::size_t at = 0;
    for (std::size_t i = 0; i + 1 < sizeof(nhwc_index_code); ++i) joined[at++] = nhwc_index_code[i];
    for (std::size_t i = 0; i < N; ++i) joined[at++] = code[i];
    return joined;
}

}  // namespace latentlab::cuda
