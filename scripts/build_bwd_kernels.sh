#!/usr/bin/env bash
# Compiles kernels/flash_bwd.tile (all four kernels in one cubin per
# specialization) for the GPU backward check and benchmark:
# out/bwd/flash_bwd_d<D>_<T>_<causal|full>[_det].{cubin,ptx,json}, for T in
# bf16 and f16, causal and full, and DETERMINISTIC false and true (_det), and
# prints each kernel's registers, spills and shared memory.
# Warps and matrix instructions: kernels/flash_bwd.defaults per target
# (sm_90a: 8 warps with wgmma and 128-row blocks, BLOCK_N = DQ_BLOCK_M =
# DQ_BLOCK_N = 128, at head dim 128, 4 warps at 64; sm_80: 8 warps), or
# NUM_WARPS_<D> / NUM_WARPS to force a count. D=256 does not fit in shared memory (240 KiB asked, 227 KiB on
# sm_90a).
# Tile shape: BLOCK_M / BLOCK_M_<D> and BLOCK_N / BLOCK_N_<D> (default: the
# defaults file's, else the kernel's 64 x 64; flash_bwd_dq's DQ_BLOCK_M and
# DQ_BLOCK_N through FA_COMPILE_FLAGS="-D DQ_BLOCK_M=..."). A kernel that spills registers fails the build
# (fa-compile --fail-on-spill) unless ALLOW_SPILL=1. Output folder: OUT_DIR
# (default out/bwd); extra fa-compile flags: FA_COMPILE_FLAGS.
# Usage: scripts/build_bwd_kernels.sh [target] [head dims...]   (default 64 128)
# A specialization that fails (e.g. spills) is reported, its outputs removed,
# and the others are still built; the script then exits 1.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
target=${1:-sm_90a}
shift || true
dims=("${@:-64 128}")
dims=(${dims[@]})
out=${OUT_DIR:-out/bwd}
mkdir -p "$out" || exit 1
failed=()
for d in "${dims[@]}"; do
  warps_var=NUM_WARPS_$d
  warps=${!warps_var:-${NUM_WARPS:-}}
  bm_var=BLOCK_M_$d
  bm=${!bm_var:-${BLOCK_M:-}}
  bn_var=BLOCK_N_$d
  bn=${!bn_var:-${BLOCK_N:-}}
  for t in bf16 f16; do
    for causal in false true; do
      for det in false true; do
        name=flash_bwd_d${d}_${t}_$([ $causal = true ] && echo causal || echo full)
        [ $det = true ] && name+=_det
        flags=()
        [ -n "$warps" ] && flags+=(--num-warps "$warps")
        [ -n "$bm" ] && flags+=(-D BLOCK_M=$bm)
        [ -n "$bn" ] && flags+=(-D BLOCK_N=$bn)
        [ "${ALLOW_SPILL:-0}" = 1 ] || flags+=(--fail-on-spill)
        start=$(date +%s.%N)
        if ! ./build/bin/fa-compile kernels/flash_bwd.tile --target "$target" \
          -D HEAD_DIM=$d -D T=$t -D CAUSAL=$causal -D DETERMINISTIC=$det \
          "${flags[@]}" ${FA_COMPILE_FLAGS:-} -o "$out/$name.cubin"; then
          rm -f "$out/$name".{cubin,ptx,json}
          failed+=("$name")
          continue
        fi
        secs=$(echo "$(date +%s.%N) - $start" | bc)
        python3 scripts/sidecar_report.py "$out/$name.json" "$secs"
      done
    done
  done
done
if [ ${#failed[@]} != 0 ]; then
  echo "build_bwd_kernels: FAILED (not built): ${failed[*]}" >&2
  echo "build_bwd_kernels: ALLOW_SPILL=1 builds kernels that spill" >&2
  exit 1
fi
