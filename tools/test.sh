#!/usr/bin/env bash
# Builds Cairn and runs every test: bash tools/test.sh [build-dir] [build-type]
# CAIRN_SANITIZE=address,undefined builds with sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
build_type=${2:-Release}
bash tools/deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" -DCAIRN_SANITIZE="${CAIRN_SANITIZE:-}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j2 --timeout 600
