#!/usr/bin/env bash
# Compiles kernels/flash_fwd.tile for the GPU benchmark and checks:
# out/cubins/flash_fwd_d<D>_<T>_<causal|full>.{cubin,ptx,json}, one per
# specialization, and prints each one's registers, spills and shared memory.
# Software pipelining depth: STAGES or STAGES_<D> for head dim D (default:
# the defaults table, then fa-compile's 2).
# Tile shape: BLOCK_M or BLOCK_M_<D>, BLOCK_N or BLOCK_N_<D>, and NUM_WARPS
# or NUM_WARPS_<D>; unset, fa-compile takes them from the per-target table
# kernels/flash_fwd.defaults, then from the kernel (128 x 64) and its choice
# of warps from the dot sizes (docs/gpu.md);
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
      stages=${!stages_var:-${STAGES:-}}
      bm_var=BLOCK_M_$d
      bm=${!bm_var:-${BLOCK_M:-}}
      bn_var=BLOCK_N_$d
      bn=${!bn_var:-${BLOCK_N:-}}
      warps_var=NUM_WARPS_$d
      warps=${!warps_var:-${NUM_WARPS:-}}
      flags=()
      [ -n "$warps" ] && flags+=(--num-warps "$warps")
      [ -n "$stages" ] && flags+=(--num-stages "$stages")
      [ -n "$bm" ] && flags+=(-D BLOCK_M="$bm")
      [ -n "$bn" ] && flags+=(-D BLOCK_N="$bn")
      [ "${ALLOW_SPILL:-0}" = 1 ] || flags+=(--fail-on-spill)
      start=$(date +%s.%N)
      ./build/bin/fa-compile kernels/flash_fwd.tile --target "$target" \
        -D HEAD_DIM=$d -D T=$t -D CAUSAL=$causal \
        "${flags[@]}" ${FA_COMPILE_FLAGS:-} \
        -o "$out/$name.cubin"
      secs=$(echo "$(date +%s.%N) - $start" | bc)
      python3 scripts/sidecar_report.py "$out/$name.json" "$secs"
    done
  done
done
