#!/usr/bin/env bash
# Fuzzes the .tile front end (fa-parse-fuzzer: libFuzzer + ASan + UBSan) for a
# bounded time, seeded from kernels/, the frontend tests and the examples of
# docs/language.md. Fails on any crash, sanitizer report, leak, timeout or
# out-of-memory; the input that caused it is left in build/fuzz/.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
bash scripts/build.sh fa-parse-fuzzer
work=build/fuzz
corpus=$work/corpus
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$corpus" "$seeds"
i=0
for f in kernels/*.tile test/Frontend/*.tile test/Frontend/diag/*.tile test/Frontend/Inputs/*.tile; do
  [ -f "$f" ] || continue
  cp "$f" "$seeds/seed-$i.tile"
  i=$((i + 1))
done
# Every ```tile block of the language reference.
awk -v dir="$seeds" '
  /^```tile$/ { n++; out = sprintf("%s/doc-%d.tile", dir, n); inblk = 1; next }
  /^```/ { inblk = 0; next }
  inblk { print > out }' docs/language.md
echo "fuzz.sh: $(ls "$seeds" | wc -l) seeds, ${secs} s"
cd "$work"
status=0
# Crashing inputs are written to build/fuzz/ (crash-*, leak-*, timeout-*, oom-*).
../bin/fa-parse-fuzzer corpus seeds \
  -dict=../../tools/fa-parse-fuzzer/tile.dict \
  -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -max_len=16384 \
  -print_final_stats=1 > fuzz.log 2>&1 || status=$?
tail -25 fuzz.log
if [ "$status" -ne 0 ]; then
  echo "fuzz.sh: fa-parse-fuzzer failed (status $status); see build/fuzz/ for the crashing input" >&2
  exit 1
fi
echo "fuzz.sh: no crash, leak or hang in ${secs} s"
