#!/usr/bin/env bash
# Installs what is missing, checks C++ formatting (.clang-format), builds, and
# runs every test: the lit suite, then the fuzzers (front end, IR path, sidecar
# reader) for FUZZ_SECONDS in all (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
bash scripts/check_format.sh
bash scripts/build.sh
ninja -C build check-fa
# Fuzz the front end, the IR path and the sidecar reader for a bounded time
# (issue: no crash, leak or hang).
bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
echo "test.sh: all tests passed in $(( $(date +%s) - start )) s"
