#pragma once
// Direct NHWC kernels for stride-1, undilated Conv2d, specialised at compile time on the
// kernel size K and the channel counts Cin, Cout. With 3–64 channels, im2col + GEMM spends
// its time copying windows and running GEMMs too thin to reach speed; here each output
// pixel is accumulated in registers straight from the (zero-padded) input.
//
// The flat grid. An image zero-padded to rows of `row` = Wout + K − 1 pixels is walked as
// one long row: output position q = oy·row + ox reads input pixels q + ky·row + kx. The
// last K − 1 positions of each row are not outputs; they are computed and dropped, so the
// inner loops have no borders, no bounds checks and no short rows (a 4×4 image is one run
// of 22 positions, not four runs of 4).
//
// Register blocking (conv_grid). A block of positions × packets of output channels sits
// in accumulators; per input value of a kernel row, the weight packets are loaded once and
// the input value is broadcast once per position. The lanes of a packet hold either
//   - consecutive output channels of one position (Cout fills a packet: 8, 16, 64, ...), or
//   - R consecutive positions × Cout channels ("shifted" weights, Cout < the packet: 4, 8
//     in AVX-512's 16 lanes): the input value of column d of the window broadcast to all
//     lanes meets, in the lanes of position r, the weight of tap d − r (zero outside the
//     kernel), so one FMA serves R positions and K/(K + R − 1) of its lanes do work —
//     more than a narrow packet of Cout lanes would.
// Block sizes come from Eigen's register count, to load the least per FMA. Packets are
// Eigen's (AVX-512, AVX, SSE, NEON, or scalars), so the code is portable and type-generic.
//
// Forward:         y  = act(conv(x on the grid, W) + b), bias and activation on the store.
// Backward data:   dx = conv(dz on the grid, W flipped and transposed to [K, K, Cout, Cin]):
//                  the same kernel with the channel counts swapped. dz sits on the
//                  forward's grid with K zero rows above and below; its dropped columns
//                  are zero, which is exactly the padding K − 1 − pad this conv needs.
// Backward filter: dW[ky, kx, ci, :] += Σ_q x[q + ky·row + kx, ci] · dz[q, :] (filter_grid),
//                  vectorized over output channels or, when those are few, over the window
//                  row (kx, ci) with dz broadcast; over tiles of positions that stay in L1.
//                  Per-thread partial dW and db are added in thread order (deterministic).
// Channel counts that do not fill a packet are padded with zero lanes (weights, bias, dz),
// which are never stored.
#include <Eigen/Core>
#include <algorithm>
#include <bit>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/backend/cpu/elementwise.hpp"
#include "latentlab/core/window.hpp"
#include "latentlab/core/workspace.hpp"
#include "latentlab/layers/activation.hpp"

// Packets are SIMD types with attributes (__m512 ...) used as template arguments.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

// Makes the compiler load a packet once into a register rather than fold the load into
// each FMA that uses it ("v": any vector register, xmm16–31 included with AVX-512).
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define LATENTLAB_KEEP_IN_REGISTER(x) __asm__("" : "+v"(x))
#else
#define LATENTLAB_KEEP_IN_REGISTER(x) EIGEN_OPTIMIZATION_BARRIER(x)
#endif

