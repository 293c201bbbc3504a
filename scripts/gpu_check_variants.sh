#!/usr/bin/env bash
# GPU check of the attention variants and language examples (on the GPU
# machine; builds nothing): runs every case of $OUT_DIR/cases.txt (default
# out/variants; scripts/build_variant_kernels.sh) with fa-run-gpu against the
# f64 reference values saved for it (--reference-data: same inputs, checked
# by checksum; outputs poisoned before the launch). Prints one line per case
# and exits 1 if any case fails (or none ran). Extra fa-run-gpu flags:
# FA_RUN_FLAGS (e.g. "--time 20").
# Usage: scripts/gpu_check_variants.sh [target]
set -uo pipefail
cd "$(dirname "$0")/.."
target=${1:-sm_90a}
out=${OUT_DIR:-out/variants}
run=${FA_RUN_GPU:-./build/bin/fa-run-gpu}
if [ ! -x "$run" ]; then
  echo "FAIL: $run is missing (bash scripts/build.sh fa-run-gpu)"
  exit 1
fi
if [ ! -s "$out/cases.txt" ]; then
  echo "FAIL: no $out/cases.txt (run scripts/build_variant_kernels.sh here first)"
  exit 1
fi
pass=0
fail=0
while read -r case sidecar ref flags; do
  # shellcheck disable=SC2086
  log=$("$run" "$out/$sidecar" --target "$target" --reference-data "$out/$ref" \
        $flags ${FA_RUN_FLAGS:-} 2>&1 < /dev/null)
  rc=$?
  # "max abs error of o: kernel E plain T P tolerance X ok" -> "o E/X"
  errs=$(echo "$log" | awk '/^max abs error of/ {printf "%s %s/%s  ", $5, $7, $12}')
  times=$(echo "$log" | awk '/^kernel time:/ {printf "%s %s ms  ", $3, $9}')
  if [ $rc = 0 ] && echo "$log" | tail -1 | grep -q '^PASS$'; then
    pass=$((pass + 1))
    printf 'PASS %-34s err/tol %s%s\n' "$case" "$errs" "$times"
  else
    fail=$((fail + 1))
    printf 'FAIL %-34s err/tol %s\n' "$case" "$errs"
    echo "$log" | sed 's/^/    /' | tail -8
  fi
done < "$out/cases.txt"
echo "cases: $pass passed, $fail failed"
[ $fail = 0 ] && [ $pass -gt 0 ]
