#!/usr/bin/env bash
# GPU correctness sweep (on the GPU machine): runs every compiled flash forward
# in $CUBIN_DIR (default out/cubins; scripts/build_bench_kernels.sh) with fa-run-gpu over the
# host matrix's shapes plus N = 4096 and 16384, each checked against fp64.
# Prints one line per case and exits 1 if any case fails. A case that runs
# longer than CASE_TIMEOUT seconds (default 120) fails as a hang; killed
# from outside (timeout, ^C), the script still prints the cases done.
# Usage: scripts/gpu_check.sh [target] [parallel jobs]
set -uo pipefail
cd "$(dirname "$0")/.."
target=${1:-sm_90a}
jobs=${2:-8}
run=./build/bin/fa-run-gpu
# B H HKV N NK
shapes=("1 2 2 1 1" "2 3 3 17 17" "1 2 2 128 128" "1 2 2 333 1000" "1 2 2 1000 333"
        "2 8 2 333 333" "1 4 4 4096 4096" "1 2 2 16384 16384")
cases=()
for sc in "${CUBIN_DIR:-out/cubins}"/flash_fwd_d*.json; do
  d=$(basename "$sc" | sed -E 's/flash_fwd_d([0-9]+)_.*/\1/')
  t=$(basename "$sc" | sed -E 's/.*_(bf16|f16)_.*/\1/'); [ "$t" = f16 ] && t=fp16
  c=$(basename "$sc" .json | sed -E 's/.*_(causal|full)$/\1/')
  for s in "${shapes[@]}"; do
    cases+=("$sc $d $t $c $s")
  done
done
one() {
  read -r sc d t c b h hkv n nk <<<"$1"
  flags=(--target "$2" --batch $b --heads $h --kv-heads $hkv --seqlen $n --seqlen-k $nk
         --headdim $d --dtype $t --check)
  [ "$c" = causal ] && flags+=(--causal)
  out=$(timeout "${CASE_TIMEOUT:-120}" "$3" "$sc" "${flags[@]}" 2>&1)
  rc=$?
  [ $rc = 124 ] && out="$out
timed out after ${CASE_TIMEOUT:-120} s (hang?)"
  verdict=$(echo "$out" | tail -1)
  errs=$(echo "$out" | grep "max abs error" | awk '{printf "%s %s ", $7, $10}')
  printf '%-4s %-40s B=%s H=%s HKV=%s N=%s NK=%s  err/plain o,lse: %s\n' \
    "$([ $rc = 0 ] && echo PASS || echo FAIL)" "$(basename $sc)" $b $h $hkv $n $nk "$errs"
  [ $rc = 0 ] || echo "$out" | sed 's/^/    /' | tail -5
  return $rc
}
export -f one
report() {
  sort -k2 /tmp/gpu_check.log
  echo "cases: $(grep -c '^PASS' /tmp/gpu_check.log) passed, $(grep -c '^FAIL' /tmp/gpu_check.log) failed${1:-}"
}
printf '%s\n' "${cases[@]}" | xargs -P "$jobs" -I{} bash -c 'one "$@"' _ {} "$target" "$run" > /tmp/gpu_check.log &
pid=$!
trap 'pkill -TERM -P $pid; kill $pid 2>/dev/null; report " of ${#cases[@]}, interrupted"; exit 124' TERM INT
wait $pid
status=$?
trap - TERM INT
report
[ $status = 0 ] && ! grep -q '^FAIL' /tmp/gpu_check.log
