#!/usr/bin/env bash
# Installs what is missing, builds, and runs all tests.
#   bash scripts/test.sh          # preset "release"
#   bash scripts/test.sh asan     # AddressSanitizer + UBSan build in build/asan
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
preset="${1:-release}"

bash scripts/install-deps.sh
cmake --preset "$preset"
cmake --build --preset "$preset" -j"$(nproc)"
ctest --preset "$preset"
