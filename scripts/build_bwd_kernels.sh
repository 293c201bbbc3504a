#!/usr/bin/env bash
# Compiles kernels/flash_bwd.tile (all four kernels in one cubin per
# specialization) for the GPU backward check and benchmark:
# out/bwd/flash_bwd_d<D>_<T>_<causal|full>[_det].{cubin,ptx,json}, for T in
# bf16 and f16, causal and full, and DETERMINISTIC false and true (_det), and
# prints each kernel's registers, spills and shared memory.
# Warps: NUM_WARPS_<D> or NUM_WARPS (default 8: at 4 warps flash_bwd spills
# 80 B at D=64 and 1128 B at D=128; at 8 warps D=64 is spill-free and D=128
# still spills about 90 B causal, 16 warps or BLOCK_M=32 spill more).
# Tile shape: BLOCK_M / BLOCK_M_<D> and BLOCK_N / BLOCK_N_<D> (default: the
# kernel's, 64 x 64). A kernel that spills registers fails the build
# (fa-compile --fail-on-spill) unless ALLOW_SPILL=1. Output folder: OUT_DIR
# (default out/bwd); extra fa-compile flags: FA_COMPILE_FLAGS.
# Usage: scripts/build_bwd_kernels.sh [target] [head dims...]   (default 64 128)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-sm_90a}
shift || true
dims=("${@:-64 128}")
dims=(${dims[@]})
out=${OUT_DIR:-out/bwd}
mkdir -p "$out"
for d in "${dims[@]}"; do
  warps_var=NUM_WARPS_$d
  warps=${!warps_var:-${NUM_WARPS:-8}}
  bm_var=BLOCK_M_$d
  bm=${!bm_var:-${BLOCK_M:-}}
  bn_var=BLOCK_N_$d
  bn=${!bn_var:-${BLOCK_N:-}}
  for t in bf16 f16; do
    for causal in false true; do
      for det in false true; do
        name=flash_bwd_d${d}_${t}_$([ $causal = true ] && echo causal || echo full)
        [ $det = true ] && name+=_det
        flags=(--num-warps "$warps")
        [ -n "$bm" ] && flags+=(-D BLOCK_M=$bm)
        [ -n "$bn" ] && flags+=(-D BLOCK_N=$bn)
        [ "${ALLOW_SPILL:-0}" = 1 ] || flags+=(--fail-on-spill)
        start=$(date +%s.%N)
        ./build/bin/fa-compile kernels/flash_bwd.tile --target "$target" \
          -D HEAD_DIM=$d -D T=$t -D CAUSAL=$causal -D DETERMINISTIC=$det \
          "${flags[@]}" ${FA_COMPILE_FLAGS:-} -o "$out/$name.cubin"
        secs=$(echo "$(date +%s.%N) - $start" | bc)
        python3 scripts/sidecar_report.py "$out/$name.json" "$secs"
      done
    done
  done
done