namespace latentlab::cpu {

// Whether the direct kernels compute this convolution: stride 1, no dilation, a square
// kernel and padding within the kernel (so that backward-data's padding K − 1 − pad ≥ 0).
constexpr bool direct_conv_applies(const Window2d& g) {
    const auto axis_ok = [](const WindowAxis& a) {
        return a.stride == 1 && a.dilation == 1 && a.pad_before < a.kernel && a.pad_after < a.kernel && a.out > 0;
    };
    return g.rows.kernel == g.cols.kernel && axis_ok(g.rows) && axis_ok(g.cols);
}

// Whether they are also the faster choice: on the flat grid (below) a fraction
// (K − 1)/(Wout + K − 1) of the positions is computed and dropped; past a quarter (3×3 on
// 4×4 images) one GEMM over a chunk of images wins (measured: 32→64 and 64→128 at 4×4).
constexpr bool direct_conv_preferred(const Window2d& g) {
    return direct_conv_applies(g) && 4 * (g.cols.kernel - 1) <= g.cols.out + g.cols.kernel - 1;
}

namespace direct {

namespace ei = Eigen::internal;

inline constexpr int registers = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS;
inline constexpr int max_block = 16;  // caps an unrolled block (code size, flat-grid tail)

// Calls f(std::integral_constant<int, i>) for i = 0..N−1, unrolled.
template <int N, class F>
EIGEN_ALWAYS_INLINE void unroll(F&& f) {
    [&]<int... I>(std::integer_sequence<int, I...>) {
        (f(std::integral_constant<int, I>{}), ...);
    }(std::make_integer_sequence<int, N>{});
}

// The packet that holds C consecutive channels of a pixel: the widest one when C fills it,
// else the narrowest that holds all C.
template <class T, int C>
struct ChannelPacket {
    using full = typename ei::packet_traits<T>::type;
    using half = typename ei::unpacket_traits<full>::half;
    using quarter = typename ei::unpacket_traits<half>::half;
    static constexpr int full_size = ei::unpacket_traits<full>::size;
    static constexpr int half_size = ei::unpacket_traits<half>::size;
    static constexpr int quarter_size = ei::unpacket_traits<quarter>::size;
    using type = std::conditional_t<(C >= full_size || half_size < C), full,
                                    std::conditional_t<(quarter_size < C), half, quarter>>;
    static constexpr int width = ei::unpacket_traits<type>::size;
    static constexpr int count = (C + width - 1) / width;  // packets per pixel
    static constexpr int padded = count * width;            // channels as stored in scratch
};

// A register block: `inner` values × `groups` packets in accumulators.
struct Blocking {
    int inner, groups;
};

// Minimizes loads per FMA, (inner + groups) / (inner·groups), over the group counts that
// divide `packets`, with inner·groups accumulators + groups operands + 1 broadcast in
// registers and inner ≤ limit.
constexpr Blocking choose_blocking(int packets, int limit) {
    Blocking best{1, 1};
    int best_loads = 2, best_fmas = 1;
    for (int g = 1; g <= packets; ++g) {
        if (packets % g != 0) continue;
        const int inner = std::min(limit, (registers - g - 1) / g);
        if (inner < 1) continue;
        const int loads = inner + g, fmas = inner * g;
        if (loads * best_fmas < best_loads * fmas) best = {inner, g}, best_loads = loads, best_fmas = fmas;
    }
    return best;
}

// `count` items in blocks of at most `limit`, as even as possible: `blocks` − 1 of `size`
// and a last one of `last`.
struct Split {
    int blocks, size, last;
};
constexpr Split split(int count, int limit) {
    const int blocks = (count + limit - 1) / limit, size = (count + blocks - 1) / blocks;
    return {blocks, size, count - (blocks - 1) * size};
}

// How conv_grid<K, Ci, Co> lays out its lanes (see the top of the file).
template <class T, int K, int Ci, int Co>
struct ConvLanes {
    using Narrow = ChannelPacket<T, Co>;
    static constexpr int kernel = K, in_channels = Ci, out_channels = Co;
    static constexpr int full = Narrow::full_size;
    static constexpr int shift_channels = static_cast<int>(std::bit_ceil(static_cast<unsigned>(Co)));
    static constexpr bool shifted = K > 1 && shift_channels < full;
    using Packet = std::conditional_t<shifted, typename Narrow::full, typename Narrow::type>;
    static constexpr int width = ei::unpacket_traits<Packet>::size;
    static constexpr int pixels = shifted ? full / shift_channels : 1;  // positions per packet
    static constexpr int channels = shifted ? shift_channels : Narrow::padded;  // lanes per position
    static constexpr int packets = shifted ? 1 : Narrow::count;          // per position group
    static constexpr int lanes = packets * width;                         // a weight row
    static constexpr int taps = K + pixels - 1;                           // window columns per packet
    static constexpr std::size_t weight_count = std::size_t(K) * taps * Ci * lanes;
    static constexpr bool reads_past_grid = pixels > 1;  // the last group may run past the grid
    static constexpr bool uses_hwio = !shifted && Narrow::padded == Co;  // reads W as it is
    static constexpr Blocking block = choose_blocking(packets, max_block);

