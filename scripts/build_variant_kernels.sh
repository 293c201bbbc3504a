#!/usr/bin/env bash
# Builds the GPU check of the attention variants and the language examples in
# kernels/ (run here: needs LLVM 22 and ptxas; the GPU machine builds
# nothing). For each specialization, a cubin and its sidecar (fa-compile
# --target); for each case, the reference values of one shape (fa-run on the
# host against the f64 reference kernel, --save-reference; the host run is
# checked on the way, so a case that fails here stops the build).
# Output in $OUT_DIR (default out/variants): <spec>.{cubin,ptx,json},
# <case>.ref, and cases.txt, one "<case> <sidecar> <reference> [fa-run flags]"
# a line, which scripts/gpu_check_variants.sh runs with fa-run-gpu.
# Carry to the GPU machine: out/variants, build/bin/fa-run-gpu and
# build/lib/libfa_runtime.so (about 25 MiB in all; the script prints it).
# Usage: scripts/build_variant_kernels.sh [target]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-sm_90a}
out=${OUT_DIR:-out/variants}
rm -rf "$out"
mkdir -p "$out"
: > "$out/cases.txt"
attn=kernels/reference/attention_ref.tile

source scripts/lib/gpu_cases.sh   # spec and run

s=--arg; sc="$s scale=0.08838834764831845"   # 1/sqrt(128)
# Sliding window and causal masks (kernels/flash_fwd_window.tile).
spec win_l256_causal kernels/flash_fwd_window.tile -D CAUSAL=true -D WINDOW_LEFT=256
run win_l256_causal.n1024 win_l256_causal $attn "" $sc --size B=1,H=4,HKV=2,N=1024,NK=1024
run win_l256_causal.n333_nk1500 win_l256_causal $attn "" $sc --size B=2,H=2,HKV=1,N=333,NK=1500
spec causal_br kernels/flash_fwd_window.tile -D CAUSAL=true
run causal_br.n700_nk1200 causal_br $attn "" $sc --size B=1,H=4,HKV=4,N=700,NK=1200
run causal_br.n1200_nk700 causal_br $attn "" $sc --size B=1,H=2,HKV=2,N=1200,NK=700
spec causal_tl kernels/flash_fwd_window.tile -D CAUSAL=true -D BOTTOM_RIGHT=false
run causal_tl.n700_nk1200 causal_tl $attn "" $sc --size B=1,H=2,HKV=2,N=700,NK=1200
spec win_2sided_f16 kernels/flash_fwd_window.tile -D WINDOW_LEFT=64 -D WINDOW_RIGHT=63 -D T=f16
run win_2sided_f16.n1024 win_2sided_f16 $attn "" $sc --size B=1,H=2,HKV=2,N=1024,NK=1024
spec win_d64 kernels/flash_fwd_window.tile -D HEAD_DIM=64 -D CAUSAL=true -D WINDOW_LEFT=100
run win_d64.n2048 win_d64 $attn "" $s scale=0.125 --size B=1,H=2,HKV=1,N=2048,NK=2048
# ALiBi (kernels/flash_fwd_alibi.tile), slopes in [0, 0.25].
spec alibi_causal kernels/flash_fwd_alibi.tile -D CAUSAL=true
run alibi_causal.n1000 alibi_causal $attn "" $sc --fill slopes=uniform:0:0.25 --size B=1,H=4,HKV=2,N=1000,NK=1000
run alibi_causal.n300_nk900 alibi_causal $attn "" $sc --fill slopes=uniform:0:0.25 --size B=1,H=2,HKV=2,N=300,NK=900
spec alibi_f16 kernels/flash_fwd_alibi.tile -D T=f16
run alibi_f16.n1_nk2048 alibi_f16 $attn "" $sc --fill slopes=uniform:0:0.25 --size B=2,H=8,HKV=2,N=1,NK=2048
run alibi_f16.n777_nk333 alibi_f16 $attn "" $sc --fill slopes=uniform:0:0.25 --size B=1,H=2,HKV=2,N=777,NK=333
# Attention sinks (kernels/flash_fwd_sinks.tile).
spec sinks_causal kernels/flash_fwd_sinks.tile -D CAUSAL=true
run sinks_causal.n1000 sinks_causal $attn "" $sc --size B=1,H=2,HKV=2,N=1000,NK=1000
run sinks_causal.n1500_nk200 sinks_causal $attn "" $sc --size B=1,H=2,HKV=1,N=1500,NK=200
spec sinks_d64_f16 kernels/flash_fwd_sinks.tile -D HEAD_DIM=64 -D T=f16
run sinks_d64_f16.n333_nk1000 sinks_d64_f16 $attn "" $s scale=0.125 --fill sinks=uniform:0:4 --size B=1,H=4,HKV=4,N=333,NK=1000
# Split-KV decoding: split then combine (kernels/flash_decode.tile).
dk="--kernel flash_decode_split,flash_decode_combine"
spec decode kernels/flash_decode.tile
run decode.nk16384_s16 decode $attn "" $dk $sc --size B=4,H=8,HKV=1,N=1,NK=16384,SPLITS=16
run decode.n4_nk3000_s7 decode $attn "" $dk $sc --size B=1,H=4,HKV=4,N=4,NK=3000,SPLITS=7
run decode.n20_nk1000_s3 decode $attn "" $dk $sc --size B=1,H=2,HKV=2,N=20,NK=1000,SPLITS=3
run decode.nk5_s8 decode $attn "" $dk $sc --size B=1,H=2,HKV=1,N=2,NK=5,SPLITS=8
spec decode_d64_f16 kernels/flash_decode.tile -D HEAD_DIM=64 -D T=f16
run decode_d64_f16.nk4096_s8 decode_d64_f16 $attn "" $dk $s scale=0.125 --size B=2,H=8,HKV=2,N=1,NK=4096,SPLITS=8
# The language examples. The tensor cores sum in another order than the
# host: --rtol 1e-5 of the largest |c| on top of twice the plain f32 error.
spec matmul kernels/matmul.tile
run matmul.m512_n384_k1000 matmul kernels/reference/matmul_ref.tile "--rtol 1e-5" --size M=512,N=384,K=1000
run matmul.m1_n1_k1 matmul kernels/reference/matmul_ref.tile "--rtol 1e-5" --size M=1,N=1,K=1
spec matmul_f16 kernels/matmul.tile -D T=f16 -D BM=128 -D BN=128
run matmul_f16.m300_n200_k77 matmul_f16 kernels/reference/matmul_ref.tile "--rtol 1e-5" --size M=300,N=200,K=77
spec softmax kernels/softmax.tile
# f32 all through: the GPU's exp (exp2 of x log2(e), ex2.approx) is off by
# about 1e-6 relative where the host's is exact to an ulp: --rtol 1e-5.
run softmax.m64_n4000 softmax kernels/reference/softmax_ref.tile "--rtol 1e-5" --size M=64,N=4000
spec softmax_bf16 kernels/softmax.tile -D T=bf16
run softmax_bf16.m300_n777 softmax_bf16 kernels/reference/softmax_ref.tile "" --size M=300,N=777 --fill x=uniform:-20:20

