#!/usr/bin/env bash
# Fuzzes, for a bounded time split between them, the three libFuzzer targets
# (libFuzzer + ASan + UBSan):
#   fa-parse-fuzzer   the .tile front end, seeded from kernels/, the frontend
#                     tests and the examples of docs/language.md;
#   fa-ir-fuzzer      the tile IR path (parser, verifiers, tile optimizations,
#                     tile -> tilegpu), seeded from test/Tile, test/Transforms
#                     and the IR of kernels/*.tile;
#   fa-sidecar-fuzzer the kernel sidecar reader, seeded from
#                     test/Runtime/Inputs/*.json.
# Fails on any crash, sanitizer report, leak, timeout or out-of-memory; the
# input that caused it is left in build/fuzz/<target>/.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS: total budget (default 60), split evenly between the targets;
#   TARGET:  parse, ir or sidecar (default: all three).
# Each run starts from the seeds alone, so that it keeps to its budget
# (libFuzzer replays a whole corpus before it counts time, and a grown IR
# corpus takes minutes). FUZZ_KEEP_CORPUS=1 keeps build/fuzz/<target>/corpus
# from run to run instead, for long local fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse ir sidecar)
bash scripts/build.sh fa-parse-fuzzer fa-ir-fuzzer fa-sidecar-fuzzer fa-compile
root=$PWD
share=$(( secs / ${#targets[@]} ))
[ "$share" -ge 1 ] || share=1

# Writes the seeds of target $1 into folder $2.
seed() {
  local name=$1 dir=$2 i=0 f
  case $name in
  parse)
    for f in kernels/*.tile test/Frontend/*.tile test/Frontend/diag/*.tile test/Frontend/Inputs/*.tile; do
      [ -f "$f" ] || continue
      cp "$f" "$dir/seed-$i.tile"
      i=$((i + 1))
    done
    # Every ```tile block of the language reference.
    awk -v dir="$dir" '
      /^```tile$/ { n++; out = sprintf("%s/doc-%d.tile", dir, n); inblk = 1; next }
      /^```/ { inblk = 0; next }
      inblk { print > out }' docs/language.md
    ;;
  ir)
    # One seed per split of the tile IR tests.
    for f in test/Tile/*.mlir test/Transforms/*.mlir test/Host/Inputs/*.mlir; do
      [ -f "$f" ] || continue
      awk -v base="$dir/$(basename "$f" .mlir)" '
        BEGIN { n = 0; out = base "-0.mlir" }
        /^\/\/ -----/ { n++; out = base "-" n ".mlir"; next }
        { print > out }' "$f"
    done
    # The IR of the shipped kernels, in a few specializations.
    for f in kernels/*.tile; do
      for d in "" "-D CAUSAL=true" "-D T=f16 -D HEAD_DIM=128"; do
        # shellcheck disable=SC2086
        build/bin/fa-compile "$f" --emit=tile $d -o "$dir/kernel-$i.mlir" 2>/dev/null ||
          rm -f "$dir/kernel-$i.mlir"
        i=$((i + 1))
      done
    done
    ;;
  sidecar)
    for f in test/Runtime/Inputs/*.json; do
      cp "$f" "$dir/seed-$i.json"
      i=$((i + 1))
    done
    # The malformed variants of the sidecar validation test.
    if command -v python3 >/dev/null 2>&1; then
      python3 test/Runtime/Inputs/bad_sidecars.py \
        test/Runtime/Inputs/flash_fwd_d64_bf16.json "$dir"
      rm -f "$dir/big.json" # 17 MiB, beyond -max_len
    fi
    ;;
  esac
}

status=0
for name in "${targets[@]}"; do
  case $name in
  parse) dict=tools/fa-parse-fuzzer/tile.dict; maxlen=16384 ;;
  ir) dict=tools/fa-ir-fuzzer/tile-ir.dict; maxlen=16384 ;;
  sidecar) dict=tools/fa-sidecar-fuzzer/sidecar.dict; maxlen=65536 ;;
  *) echo "fuzz.sh: unknown target '$name' (parse, ir, sidecar)" >&2; exit 2 ;;
  esac
  work=build/fuzz/$name
  rm -rf "$work/seeds"
  [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ] || rm -rf "$work/corpus"
  mkdir -p "$work/corpus" "$work/seeds"
  seed "$name" "$work/seeds"
  echo "fuzz.sh: fa-$name-fuzzer: $(ls "$work/seeds" | wc -l) seeds, ${share} s"
  rc=0
  # Crashing inputs are written to build/fuzz/<target>/ (crash-*, leak-*,
  # timeout-*, oom-*).
  (cd "$work" && "$root/build/bin/fa-$name-fuzzer" corpus seeds \
    -dict="$root/$dict" -artifact_prefix="$root/$work/" \
    -max_total_time="$share" -timeout=10 -rss_limit_mb=4096 -max_len=$maxlen \
    -print_final_stats=1 > fuzz.log 2>&1) || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -40 "$work/fuzz.log"
    echo "fuzz.sh: fa-$name-fuzzer failed (status $rc); see $work/ for the crashing input" >&2
    status=1
  else
    grep -E '^(INFO: seed corpus|Done |stat::(new_units|peak_rss|slowest))' "$work/fuzz.log"
  fi
done
[ "$status" -eq 0 ] || exit 1
echo "fuzz.sh: no crash, leak or hang in ${secs} s (${targets[*]})"
