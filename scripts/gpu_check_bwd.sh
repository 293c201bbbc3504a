#!/usr/bin/env bash
# GPU backward correctness sweep (on the GPU machine): runs every compiled
# backward in $BWD_DIR (default out/bwd; scripts/build_bwd_kernels.sh) with
# fa-run-gpu --backward, after the forward of the same specialization from
# $CUBIN_DIR (default out/cubins; scripts/build_bench_kernels.sh), over the
# forward sweep's shapes, each checked against fp64 gradients. Deterministic
# kernels (_det) also run $DET_REPEAT times (default 10) and must give
# bit-identical dq, dk and dv. Prints PASS/FAIL per case and exits 1 if any
# case fails (or none ran). A case that runs longer than CASE_TIMEOUT
# seconds (default 180) fails as a hang; killed from outside (timeout, ^C),
# the script still prints the cases done.
# Usage: scripts/gpu_check_bwd.sh [target] [parallel jobs]
set -uo pipefail
cd "$(dirname "$0")/.."
target=${1:-sm_90a}
jobs=${2:-8}
run=./build/bin/fa-run-gpu
bwd_dir=${BWD_DIR:-out/bwd}
fwd_dir=${CUBIN_DIR:-out/cubins}
det_repeat=${DET_REPEAT:-10}
log=$(mktemp /tmp/gpu_check_bwd.XXXXXX)
fails=$(mktemp -d /tmp/gpu_check_bwd_fails.XXXXXX)
if [ ! -x "$run" ]; then
  echo "FAIL: $run is missing (bash scripts/build.sh fa-run-gpu)"
  exit 1
fi
# B H HKV N NK
shapes=("1 2 2 1 1" "2 3 3 17 17" "1 2 2 128 128" "1 2 2 333 1000" "1 2 2 1000 333"
        "2 8 2 333 333" "1 4 4 4096 4096")
cases=()
shopt -s nullglob
for sc in "$bwd_dir"/flash_bwd_d*.json; do
  base=$(basename "$sc" .json)
  d=$(sed -E 's/^flash_bwd_d([0-9]+)_.*/\1/' <<<"$base")
  t=$(sed -E 's/^flash_bwd_d[0-9]+_(bf16|f16)_.*/\1/' <<<"$base")
  c=$(sed -E 's/^flash_bwd_d[0-9]+_(bf16|f16)_(causal|full).*/\2/' <<<"$base")
  det=$([[ $base == *_det ]] && echo det || echo nondet)
  fwd="$fwd_dir/flash_fwd_d${d}_${t}_${c}.json"
  for s in "${shapes[@]}"; do
    cases+=("$sc $fwd $d $t $c $det $s")
  done
done
if [ ${#cases[@]} = 0 ]; then
  echo "FAIL: no backward sidecars in $bwd_dir (scripts/build_bwd_kernels.sh)"
  exit 1
fi
one() {
  read -r sc fwd d t c det b h hkv n nk <<<"$1"
  [ "$t" = f16 ] && t=fp16
  flags=(--backward --forward "$fwd" --target "$2" --batch $b --heads $h --kv-heads $hkv
         --seqlen $n --seqlen-k $nk --headdim $d --dtype $t --check)
  [ "$c" = causal ] && flags+=(--causal)
  [ "$det" = det ] && flags+=(--deterministic --repeat "$4")
  out=$(timeout "${CASE_TIMEOUT:-180}" "$3" "$sc" "${flags[@]}" 2>&1)
  rc=$?
  [ $rc = 124 ] && out="$out
timed out after ${CASE_TIMEOUT:-180} s (hang?)"
  errs=$(echo "$out" | grep "max abs error" | awk '{printf "%s %s/%s ", $4, $7, $10}')
  printf '%-4s %-34s B=%s H=%s HKV=%s N=%s NK=%s  err/plain: %s\n' \
    "$([ $rc = 0 ] && echo PASS || echo FAIL)" "$(basename $sc .json)" $b $h $hkv $n $nk "$errs"
  if [ $rc != 0 ]; then
    # The whole output of a failing case, for the report after the table.
    echo "== FAIL $(basename $sc .json) B=$b H=$h HKV=$hkv N=$n NK=$nk: ${flags[*]}" > "$5/$(basename $sc .json)_${b}_${h}_${hkv}_${n}_${nk}.txt"
    echo "$out" | tail -12 >> "$5/$(basename $sc .json)_${b}_${h}_${hkv}_${n}_${nk}.txt"
  fi
  return $rc
}
export -f one
report() {
  sort -k2 "$log"
  cat "$fails"/*.txt 2>/dev/null | head -200
  echo "cases: $(grep -c '^PASS' "$log") passed, $(grep -c '^FAIL' "$log") failed${1:-} (log: $log)"
}
printf '%s\n' "${cases[@]}" |
  xargs -P "$jobs" -I{} bash -c 'one "$@"' _ {} "$target" "$run" "$det_repeat" "$fails" > "$log" &
pid=$!
trap 'pkill -TERM -P $pid; kill $pid 2>/dev/null; report " of ${#cases[@]}, interrupted"; exit 124' TERM INT
wait $pid
status=$?
trap - TERM INT
report
[ $status = 0 ] && ! grep -q '^FAIL' "$log"
