#pragma once
// Device code every kernel source starts with (nvrtc.hpp prepends it): fixed-width integer
// names (NVRTC has no standard headers), the grid-stride loop, activations and their
// derivatives read off the output (as backend/cpu/elementwise.hpp, Activation::Kind's
// numbering), and Philox4x32-10 (as core/random.hpp), so that dropout masks on the GPU equal
// the CPU's bit for bit.
namespace latentlab::cuda {

inline constexpr const char* kernel_prelude = R"CUDA(
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

// Every element-wise kernel runs `for (i64 i = first_index(); i < n; i += index_stride())`.
__device__ __forceinline__ i64 first_index() { return (i64)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ i64 index_stride() { return (i64)blockDim.x * gridDim.x; }

// Activation kinds: 0 identity, 1 relu, 2 leaky_relu(alpha), 3 sigmoid, 4 tanh.
__device__ __forceinline__ float activate(int kind, float alpha, float z) {
    switch (kind) {
        case 1: return z > 0.0f ? z : 0.0f;
        case 2: return z > 0.0f ? z : alpha * z;
        case 3: return 1.0f / (1.0f + expf(-z));
        case 4: return tanhf(z);
        default: return z;
    }
}
// dL/dz from dL/dy and the output y = f(z).
__device__ __forceinline__ float activation_gradient(int kind, float alpha, float y, float dy) {
    switch (kind) {
        case 1: return y > 0.0f ? dy : 0.0f;
        case 2: return y > 0.0f ? dy : alpha * dy;
        case 3: return dy * y * (1.0f - y);
        case 4: return dy * (1.0f - y * y);
        default: return dy;
    }
}

struct Philox4 { u32 v[4]; };

__device__ __forceinline__ Philox4 random_bits(u64 seed, u64 stream, u64 index) {
    u32 c0 = (u32)index, c1 = (u32)(index >> 32), c2 = (u32)stream, c3 = (u32)(stream >> 32);
    u32 k0 = (u32)seed, k1 = (u32)(seed >> 32);
    for (int round = 0; round < 10; ++round) {
        if (round > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        const u64 p0 = (u64)0xD2511F53u * c0;
        const u64 p1 = (u64)0xCD9E8D57u * c2;
        const u32 n0 = (u32)(p1 >> 32) ^ c1 ^ k0;
        const u32 n1 = (u32)p1;
        const u32 n2 = (u32)(p0 >> 32) ^ c3 ^ k1;
        const u32 n3 = (u32)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    }
    Philox4 r; r.v[0] = c0; r.v[1] = c1; r.v[2] = c2; r.v[3] = c3;
    return r;
}
)CUDA";

}  // namespace latentlab::cuda
