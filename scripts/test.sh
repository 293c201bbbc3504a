#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (lit suite via ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
bash scripts/build.sh
ninja -C build check-fa
bash scripts/fuzz.sh 60   # the front end under libFuzzer + ASan/UBSan
echo "test.sh: all tests passed in $(( $(date +%s) - start )) s"
