#!/usr/bin/env bash
# Compiles every ```tile example of a Markdown file for a GPU target down to
# a cubin (ptxas), so that what the language accepts lowers on that target.
# A block whose first line is `// fa-compile-args: ...` gets those options.
# Usage: compile-doc-examples-gpu.sh DOC.md TMP_DIR TARGET
set -euo pipefail
doc=$1
tmp=$2
target=$3
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
  if ! fa-compile "$f" $args --target "$target" -o "$f.cubin"; then
    echo "FAILED: $(basename "$f") (example $((n + 1)) of $doc) for $target" >&2
    exit 1
  fi
  n=$((n + 1))
done
echo "compiled $n examples for $target"
