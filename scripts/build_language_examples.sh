#!/usr/bin/env bash
# Builds the GPU check of the examples of docs/language.md (run here: needs
# LLVM 22 and ptxas; the GPU machine builds nothing), so that every language
# construct the page shows is seen to lower and run on the GPU.
# Each ```tile block of the page is written to $OUT_DIR/<first kernel>.tile
# and compiled for the target (fa-compile --target, with the block's
# `// fa-compile-args:` line); each case runs it on the host first (fa-run
# --compare host: the f64 run where the kernel has float type parameters,
# else the host's own run, which test/Kernels/language-examples.test checks
# against Python) and saves those reference values.
# Output in $OUT_DIR (default out/language): <example>.{tile,cubin,ptx,json},
# <case>.ref and cases.txt, which scripts/gpu_check_variants.sh runs:
#   OUT_DIR=out/language scripts/gpu_check_variants.sh
# Carry to the GPU machine: $OUT_DIR, build/bin/fa-run-gpu and
# build/lib/libfa_runtime.so.
# Usage: scripts/build_language_examples.sh [target]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-sm_90a}
out=${OUT_DIR:-out/language}
rm -rf "$out"
mkdir -p "$out"
: > "$out/cases.txt"

# The examples, one file each, named after their first kernel.
python3 - docs/language.md "$out" <<'EOF'
import re, sys
doc, out = sys.argv[1:3]
blocks = re.findall(r"^```tile[ \t]*\n(.*?)^```", open(doc).read(), re.S | re.M)
for blk in blocks:
    names = re.findall(r"^kernel (\w+)", blk, re.M)
    if names:
        open("%s/%s.tile" % (out, names[0]), "w").write(blk)
EOF

# spec NAME EXAMPLE DEFINES...: compile the example (all its kernels) once.
declare -A spec_file spec_defines
spec() {
  local name=$1 file=$out/$2.tile
  shift 2
  [ -f "$file" ] || { echo "build_language_examples: no example $2 in docs/language.md"; exit 1; }
  local args
  args=$(sed -n 's|^// fa-compile-args:||p' "$file")
  spec_file[$name]=$file
  # shellcheck disable=SC2086
  spec_defines[$name]="$args $*"
  # shellcheck disable=SC2086
  ./build/bin/fa-compile "$file" --target "$target" $args "$@" -o "$out/$name.cubin"
}
# run CASE SPEC "GPU FLAGS" FA-RUN FLAGS...: check one shape on the host and
# save its reference values.
run() {
  local case=$1 name=$2 gpu_flags=$3
  shift 3
  # shellcheck disable=SC2086
  ./build/bin/fa-run "${spec_file[$name]}" --target host ${spec_defines[$name]} \
    "$@" --compare host --save-reference "$out/$case.ref" > "$out/$case.host.log" \
    || { cat "$out/$case.host.log"; echo "build_language_examples: the host check of $case failed"; exit 1; }
  echo "$case $name.json $case.ref $gpu_flags" >> "$out/cases.txt"
  echo "$case: host $(tail -1 "$out/$case.host.log")"
}

# The GPU's transcendental functions (ex2.approx and the like) are a few
# ulps off where the host's are exact to an ulp, and its reductions and
# atomics sum in another order (segments: 5.7e-6 of 13 on the H200): --rtol
# 1e-5 of the largest value for the examples that do either. The others
# (copies, single roundings, integers, max) must match exactly.
spec axpy axpy
run axpy.n1000 axpy "" --size N=1000 --arg a=1.5
spec fill_scale fill
run fill.n333 fill_scale "" --kernel fill --size N=333 --arg value=2.5
run scale.n333 fill_scale "" --kernel scale --size N=333 --arg factor=-0.5
spec convert convert
run convert.n1000 convert "" --size N=1000 --fill src=uniform:-20:20
spec convert_clamp_f16 convert -D CLAMP=true -D SRC=f16 -D DST=f32
run convert_clamp_f16.n777 convert_clamp_f16 "" --size N=777 --fill src=uniform:-20:20
spec prefix_max prefix_max
run prefix_max.n300 prefix_max "" --size N=300 --arg n=300
spec clamp_block clamp_block
# Block 0 (max 0.022) doubles, blocks 1 and 2 (max 1.046, 1.238) clamp.
run clamp_block.m70 clamp_block "" --size M=70 --arg limit=1.0 --fill x=iota:-1:0.002
spec capped capped
run capped.m5 capped "--rtol 1e-5" --size M=5 --arg cap=1.25 --fill x=uniform:-3:3
spec lower_bound lower_bound
# Sorted rows; 0.5 is x[3, 50] exactly (the while loop's break); rows 0-2
# are below the key, rows 4-5 above it.
run lower_bound.m6 lower_bound "" --size M=6 --arg key=0.5 --fill x=iota:-60:0.25
spec outer outer
run outer outer ""
spec segments segments
run segments.s6 segments "--rtol 1e-5" --size N=80,S1=6 --fill offsets=list:0,5,5,40,41,77
spec row_softmax row_softmax
run row_softmax.b2_m37 row_softmax "--rtol 1e-5" --size B=2,M=37
spec hash hash
run hash.n70 hash "" --size N=70 --fill x=uniform:0:4294967295
spec math_rows math_rows
run math_rows.n67 math_rows "--rtol 1e-5" --size N=67 --fill x=uniform:-6:6
spec matmul_doc matmul
run matmul_doc.m300_n200_k77 matmul_doc "--rtol 1e-5" --size M=300,N=200,K=77
spec column_sums column_sums
run column_sums.m100 column_sums "--rtol 1e-5" --size M=100

echo "$(wc -l < "$out/cases.txt") cases in $out/cases.txt; to carry: $(du -shc "$out" build/bin/fa-run-gpu build/lib/libfa_runtime.so | tail -1 | cut -f1)"