    // Writes w(ky, kx, ci, co) in the layout the kernel reads: [K][taps][Ci][lanes], lane
    // r·channels + co of tap d holding w(ky, d − r, ci, co).
    template <class W>
    static void pack_weights(W&& w, T* packed) {
        for (int ky = 0; ky < K; ++ky)
            for (int d = 0; d < taps; ++d)
                for (int ci = 0; ci < Ci; ++ci) {
                    T* dst = packed + ((std::size_t(ky) * taps + d) * Ci + ci) * lanes;
                    for (int lane = 0; lane < lanes; ++lane) {
                        const int r = lane / channels, co = lane % channels, kx = d - r;
                        dst[lane] = (co < Co && kx >= 0 && kx < K) ? T(w(ky, kx, ci, co)) : T(0);
                    }
                }
    }
    static void pack_bias(const T* b, T* packed) {
        for (int lane = 0; lane < lanes; ++lane) packed[lane] = lane % channels < Co ? b[lane % channels] : T(0);
    }
};

template <class Packet>
EIGEN_ALWAYS_INLINE Packet activated(Activation act, Packet z) {
    using Scalar = typename ei::unpacket_traits<Packet>::type;
    constexpr int n = ei::unpacket_traits<Packet>::size;
    using Kind = Activation::Kind;
    const Packet zero = ei::pset1<Packet>(Scalar(0));
    switch (act.kind) {  // as activate(): z > 0 ? z : 0 (NaN → 0), z > 0 ? z : αz
        case Kind::identity: return z;
        case Kind::relu: return ei::pselect(ei::pcmp_lt(zero, z), z, zero);
        case Kind::leaky_relu: return ei::pselect(ei::pcmp_lt(zero, z), z, ei::pmul(ei::pset1<Packet>(Scalar(act.alpha)), z));
        case Kind::sigmoid:
        case Kind::tanh: {
            Scalar lanes[n];
            ei::pstoreu(lanes, z);
            activate(act, lanes, lanes, n);
            return ei::ploadu<Packet>(lanes);
        }
    }
    return z;
}

// Stores the first `lanes` channels of v (all of them when lanes ≥ the packet size).
template <class Packet, class T>
EIGEN_ALWAYS_INLINE void store_channels(T* dst, Packet v, int lanes) {
    constexpr int n = ei::unpacket_traits<Packet>::size;
    if (lanes >= n) {
        ei::pstoreu(dst, v);
    } else {
        T tmp[n];
        ei::pstoreu(tmp, v);
        std::copy_n(tmp, lanes, dst);
    }
}

// Where conv_grid writes: NHWC images of height × width pixels, then bias (packed as the
// kernel's lanes, null for none) and activation.
template <class T>
struct GridOutput {
    T* data;
    int height, width;
    const T* bias;
    Activation act;
};

// Stores the positions of a packet of R positions one by one, those inside the output
// only, and moves (oy, ox) past them. Not inlined: it is the rare path, and a call that
// takes the packet by value keeps conv_block's accumulators in registers.
template <class L, class Packet, class T>
EIGEN_DONT_INLINE void store_positions(Packet z, int& oy, int& ox, int row, const GridOutput<T>& out) {
    T lanes[L::width];
    ei::pstoreu(lanes, z);
    for (int r = 0; r < L::pixels; ++r) {
        if (oy < out.height && ox < out.width)
            std::copy_n(lanes + r * L::channels, L::out_channels,
                        out.data + (std::ptrdiff_t(oy) * out.width + ox) * L::out_channels);
        if (++ox == row) ox = 0, ++oy;
    }
}

// One block of conv_grid: P groups of positions from q on × G packets from `group` on.
template <class L, int P, int G, class T>
EIGEN_DONT_INLINE void conv_block(const T* in, int row, const T* w, int q, int group, GridOutput<T> out) {
    using Packet = typename L::Packet;
    constexpr int Ci = L::in_channels, Co = L::out_channels, V = L::width, R = L::pixels;
    constexpr int window = L::taps * Ci;
    Packet acc[P][G];
    unroll<P>([&](auto p) { unroll<G>([&](auto g) { acc[p][g] = ei::pset1<Packet>(T(0)); }); });
    const T* x = in + std::ptrdiff_t(q) * Ci;
    const T* wk = w + group * V;
    const std::ptrdiff_t row_stride = std::ptrdiff_t(row) * Ci;
    for (int ky = 0; ky < L::kernel; ++ky, x += row_stride, wk += window * L::lanes) {
        for (int j = 0; j < window; ++j) {
            Packet wv[G];
            unroll<G>([&](auto g) {
                Packet v = ei::ploadu<Packet>(wk + j * L::lanes + g * V);
                LATENTLAB_KEEP_IN_REGISTER(v);  // one load, not one per FMA
                wv[g] = v;
            });
            unroll<P>([&](auto p) {
                const Packet xb = ei::pset1<Packet>(x[p * R * Ci + j]);
                unroll<G>([&](auto g) { acc[p][g] = ei::pmadd(xb, wv[g], acc[p][g]); });
            });
        }
    }
    const auto pixel = [&](int oy, int ox) { return out.data + (std::ptrdiff_t(oy) * out.width + ox) * Co; };
    int oy = q / row, ox = q - oy * row;
    unroll<P>([&](auto p) {
        if constexpr (R == 1) {  // never past the grid: the tail runs single positions
            if (ox < out.width)
                unroll<G>([&](auto g) {
                    Packet z = acc[p][g];
                    if (out.bias) z = ei::padd(z, ei::ploadu<Packet>(out.bias + (group + g) * V));
                    store_channels(pixel(oy, ox) + (group + g) * V, activated(out.act, z), Co - (group + g) * V);
                });
            if (++ox == row) ox = 0, ++oy;
        } else {
            Packet z = acc[p][0];
            if (out.bias) z = ei::padd(z, ei::ploadu<Packet>(out.bias));
            z = activated(out.act, z);
            if (L::channels == Co && oy < out.height && ox + R <= out.width) {
                ei::pstoreu(pixel(oy, ox), z);
                if ((ox += R) == row) ox = 0, ++oy;
            } else {
                store_positions<L>(z, oy, ox, row, out);
            }
        }
    });
}

// out[oy, ox, co] = act(bias[co] + Σ in[(oy + ky)·row + ox + kx, ci] · w[ky, kx, ci, co])
// for oy < out.height, ox < out.width: `in` holds Ci channels per pixel on a grid of rows
// of `row` ≥ out.width + K − 1 pixels (plus slack past its end when L::reads_past_grid);
// w is packed by ConvLanes<T, K, Ci, Co>::pack_weights (or HWIO when L::uses_hwio).
template <int K, int Ci, int Co, class T>
void conv_grid(const T* in, int row, const T* w, const GridOutput<T>& out) {
    using L = ConvLanes<T, K, Ci, Co>;
    constexpr int P = L::block.inner, G = L::block.groups, step = P * L::pixels;
    const int positions = (out.height - 1) * row + out.width;
    int q = 0;
    for (; q + step <= positions; q += step)
        for (int group = 0; group < L::packets; group += G) conv_block<L, P, G>(in, row, w, q, group, out);
    for (; q < positions; q += L::pixels)
        for (int group = 0; group < L::packets; group += G) conv_block<L, 1, G>(in, row, w, q, group, out);
}

// How filter_grid<K, Ci, Co> vectorizes: over output channels, or over the window row
// (kx, ci) with dz broadcast when that fills more lanes (few output channels).
template <class T, int K, int Ci, int Co>
struct FilterLanes {
    using Narrow = ChannelPacket<T, Co>;
    using Full = typename Narrow::full;
    static constexpr int in_channels = Ci, out_channels = Co;
    static constexpr int full = Narrow::full_size, window = K * Ci;
    static constexpr int window_packets = (window + full - 1) / full;
    static constexpr int window_lanes = window_packets * full;
    static constexpr bool by_window = window * Narrow::count > Co * window_packets;
    static constexpr int dz_channels = Narrow::padded;  // dz as stored: backward data's input
    // Partial dW: [K][window][padded Co] over channels, [K][Co][window_lanes] over the window.
    static constexpr std::size_t partial_count =
        by_window ? std::size_t(K) * Co * window_lanes : std::size_t(K) * window * Narrow::padded;
    static constexpr bool reads_past_grid = by_window && window_lanes > window;

