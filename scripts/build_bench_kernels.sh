#!/usr/bin/env bash
# Compiles kernels/flash_fwd.tile for the GPU benchmark and checks:
# out/cubins/flash_fwd_d<D>_<T>_<causal|full>.{cubin,ptx,json}, one per
# specialization, and prints each one's registers, spills and shared memory.
# Software pipelining depth: STAGES (default 2), or STAGES_<D> for head dim D.
# Tile shape: BLOCK_M (default 128) or BLOCK_M_<D>, BLOCK_N (default 64), and
# NUM_WARPS (default 4; 8 at head dim 256, 16 query rows per warp, as its
# 128-row accumulator would not fit in 4 warps' registers) or NUM_WARPS_<D>;
# output folder: OUT_DIR (default out/cubins); extra fa-compile flags:
# FA_COMPILE_FLAGS.
# Usage: scripts/build_bench_kernels.sh [target] [head dims...]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-sm_90a}
shift || true
dims=("${@:-64 128}")
dims=(${dims[@]})
out=${OUT_DIR:-out/cubins}
mkdir -p "$out"
for d in "${dims[@]}"; do
  for t in bf16 f16; do
    for causal in false true; do
      name=flash_fwd_d${d}_${t}_$([ $causal = true ] && echo causal || echo full)
      stages_var=STAGES_$d
      [ "$d" -ge 256 ] && def_warps=8 || def_warps=4
      stages=${!stages_var:-${STAGES:-2}}
      bm_var=BLOCK_M_$d
      bm=${!bm_var:-${BLOCK_M:-128}}
      warps_var=NUM_WARPS_$d
      warps=${!warps_var:-${NUM_WARPS:-$def_warps}}
      start=$(date +%s.%N)
      ./build/bin/fa-compile kernels/flash_fwd.tile --target "$target" \
        -D HEAD_DIM=$d -D T=$t -D CAUSAL=$causal -D BLOCK_M=$bm -D BLOCK_N=${BLOCK_N:-64} \
        --num-warps "$warps" --num-stages "$stages" ${FA_COMPILE_FLAGS:-} \
        -o "$out/$name.cubin"
      secs=$(echo "$(date +%s.%N) - $start" | bc)
      python3 scripts/sidecar_report.py "$out/$name.json" "$secs"
    done
  done
done
