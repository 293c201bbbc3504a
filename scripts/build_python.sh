#!/usr/bin/env bash
# Builds the Python package's wheel into out/python/ (git-ignored) from this
# checkout: the C++ compiler library with LLVM and MLIR linked statically
# (python/CMakeLists.txt), the package and the kernels' sources. The wheel is
# py3-none (the library is called through ctypes), so it installs on the GPU
# machine's Python as well. Also downloads pytest's wheels into
# out/python/wheels for machines without pytest and without a network.
# Prints the library's and the wheel's sizes.
# Usage: scripts/build_python.sh            (JOBS=n: build parallelism, default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
python3 -m pip install -q "scikit-build-core>=0.10" 2>/dev/null || true
out=out/python
rm -rf "$out"/flashtile-*.whl
mkdir -p "$out/wheels"
CMAKE_BUILD_PARALLEL_LEVEL=${JOBS:-2} python3 -m pip wheel . --no-deps --no-build-isolation \
  -w "$out"
python3 -m pip download -q pytest -d "$out/wheels" 2>/dev/null ||
  echo "build_python: warning: could not download pytest's wheels" >&2
lib=build-python/lib/libflashtile.so
echo "build_python: $(ls "$out"/flashtile-*.whl)"
echo "build_python: libflashtile.so $(stat -c %s "$lib") bytes (stripped, LLVM/MLIR static);" \
  "wheel $(stat -c %s "$out"/flashtile-*.whl) bytes; out/python in all $(du -sb "$out" | cut -f1) bytes"
