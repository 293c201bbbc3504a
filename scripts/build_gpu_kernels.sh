#!/usr/bin/env bash
# Compiles the hand-written flash forward (test/TileGPU/Inputs) to cubins for
# the GPU machine: out/gpu/flash_fwd_d<D>_<T>_<target>.{cubin,ptx,json}.
# Usage: scripts/build_gpu_kernels.sh [target ...]   (default: sm_90a)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("${@:-sm_90a}")
mkdir -p out/gpu
for target in "${targets[@]}"; do
  for d in 64 128; do
    for t in bf16 f16; do
      name=flash_fwd_d${d}_${t}_${target}
      sed -e "s/@D@/$d/g; s/@BM@/64/g; s/@BN@/64/g; s/@T@/$t/g" \
        test/TileGPU/Inputs/flash_fwd.mlir.in > out/gpu/$name.mlir
      ./build/bin/fa-gpu out/gpu/$name.mlir --target "$target" --emit=cubin \
        -o out/gpu/$name.cubin
      python3 scripts/sidecar_report.py "out/gpu/$name.json"
    done
  done
done
