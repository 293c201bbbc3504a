#!/usr/bin/env bash
# Configures (once) and builds FlashTile into ./build with ninja.
set -euo pipefail
cd "$(dirname "$0")/.."
LLVM=/usr/lib/llvm-22
# ccache, when installed, lets several worktrees share compiled objects
# (export CCACHE_BASEDIR to the folder above them).
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
if [ ! -f build/build.ninja ]; then
  cmake "${launcher[@]}" -G Ninja -S . -B build \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DMLIR_DIR=$LLVM/lib/cmake/mlir -DLLVM_DIR=$LLVM/lib/cmake/llvm \
    -DLLVM_EXTERNAL_LIT=$LLVM/bin/lit -DMLIR_LINK_MLIR_DYLIB=ON
fi
ninja -C build -j "${JOBS:-2}" "$@"