    static void add_partial(const T* partial, T* dw) {
        for (int ky = 0; ky < K; ++ky)
            for (int j = 0; j < window; ++j)
                for (int co = 0; co < Co; ++co) {
                    const std::size_t at = by_window ? (std::size_t(ky) * Co + co) * window_lanes + j
                                                     : (std::size_t(ky) * window + j) * Narrow::padded + co;
                    dw[(std::size_t(ky) * window + j) * Co + co] += partial[at];
                }
    }
};

// Over channels: dw[i, ...] += Σ_{q < count} in[q·Ci + i] · dz[q, ...] for i < J.
template <int J, int G, int Ci, int DzC, class Packet, class T>
EIGEN_DONT_INLINE void channel_filter_block(const T* in, const T* dz, int count, T* dw) {
    constexpr int V = ei::unpacket_traits<Packet>::size;
    Packet acc[J][G];
    unroll<J>([&](auto i) { unroll<G>([&](auto g) { acc[i][g] = ei::pset1<Packet>(T(0)); }); });
    for (int q = 0; q < count; ++q, in += Ci, dz += DzC) {
        Packet d[G];
        unroll<G>([&](auto g) {
            Packet v = ei::ploadu<Packet>(dz + g * V);
            LATENTLAB_KEEP_IN_REGISTER(v);  // one load, not one per FMA
            d[g] = v;
        });
        unroll<J>([&](auto i) {
            const Packet xb = ei::pset1<Packet>(in[i]);
            unroll<G>([&](auto g) { acc[i][g] = ei::pmadd(xb, d[g], acc[i][g]); });
        });
    }
    unroll<J>([&](auto i) {
        unroll<G>([&](auto g) {
            T* target = dw + i * DzC + g * V;
            ei::pstoreu(target, ei::padd(ei::ploadu<Packet>(target), acc[i][g]));
        });
    });
}

// Over the window rows: for the G window packets from `first` on (packet i covers lanes
// [V·(i mod P), V·(i mod P + 1)) of window row i / P, P packets a row) and channels c < C,
// dwt[row, c, lanes] += Σ_{q < count} in[row·row_stride + q·Ci + lanes] · dz[q, c].
template <class F, int C, int G, class T>
EIGEN_DONT_INLINE void window_filter_block(const T* in, std::ptrdiff_t row_stride, int first, const T* dz,
                                             int count, T* dwt) {
    using Packet = typename F::Full;
    constexpr int V = F::full, P = F::window_packets, Ci = F::in_channels, DzC = F::dz_channels;
    std::ptrdiff_t x_at[G], dw_at[G];
    unroll<G>([&](auto g) {
        const int row = (first + g) / P, lanes = (first + g) % P * V;
        x_at[g] = row * row_stride + lanes;
        dw_at[g] = std::ptrdiff_t(row) * F::out_channels * F::window_lanes + lanes;
    });
    Packet acc[C][G];
    unroll<C>([&](auto c) { unroll<G>([&](auto g) { acc[c][g] = ei::pset1<Packet>(T(0)); }); });
    for (int q = 0; q < count; ++q, in += Ci, dz += DzC) {
        Packet xv[G];
        unroll<G>([&](auto g) {
            Packet v = ei::ploadu<Packet>(in + x_at[g]);
            LATENTLAB_KEEP_IN_REGISTER(v);  // one load, not one per FMA
            xv[g] = v;
        });
        unroll<C>([&](auto c) {
            const Packet d = ei::pset1<Packet>(dz[c]);
            unroll<G>([&](auto g) { acc[c][g] = ei::pmadd(d, xv[g], acc[c][g]); });
        });
    }
    unroll<C>([&](auto c) {
        unroll<G>([&](auto g) {
            T* target = dwt + dw_at[g] + c * F::window_lanes;
            ei::pstoreu(target, ei::padd(ei::ploadu<Packet>(target), acc[c][g]));
        });
    });
}

// partial += Σ_{q < positions} in[q + ky·row + kx, ci] · dz[q, co] for all (ky, kx, ci, co),
// in FilterLanes' layout; `in` is on the grid (with slack when F::reads_past_grid), dz has
// FilterLanes::dz_channels per position.
template <int K, int Ci, int Co, class T>
void filter_grid(const T* in, int row, int positions, const T* dz, T* partial) {
    using F = FilterLanes<T, K, Ci, Co>;
    constexpr int DzC = F::dz_channels;
    const std::ptrdiff_t row_stride = std::ptrdiff_t(row) * Ci;
    // Positions per tile: its input rows and dz stay in L1 while every block passes over it.
    const int tile = std::max(64, 4096 / (Ci + DzC));
    for (int begin = 0; begin < positions; begin += tile) {
        const int count = std::min(tile, positions - begin);
        const T* x = in + std::ptrdiff_t(begin) * Ci;
        const T* d = dz + std::ptrdiff_t(begin) * DzC;
        if constexpr (F::by_window) {
            // Blocks of window packets (all K rows) × output channels: a dz broadcast
            // serves every packet of the block.
            constexpr Blocking b = choose_blocking(K * F::window_packets, Co);
            constexpr Split c = split(Co, b.inner);
            for (int first = 0; first < K * F::window_packets; first += b.groups) {
                for (int i = 0; i + 1 < c.blocks; ++i)
                    window_filter_block<F, c.size, b.groups>(x, row_stride, first, d + i * c.size, count,
                                                             partial + i * c.size * F::window_lanes);
                const int i = c.blocks - 1;
                window_filter_block<F, c.last, b.groups>(x, row_stride, first, d + i * c.size, count,
                                                         partial + i * c.size * F::window_lanes);
            }
        } else {
            // Blocks of window values × packets of output channels, one kernel row at a time.
            using Packet = typename F::Narrow::type;
            constexpr int W = F::Narrow::width;
            constexpr Blocking b = choose_blocking(F::Narrow::count, F::window);
            constexpr Split j = split(F::window, b.inner);
            for (int ky = 0; ky < K; ++ky) {
                const T* xr = x + ky * row_stride;
                T* dw = partial + std::size_t(ky) * F::window * DzC;
                for (int g = 0; g < F::Narrow::count; g += b.groups) {
                    for (int i = 0; i + 1 < j.blocks; ++i)
                        channel_filter_block<j.size, b.groups, Ci, DzC, Packet>(xr + i * j.size, d + g * W, count,
                                                                                dw + i * j.size * DzC + g * W);
                    const int i = j.blocks - 1;
                    channel_filter_block<j.last, b.groups, Ci, DzC, Packet>(xr + i * j.size, d + g * W, count,
                                                                            dw + i * j.size * DzC + g * W);
                }
            }
        }
    }
}

// The grid of a geometry: `rows` rows of `row` pixels, `positions` output positions.
struct Grid {
    int row, rows, positions;
    explicit Grid(const Window2d& g)
        : row(g.cols.out + g.cols.kernel - 1),
          rows(g.rows.out + g.rows.kernel - 1),
          positions((g.rows.out - 1) * row + g.cols.out) {}
};

// Zero pixels after a grid, for kernels that read past it.
template <class T>
inline constexpr int slack_pixels = ChannelPacket<T, 1>::full_size;

// Zero rows above and below dz on the grid (see conv2d_backward).
template <int K>
inline constexpr int dz_margin = K;

inline bool has_padding(const Window2d& g) {
    return g.rows.pad_before + g.rows.pad_after + g.cols.pad_before + g.cols.pad_after > 0;
}

// Copies the image x to its place on the grid, whose zero border and slack stay as they
// were cleared at the start of the call.
template <int Cin, class T>
void copy_to_grid(const Window2d& g, const T* x, T* grid_data) {
    const Grid grid(g);
    const std::ptrdiff_t width = std::ptrdiff_t(g.cols.in) * Cin, stride = std::ptrdiff_t(grid.row) * Cin;
    T* dst = grid_data + (std::ptrdiff_t(g.rows.pad_before) * grid.row + g.cols.pad_before) * Cin;
    for (int iy = 0; iy < g.rows.in; ++iy) std::copy_n(x + iy * width, width, dst + iy * stride);
}

// db += Σ over the positions of dz on the grid (its dropped columns are zero).
template <class T, int Cout>
void add_channel_sums(const T* dz, int positions, T* db) {
    using Lanes = ChannelPacket<T, Cout>;
    using Packet = typename Lanes::type;
    constexpr int W = Lanes::width, C = Lanes::padded;
    for (int g = 0; g < Lanes::count; ++g) {
        Packet sum = ei::pset1<Packet>(T(0));
        for (int q = 0; q < positions; ++q) sum = ei::padd(sum, ei::ploadu<Packet>(dz + std::ptrdiff_t(q) * C + g * W));
        ei::pstoreu(db + g * W, ei::padd(ei::ploadu<Packet>(db + g * W), sum));
    }
}

}  // namespace direct

// Scratch of the direct kernels: per thread the input on the grid (when it is not the image
// itself), dz on the grid and partial dW, db; shared, the weights packed for the kernels.
template <class T, int K, int Cin, int Cout>
struct DirectConvScratch {
    using Forward = direct::ConvLanes<T, K, Cin, Cout>;
    using Filter = direct::FilterLanes<T, K, Cin, Cout>;
    static constexpr int dz_channels = Filter::dz_channels;
    using Data = direct::ConvLanes<T, K, dz_channels, Cin>;
    static constexpr std::size_t partial_count = Filter::partial_count + dz_channels;  // dW, db

