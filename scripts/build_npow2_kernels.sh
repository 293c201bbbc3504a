#!/usr/bin/env bash
# Builds the GPU check of tiles whose sizes are not powers of two (padded by
# tile-pad-pow2), in the format of scripts/build_variant_kernels.sh (run here:
# needs LLVM 22 and ptxas; the GPU machine builds nothing): flash forward at
# head dims 80, 96 and 192 (padded to 128 and 256; the defaults table's
# blocks, and mma.sync on sm_90a), softmax with 12 x 100 blocks (masked
# loads and stores, row max and sum over padding) and matmul with 48 x 80 x
# 24 blocks (dot with padded K, M and N). For each case the host run of the
# same kernel with --pad-pow2 is checked against the f64 reference kernel on
# the way, and the reference values are saved.
# Output in $OUT_DIR (default out/npow2): <spec>.{cubin,ptx,json}, <case>.ref
# and cases.txt, which scripts/gpu_check_variants.sh runs with fa-run-gpu:
#   OUT_DIR=out/npow2 bash scripts/gpu_check_variants.sh sm_90a
# Usage: scripts/build_npow2_kernels.sh [target]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-sm_90a}
out=${OUT_DIR:-out/npow2}
rm -rf "$out"
mkdir -p "$out"
: > "$out/cases.txt"
attn=kernels/reference/attention_ref.tile

# spec and run; every kernel is compiled with no spill, and the host run
# of each case pads its tiles too (--pad-pow2).
source scripts/lib/gpu_cases.sh
SPEC_FLAGS="--fail-on-spill ${SPEC_FLAGS:-}"
HOST_FLAGS=--pad-pow2

s=--arg
fwd=kernels/flash_fwd.tile
for d in 80 96 192; do
  sc="$s scale=$(python3 -c "print(1 / $d ** 0.5)")"
  spec fwd_d$d $fwd -D HEAD_DIM=$d
  run fwd_d$d.n1000 fwd_d$d $attn "" $sc --size B=1,H=4,HKV=2,N=1000,NK=1000
  run fwd_d$d.n333_nk777 fwd_d$d $attn "" $sc --size B=2,H=2,HKV=1,N=333,NK=777
  spec fwd_d${d}_causal $fwd -D HEAD_DIM=$d -D CAUSAL=true
  run fwd_d${d}_causal.n1000 fwd_d${d}_causal $attn "" $sc --size B=1,H=4,HKV=2,N=1000,NK=1000
  run fwd_d${d}_causal.n777_nk333 fwd_d${d}_causal $attn "" $sc --size B=1,H=2,HKV=2,N=777,NK=333
done
sc="$s scale=$(python3 -c "print(1 / 80 ** 0.5)")"
spec fwd_d80_causal_f16 $fwd -D HEAD_DIM=80 -D CAUSAL=true -D T=f16
run fwd_d80_causal_f16.n1500 fwd_d80_causal_f16 $attn "" $sc --size B=1,H=2,HKV=2,N=1500,NK=1500
sc="$s scale=$(python3 -c "print(1 / 96 ** 0.5)")"
spec fwd_d96_f16 $fwd -D HEAD_DIM=96 -D T=f16
run fwd_d96_f16.n1_nk2048 fwd_d96_f16 $attn "" $sc --size B=2,H=8,HKV=2,N=1,NK=2048
if [ "$target" = sm_90a ]; then
  # The mma.sync path (sm_80's) on the H200.
  SPEC_FLAGS="--mma=mma_sync $SPEC_FLAGS" spec fwd_d80_mma_sync $fwd -D HEAD_DIM=80 -D CAUSAL=true
  sc="$s scale=$(python3 -c "print(1 / 80 ** 0.5)")"
  run fwd_d80_mma_sync.n1000 fwd_d80_mma_sync $attn "" $sc --size B=1,H=4,HKV=2,N=1000,NK=1000
  SPEC_FLAGS="--mma=mma_sync $SPEC_FLAGS" spec fwd_d192_mma_sync $fwd -D HEAD_DIM=192
  sc="$s scale=$(python3 -c "print(1 / 192 ** 0.5)")"
  run fwd_d192_mma_sync.n333_nk777 fwd_d192_mma_sync $attn "" $sc --size B=1,H=2,HKV=1,N=333,NK=777
fi
# Language examples with padded blocks. f32 softmax: the GPU's exp is off by
# about 1e-6 relative (build_variant_kernels.sh): --rtol 1e-5, and so for
# the tensor cores' summation order in matmul.
spec softmax_12x100 kernels/softmax.tile -D BLOCK_M=12 -D BLOCK_N=100
run softmax_12x100.m37_n1000 softmax_12x100 kernels/reference/softmax_ref.tile "--rtol 1e-5" --size M=37,N=1000
spec matmul_48x80x24 kernels/matmul.tile -D BM=48 -D BN=80 -D BK=24
run matmul_48x80x24.m300_n200_k77 matmul_48x80x24 kernels/reference/matmul_ref.tile "--rtol 1e-5" --size M=300,N=200,K=77

echo "$(wc -l < "$out/cases.txt") cases in $out/cases.txt; to carry: $(du -shc "$out" build/bin/fa-run-gpu build/lib/libfa_runtime.so | tail -1 | cut -f1)"
