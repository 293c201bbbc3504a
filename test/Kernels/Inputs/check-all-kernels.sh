#!/usr/bin/env bash
# Compiles every kernel in the given directory with fa-compile and checks that
# the IR verifies and round-trips through fa-opt (pretty and generic forms).
# Usage: check-all-kernels.sh KERNELS_DIR TMP_DIR
set -euo pipefail
dir=$1
tmp=$2
mkdir -p "$tmp"
n=0
for f in "$dir"/*.tile; do
  name=$(basename "$f" .tile)
  fa-compile "$f" --emit=tile -o "$tmp/$name.mlir"
  grep -q "tile.kernel @" "$tmp/$name.mlir" || { echo "$f: no kernel in the output" >&2; exit 1; }
  fa-opt "$tmp/$name.mlir" -o "$tmp/$name.1.mlir"
  fa-opt "$tmp/$name.1.mlir" -o "$tmp/$name.2.mlir"
  diff "$tmp/$name.1.mlir" "$tmp/$name.2.mlir"
  fa-opt "$tmp/$name.mlir" --mlir-print-op-generic | fa-opt -o "$tmp/$name.3.mlir"
  diff "$tmp/$name.1.mlir" "$tmp/$name.3.mlir"
  echo "ok $name"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no kernels in $dir" >&2; exit 1; }
echo "checked $n kernel file(s)"
