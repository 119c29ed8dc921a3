#!/usr/bin/env bash
# Installs what is missing, builds (release preset), and runs the main job.
# The job runs from the repository root; files it writes go under runs/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# >>> The main job: a program in examples/ (change this one line to run another). <<<
main_job=network_summary

bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j"$(nproc)" --target "$main_job"

mkdir -p runs
log="runs/$main_job.log"
echo "run.sh: running build/release/examples/$main_job $*"
"build/release/examples/$main_job" "$@" 2>&1 | tee "$log"
echo "run.sh: output of $main_job saved in $log; files it writes are under runs/"
