#pragma once
// The CUDA backend: include this (besides latentlab.hpp or the parts you use) and link
// latentlab::cuda, then write Network<Spec, Shape, Cuda> where you wrote Cpu. Host code
// only: cuDNN and cuBLAS are called from C++, the custom kernels are compiled at run time by
// NVRTC (backend/cuda/nvrtc.hpp), so g++ builds it without nvcc.
#ifndef LATENTLAB_WITH_CUDA
#error "latentlab/cuda.hpp needs the CUDA backend: link latentlab::cuda (CMake found no CUDA toolkit with cuDNN)"
#endif
#include "latentlab/backend/cuda/batch_norm.hpp"
#include "latentlab/backend/cuda/bias.hpp"
#include "latentlab/backend/cuda/concat.hpp"
#include "latentlab/backend/cuda/context.hpp"
#include "latentlab/backend/cuda/conv.hpp"
#include "latentlab/backend/cuda/cuda.hpp"
#include "latentlab/backend/cuda/dense.hpp"
#include "latentlab/backend/cuda/depthwise.hpp"
#include "latentlab/backend/cuda/dropout.hpp"
#include "latentlab/backend/cuda/elementwise.hpp"
#include "latentlab/backend/cuda/pool.hpp"
#include "latentlab/backend/cuda/softmax.hpp"
#include "latentlab/backend/cuda/unpool.hpp"
#include "latentlab/backend/cuda/upsample.hpp"
