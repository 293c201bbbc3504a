#!/usr/bin/env bash
# Compiles kernels/flash_fwd.tile for the GPU benchmark and checks:
# out/cubins/flash_fwd_d<D>_<T>_<causal|full>.{cubin,ptx,json}, one per
# specialization, and prints each one's registers, spills and shared memory.
# Software pipelining depth: STAGES (default 2), or STAGES_<D> for head dim D.
# Tile shape: BLOCK_M (default 128) or BLOCK_M_<D>, BLOCK_N (default 64), and
# NUM_WARPS or NUM_WARPS_<D> (default: fa-compile's choice from the dot sizes,
# docs/gpu.md: 4 at head dim 64, 8 at 128 and 256, where 4 warps spill);
# a kernel that spills registers fails the build (fa-compile --fail-on-spill)
# unless ALLOW_SPILL=1 (e.g. NUM_WARPS=4 ALLOW_SPILL=1 rebuilds the 4-warp
# configuration measured before at head dim 128, which spills 8 B, 120 B causal);
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
      stages=${!stages_var:-${STAGES:-2}}
      bm_var=BLOCK_M_$d
      bm=${!bm_var:-${BLOCK_M:-128}}
      warps_var=NUM_WARPS_$d
      warps=${!warps_var:-${NUM_WARPS:-}}
      flags=()
      [ -n "$warps" ] && flags+=(--num-warps "$warps")
      [ "${ALLOW_SPILL:-0}" = 1 ] || flags+=(--fail-on-spill)
      start=$(date +%s.%N)
      ./build/bin/fa-compile kernels/flash_fwd.tile --target "$target" \
        -D HEAD_DIM=$d -D T=$t -D CAUSAL=$causal -D BLOCK_M=$bm -D BLOCK_N=${BLOCK_N:-64} \
        --num-stages "$stages" "${flags[@]}" ${FA_COMPILE_FLAGS:-} \
        -o "$out/$name.cubin"
      secs=$(echo "$(date +%s.%N) - $start" | bc)
      python3 scripts/sidecar_report.py "$out/$name.json" "$secs"
    done
  done
done
