#!/usr/bin/env bash
# Compiles prefixes of a valid .tile file (every STEP bytes) and checks that
# each one is rejected with exit status 1 and a located error
# (`file:line:col: error:`), never a crash.
# Usage: check-truncations.sh FILE STEP TMP_DIR
set -uo pipefail
file=$1
step=$2
tmp=$3
mkdir -p "$tmp"
size=$(wc -c < "$file")
n=0
for ((len = 0; len < size; len += step)); do
  head -c "$len" "$file" > "$tmp/prefix.tile"
  fa-compile "$tmp/prefix.tile" -o /dev/null 2> "$tmp/err.txt"
  rc=$?
  if [ "$rc" -ne 1 ]; then
    echo "prefix of $len bytes: exit status $rc (expected 1)" >&2
    cat "$tmp/err.txt" >&2
    exit 1
  fi
  if ! grep -qE '^[^ ]*prefix\.tile:[0-9]+:[0-9]+: error: ' "$tmp/err.txt"; then
    echo "prefix of $len bytes: no located error" >&2
    cat "$tmp/err.txt" >&2
    exit 1
  fi
  n=$((n + 1))
done
echo "checked $n truncations"
