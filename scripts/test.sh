#!/usr/bin/env bash
# Installs what is missing, checks C++ formatting (.clang-format), builds, and
# runs every test: the lit suite, the fuzzers (front end, IR path, sidecar
# reader) for FUZZ_SECONDS in all (default 60), then the Python package:
# `pip install .` (the compiler library with LLVM/MLIR linked statically) and
# its pytest suite on CPU tensors (torch from PyPI when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# Paths below the checkout are hashed relative to it, so that the package's
# build (build-python/, by pip) reuses the objects of build/.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
bash scripts/setup.sh
bash scripts/check_format.sh
bash scripts/build.sh
ninja -C build check-fa
# Fuzz the front end, the IR path and the sidecar reader for a bounded time
# (issue: no crash, leak or hang).
bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
# The Python package (docs/python.md): installed from this checkout, tested
# on CPU tensors through the host lowering; the GPU tests (-m gpu) are
# skipped without a GPU.
export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -c "import torch" 2>/dev/null || python3 -m pip install -q torch
python3 -m pip install -q pytest "scikit-build-core>=0.10"
CMAKE_BUILD_PARALLEL_LEVEL=${JOBS:-2} python3 -m pip install -q --no-build-isolation .
python3 -m pytest -q -rs python/tests
echo "test.sh: all tests passed in $(( $(date +%s) - start )) s"
