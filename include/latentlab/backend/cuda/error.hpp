#pragma once
// Every CUDA runtime, cuDNN, cuBLAS and NVRTC call of the library goes through check(status,
// "call"), which turns a failure into a latentlab::Error naming the call and the library's
// own status string, e.g. "cudaMalloc failed: out of memory (cudaErrorMemoryAllocation)".
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <nvrtc.h>

#include "latentlab/core/error.hpp"

namespace latentlab::cuda {

inline void check(cudaError_t status, const char* call) {
    if (status != cudaSuccess)
        fail(call, " failed: ", cudaGetErrorString(status), " (", cudaGetErrorName(status), ")");
}

inline void check(cudnnStatus_t status, const char* call) {
    if (status != CUDNN_STATUS_SUCCESS) fail(call, " failed: ", cudnnGetErrorString(status));
}

inline const char* cublas_status_name(cublasStatus_t status) {
    switch (status) {
        case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
        case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
        case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
        case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
        case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
        case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
        case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
        case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
        case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
        case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    }
    return "unknown cuBLAS status";
}

inline void check(cublasStatus_t status, const char* call) {
    if (status != CUBLAS_STATUS_SUCCESS) fail(call, " failed: ", cublas_status_name(status));
}

inline void check(nvrtcResult status, const char* call) {
    if (status != NVRTC_SUCCESS) fail(call, " failed: ", nvrtcGetErrorString(status));
}

}  // namespace latentlab::cuda