# Kernels that use the language additions (soft-capping: tanh; varlen:
# scalar loads of cu_seqlens and masked stores; paged: gathers through a
# block table), against their own host run.
spec softcap_d64 kernels/softcap_fwd.tile -D HEAD_DIM=64
run softcap_d64.n100_nk130 softcap_d64 host "" --size B=1,H=4,HKV=2,N=100,NK=130 --arg scale=0.125,softcap=2.0
spec varlen_d64_causal kernels/varlen_fwd.tile -D HEAD_DIM=64 -D CAUSAL=true
run varlen_d64_causal.b3 varlen_d64_causal host "" --size TOTAL_Q=120,TOTAL_K=150,H=4,HKV=2,B1=4 --fill cu_seqlens_q=list:0,30,70,120 --fill cu_seqlens_k=list:0,50,60,150 --arg max_seqlen_q=50,scale=0.125
# Six sequences: empty ones (no queries; no keys), one query, seqlen_k
# above and below seqlen_q, several query blocks (135 rows).
vl6="--size TOTAL_Q=333,TOTAL_K=517,H=4,HKV=2,B1=7 --fill cu_seqlens_q=list:0,1,1,65,200,330,333 --fill cu_seqlens_k=list:0,7,7,100,100,300,517 --arg max_seqlen_q=135"
# shellcheck disable=SC2086
run varlen_d64_causal.b6 varlen_d64_causal host "" $vl6,scale=0.125
spec varlen_d64 kernels/varlen_fwd.tile -D HEAD_DIM=64
# shellcheck disable=SC2086
run varlen_d64.b6 varlen_d64 host "" $vl6,scale=0.125
spec varlen_d128_causal_f16 kernels/varlen_fwd.tile -D HEAD_DIM=128 -D CAUSAL=true -D T=f16
# shellcheck disable=SC2086
run varlen_d128_causal_f16.b6 varlen_d128_causal_f16 host "" $vl6,scale=0.08838834764831845
spec paged_d64 kernels/paged_fwd.tile -D HEAD_DIM=64
run paged_d64.gather paged_d64 host "" --kernel paged_gather_fwd --size B=3,H=4,HKV=2,N=5,NUM_PAGES=12,MAX_PAGES=4 --fill block_table=perm --fill seqlens_k=list:37,16,50 --arg scale=0.125

echo "$(wc -l < "$out/cases.txt") cases in $out/cases.txt; to carry: $(du -shc "$out" build/bin/fa-run-gpu build/lib/libfa_runtime.so | tail -1 | cut -f1)"
