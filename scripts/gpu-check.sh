#!/usr/bin/env bash
# Builds and runs the CUDA backend's checks on a GPU machine that has the CUDA toolkit and
# g++ but not this project's Debian packages (the lent GPU machines): the kernels compile
# to PTX, the backend-equivalence tests (every layer and NN1/NN2/NN3 on the GPU against the
# CPU) and the forward+backward benchmark at batch 2048. Plain g++, no CMake configure:
# only Eigen and Catch2 headers are needed, from $DEPS_INCLUDE (default .deps/include, which
# `scripts/gpu-check.sh --bundle` fills from this machine's /usr/include).
#   scripts/gpu-check.sh --bundle          # here: copy Eigen and Catch2 headers into .deps/include
#   scripts/gpu-check.sh [out_dir]         # there: build, test, benchmark; logs into out_dir
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--bundle" ]]; then
  mkdir -p .deps/include
  cp -r /usr/include/eigen3 .deps/include/
  cp -r /usr/include/catch2 .deps/include/
  echo "bundled into .deps/include: $(du -sh .deps/include | cut -f1)"
  exit 0
fi

out="${1:-build/gpu}"
mkdir -p "$out" build/gpu
deps="${DEPS_INCLUDE:-.deps/include}"
cuda="${CUDA_HOME:-/usr/local/cuda}"
# cuDNN: $CUDNN_ROOT, else beside the toolkit, else the nvidia-cudnn wheel of the python3 at hand.
cudnn="${CUDNN_ROOT:-}"
if [[ -z "$cudnn" && ! -e "$cuda/include/cudnn.h" ]]; then
  cudnn="$(python3 -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' 2>/dev/null || true)"
  [[ -n "$cudnn" ]] || cudnn="$(python3 -c 'import nvidia.cudnn; print(list(nvidia.cudnn.__path__)[0])')"
fi
flags=(-std=c++20 -O2 -fopenmp -march=native -Wall -Wextra -DLATENTLAB_WITH_CUDA -Iinclude -Itests/cuda
       -isystem "$deps/eigen3" -isystem "$deps" -isystem "$cuda/include")
# GCC 12 reports false -Wmaybe-uninitialized inside its AVX-512 intrinsics when Eigen uses them
# (bug 105593), as in CMakeLists.txt.
[[ "$(g++ -dumpversion | cut -d. -f1)" -lt 13 ]] && flags+=(-mno-avx512f)
libs=(-L"$cuda/lib64" -lcublas -lnvrtc -lcudart -Wl,-rpath,"$cuda/lib64")
if [[ -n "$cudnn" ]]; then
  flags+=(-isystem "$cudnn/include")
  libs=(-L"$cudnn/lib" -Wl,-rpath,"$cudnn/lib" "${libs[@]}")
  # A wheel ships libcudnn.so.9 without the unversioned link name.
  [[ -e "$cudnn/lib/libcudnn.so" ]] || { mkdir -p build/gpu/lib && ln -sf "$cudnn/lib/libcudnn.so.9" build/gpu/lib/libcudnn.so && libs=(-Lbuild/gpu/lib "${libs[@]}"); }
fi
libs+=(-lcudnn -lz)
echo "g++ $(g++ -dumpversion), CUDA at $cuda, cuDNN at ${cudnn:-$cuda}"

build() {  # name sources...
  local name=$1; shift
  local start=$SECONDS
  g++ "${flags[@]}" "$@" -o "build/gpu/$name" "${libs[@]}"
  echo "built $name in $((SECONDS - start)) s"
}
pids=()
build compile_kernels tests/cuda/compile_kernels.cpp & pids+=($!)
build gpu_tests tests/cuda/test_backends.cpp tests/cuda/gpu_main.cpp & pids+=($!)
build gpu_forward_backward benchmarks/cuda/gpu_forward_backward.cpp & pids+=($!)
for pid in "${pids[@]}"; do wait "$pid" || { echo "a build failed"; exit 1; }; done

status=0
build/gpu/compile_kernels compute_90 2>&1 | tee "$out/compile_kernels.log" || status=1
build/gpu/gpu_tests --durations yes 2>&1 | tee "$out/gpu_tests.log" || status=1
build/gpu/gpu_forward_backward 2048 10 2>&1 | tee "$out/gpu_forward_backward.log" || status=1
exit $status
