#pragma once
// The thread count of every benchmark: 2 (the CI machine's cores) unless LATENTLAB_THREADS
// says otherwise, so that figures from different programs compare.
#include <cstdlib>

inline int benchmark_threads() {
    const char* env = std::getenv("LATENTLAB_THREADS");
    return env ? std::atoi(env) : 2;
}
