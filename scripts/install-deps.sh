#!/usr/bin/env bash
# Installs the Debian packages latentlab needs, and only those that are missing:
# a second run does nothing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(
  build-essential cmake
  libeigen3-dev libxtensor-dev zlib1g-dev libstb-dev
  pkg-config libcairo2-dev fonts-dejavu-core
  catch2 libbenchmark-dev
  libspectra-dev libhnswlib-dev         # analysis: Lanczos eigensolver (UMAP init), approximate kNN
  python3 python3-numpy python3-torch python3-sklearn umap-learn   # tools/ and benchmarks/ (run with /usr/bin/python3)
  libhdf5-dev                           # optional feature HDF5 (data/hdf5.hpp)
  dataset-fashion-mnist                 # real data: /usr/share/datasets/fashion-mnist (tests, E2-E4)
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
  else
    echo "install-deps: missing ${missing[*]}, and not root and no sudo to install them" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