    T* base = nullptr;
    T* weights = nullptr;
    std::size_t per_thread = 0;
    std::size_t input_count = 0, dz_count = 0;  // elements; input_count is 0 without a copy
    std::size_t dz_offset = 0, partial_offset = 0;

    T* input(int thread) const { return base + thread * per_thread; }
    T* dz(int thread) const { return input(thread) + dz_offset; }
    T* partial(int thread) const { return input(thread) + partial_offset; }
};

template <class T, int K, int Cin, int Cout>
DirectConvScratch<T, K, Cin, Cout> conv2d_direct_plan(const Cpu& cpu, Arena& arena, const Window2d& g,
                                                      std::size_t batch) {
    using S = DirectConvScratch<T, K, Cin, Cout>;
    S s;
    const direct::Grid grid(g);
    const auto round = [](std::size_t e) { return (e * sizeof(T) + 63) / 64 * 64 / sizeof(T); };
    const std::size_t slack = direct::slack_pixels<T>;
    const bool copies_input =
        direct::has_padding(g) || S::Forward::reads_past_grid || S::Filter::reads_past_grid;
    s.input_count = copies_input ? (std::size_t(grid.rows) * grid.row + slack) * Cin : 0;
    s.dz_count = (std::size_t(g.rows.out + 2 * direct::dz_margin<K>) * grid.row + slack) * S::dz_channels;
    s.dz_offset = round(s.input_count);
    s.partial_offset = s.dz_offset + round(s.dz_count);
    s.per_thread = s.partial_offset + round(S::partial_count);
    s.weights = arena.take<T>(std::max(S::Forward::weight_count + S::Forward::lanes, S::Data::weight_count));
    s.base = arena.take<T>(s.per_thread * static_cast<std::size_t>(threads_for(cpu, batch)));
    return s;
}

// y = act(conv(x, w) + b) for `batch` images; b may be null.
template <class T, int K, int Cin, int Cout>
void conv2d_forward(const Cpu& cpu, const DirectConvScratch<T, K, Cin, Cout>& s, const Window2d& g, Activation act,
                    const T* x, const T* w, const T* b, T* y, std::size_t batch) {
    using L = typename DirectConvScratch<T, K, Cin, Cout>::Forward;
    const T* weights = w;
    const T* bias = b;
    if constexpr (!L::uses_hwio) {
        L::pack_weights([&](int ky, int kx, int ci, int co) { return w[((ky * K + kx) * Cin + ci) * Cout + co]; },
                        s.weights);
        weights = s.weights;
        if (b) {
            L::pack_bias(b, s.weights + L::weight_count);
            bias = s.weights + L::weight_count;
        }
    }
    const direct::Grid grid(g);
    const std::size_t in_size = g.in().size(), out_size = g.out().size();
    parallel_for(cpu, batch, [&](std::size_t begin, std::size_t end, int thread) {
        T* buffer = s.input(thread);
        const bool copies = direct::has_padding(g) || L::reads_past_grid;
        if (copies) std::fill_n(buffer, s.input_count, T(0));
        for (std::size_t n = begin; n < end; ++n) {
            const T* in = x + n * in_size;
            if (copies) {
                direct::copy_to_grid<Cin>(g, in, buffer);
                in = buffer;
            }
            direct::conv_grid<K, Cin, Cout>(in, grid.row, weights,
                                            {y + n * out_size, g.rows.out, g.cols.out, bias, act});
        }
    });
}

// dw += ∂L/∂w, db += ∂L/∂b (db may be null), dx = ∂L/∂x unless dx is null.
template <class T, int K, int Cin, int Cout>
void conv2d_backward(const Cpu& cpu, const DirectConvScratch<T, K, Cin, Cout>& s, const Window2d& g, Activation act,
                     const T* x, const T* y, const T* dy, const T* w, T* dw, T* db, T* dx, std::size_t batch) {
    using S = DirectConvScratch<T, K, Cin, Cout>;
    using F = typename S::Filter;
    constexpr int dzc = S::dz_channels, margin = direct::dz_margin<K>;
    // Backward data convolves dz with wt[ky, kx, co, ci] = w[K−1−ky, K−1−kx, ci, co].
    if (dx)
        S::Data::pack_weights(
            [&](int ky, int kx, int co, int ci) {
                return co < Cout ? w[(((K - 1 - ky) * K + (K - 1 - kx)) * Cin + ci) * Cout + co] : T(0);
            },
            s.weights);
    const int threads = threads_for(cpu, batch);
    for (int t = 0; t < threads; ++t) std::fill_n(s.partial(t), S::partial_count, T(0));

    const direct::Grid grid(g);
    const int out_h = g.rows.out, out_w = g.cols.out;
    const std::size_t in_size = g.in().size(), out_size = g.out().size();
    // Row r of dz is grid row margin + r, so dz[q] is at dz_data[q] for grid positions q.
    // Backward data's output (iy, ix) reads dz[iy + ky − (K−1−top), ix + kx − (K−1−left)]:
    // grid position iy·row + ix + ky·row + kx from `origin`.
    const std::ptrdiff_t origin =
        std::ptrdiff_t(margin - (K - 1 - g.rows.pad_before)) * grid.row - (K - 1 - g.cols.pad_before);
    parallel_for(cpu, batch, [&](std::size_t begin, std::size_t end, int thread) {
        T* buffer = s.input(thread);
        const bool copies = direct::has_padding(g) || F::reads_past_grid;
        if (copies) std::fill_n(buffer, s.input_count, T(0));
        T* dz = s.dz(thread);
        T* dz_data = dz + std::ptrdiff_t(margin) * grid.row * dzc;
        std::fill_n(dz, s.dz_count, T(0));
        T* partial = s.partial(thread);
        for (std::size_t n = begin; n < end; ++n) {
            const std::size_t first = n * out_size;
            for (int oy = 0; oy < out_h; ++oy) {
                T* dst = dz_data + std::ptrdiff_t(oy) * grid.row * dzc;
                const std::size_t src = first + std::size_t(oy) * out_w * Cout;
                if constexpr (dzc == Cout)
                    activation_gradient(act, y + src, dy + src, dst, std::size_t(out_w) * Cout);
                else
                    for (int ox = 0; ox < out_w; ++ox)  // the padding channels stay zero
                        activation_gradient(act, y + src + ox * Cout, dy + src + ox * Cout, dst + ox * dzc,
                                            std::size_t(Cout));
            }
            direct::add_channel_sums<T, Cout>(dz_data, grid.positions, partial + F::partial_count);
            const T* in = x + n * in_size;
            if (copies) {
                direct::copy_to_grid<Cin>(g, in, buffer);
                in = buffer;
            }
            direct::filter_grid<K, Cin, Cout>(in, grid.row, grid.positions, dz_data, partial);
            if (dx)
                direct::conv_grid<K, dzc, Cin>(dz + origin * dzc, grid.row, s.weights,
                                               {dx + n * in_size, g.rows.in, g.cols.in, nullptr, Activation::identity()});
        }
    });

    for (int t = 0; t < threads; ++t) {
        F::add_partial(s.partial(t), dw);
        if (db)
            for (int co = 0; co < Cout; ++co) db[co] += s.partial(t)[F::partial_count + co];
    }
}

}  // namespace latentlab::cpu

#undef LATENTLAB_KEEP_IN_REGISTER

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
