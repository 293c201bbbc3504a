#!/usr/bin/env bash
# Extracts every ```tile block of a Markdown file and compiles it with
# fa-compile (IR verified, then parsed back by fa-opt). A block whose first
# line is `// fa-compile-args: ...` is compiled with those extra options.
# Usage: check-doc-examples.sh DOC.md TMP_DIR
set -euo pipefail
doc=$1
tmp=$2
rm -rf "$tmp"
mkdir -p "$tmp"
awk -v dir="$tmp" '
  /^```tile[ \t]*$/ { n++; out = sprintf("%s/example-%02d.tile", dir, n); inblk = 1; printf "" > out; next }
  /^```/ { if (inblk) close(out); inblk = 0; next }
  inblk { print >> out }' "$doc"
n=0
for f in "$tmp"/example-*.tile; do
  [ -f "$f" ] || continue
  args=$(sed -n '1s|^// fa-compile-args:||p' "$f")
  # shellcheck disable=SC2086
  if ! fa-compile "$f" $args -o "$f.mlir"; then
    echo "FAILED: $(basename "$f") (example $((n + 1)) of $doc)" >&2
    exit 1
  fi
  fa-opt "$f.mlir" > /dev/null
  n=$((n + 1))
done
echo "compiled $n examples"
