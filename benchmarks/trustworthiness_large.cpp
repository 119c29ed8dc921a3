// Trustworthiness of large latent sets without an n × n matrix (issue 6's must-show:
// 45,000 × 2,048 latents). Two runs in one invocation:
//   reference  n = 4,000: a dense implementation (the full distance matrix of each space and
//              a full sort of every row, what sklearn.manifold.trustworthiness does) against
//              analysis::trustworthiness (row blocks); the two values must be equal and the
//              time ratio is printed;
//   large      n = 45,000 × 2,048 (or argv[1] rows): analysis::trustworthiness alone; its
//              time and the process's peak memory next to the 8·n² bytes a dense distance
//              matrix would take (16 GB at 45,000).
// Data: 8 Gaussian clusters in 2,048 dimensions (unit-variance noise around centres 4σ
// apart), the embedding a random 2-D projection of them. Threads: LATENTLAB_THREADS or 2.
//   usage: trustworthiness_large [rows=45000] [dims=2048]
#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "benchmark_threads.hpp"
#include <latentlab/analysis/embedding_quality.hpp>
#include <latentlab/core/random.hpp>

using namespace latentlab;

namespace {

struct Data {
    analysis::Matrix high, low;
};

Data clustered(std::size_t n, std::size_t d, std::uint64_t seed) {
    Data data{analysis::Matrix::from_shape({n, d}), analysis::Matrix::from_shape({n, 2})};
    Rng rng(seed, 1);
    constexpr std::size_t clusters = 8;
    std::vector<float> centres(clusters * d), projection(d * 2);
    for (auto& c : centres) c = static_cast<float>(4.0 * rng.normal());
    for (auto& p : projection) p = static_cast<float>(rng.normal() / std::sqrt(double(d)));
    for (std::size_t i = 0; i < n; ++i) {
        const float* centre = centres.data() + (i % clusters) * d;
        float* row = data.high.data() + i * d;
        for (std::size_t c = 0; c < d; ++c) row[c] = centre[c] + static_cast<float>(rng.normal());
        for (std::size_t j = 0; j < 2; ++j) {
            double s = 0;
            for (std::size_t c = 0; c < d; ++c) s += double(row[c]) * projection[c * 2 + j];
            data.low(i, j) = static_cast<float>(s);
        }
    }
    return data;
}

// sklearn's algorithm with its memory: full squared-distance matrices (double) and full
// argsorts of every row.
double dense_trustworthiness(const analysis::Matrix& high, const analysis::Matrix& low, std::size_t k) {
    const std::size_t n = high.shape(0);
    const auto distances = [n](const analysis::Matrix& x) {
        const std::size_t d = x.shape(1);
        std::vector<double> dist(n * n);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                double s = 0;
                for (std::size_t c = 0; c < d; ++c) {
                    const double diff = double(x(i, c)) - double(x(j, c));
                    s += diff * diff;
                }
                dist[i * n + j] = i == j ? -1.0 : s;  // self first, as sklearn's inf diagonal trick
            }
        return dist;
    };
    const auto high_d = distances(high), low_d = distances(low);
    std::vector<std::size_t> order(n), rank(n);
    double penalty = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return high_d[i * n + a] < high_d[i * n + b]; });
        for (std::size_t r = 0; r < n; ++r) rank[order[r]] = r;
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return low_d[i * n + a] < low_d[i * n + b]; });
        for (std::size_t r = 1; r <= k; ++r) penalty += std::max<double>(0.0, double(rank[order[r]]) - double(k));
    }
    return 1.0 - penalty * 2.0 / (double(n) * k * (2.0 * n - 3.0 * k - 1.0));
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_megabytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0;  // Linux reports kilobytes
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t rows = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 45000;
    const std::size_t dims = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2048;
    const Cpu cpu{benchmark_threads()};
    constexpr std::size_t k = 15;

    {
        const Data small = clustered(4000, 256, 7);
        auto start = std::chrono::steady_clock::now();
        const double dense = dense_trustworthiness(small.high, small.low, k);
        const double dense_time = seconds_since(start);
        start = std::chrono::steady_clock::now();
        const double blocked = analysis::trustworthiness(small.high, small.low, k, cpu);
        const double blocked_time = seconds_since(start);
        std::printf("reference 4000 x 256, k=%zu: dense %.10f in %.2f s, latentlab %.10f in %.2f s (%d threads): "
                    "%.1fx faster, |difference| %.1e\n",
                    k, dense, dense_time, blocked, blocked_time, cpu.threads, dense_time / blocked_time,
                    std::abs(dense - blocked));
        if (std::abs(dense - blocked) > 1e-9) {
            std::printf("error: the values differ\n");
            return 1;
        }
    }
    const double before = peak_megabytes();
    const Data large = clustered(rows, dims, 11);
    const double data_megabytes = double(rows) * (dims + 2) * sizeof(float) / 1048576.0;
    const auto start = std::chrono::steady_clock::now();
    const double value = analysis::trustworthiness(large.high, large.low, k, cpu);
    const double elapsed = seconds_since(start);
    std::printf("large %zu x %zu, k=%zu: trustworthiness %.6f in %.1f s (%d threads); peak memory %.0f MB "
                "(data %.0f MB; before the large run %.0f MB); a dense distance matrix would take %.0f MB\n",
                rows, dims, k, value, elapsed, cpu.threads, peak_megabytes(), data_megabytes, before,
                8.0 * double(rows) * double(rows) / 1048576.0);
    benchmark::DoNotOptimize(value);
    return 0;
}
