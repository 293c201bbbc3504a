#!/usr/bin/env bash
# Writes docs/dialect.md from the `tile` dialect's ODS (the op reference is
# generated, so it always matches the code). With --check, fails if the
# committed file differs from what the ODS generates.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tblgen="${MLIR_TBLGEN:-/usr/lib/llvm-22/bin/mlir-tblgen}"
gen() {
  cat "$root/docs/dialect-intro.md"
  echo
  "$tblgen" -gen-op-doc -I "$root/include" -I /usr/lib/llvm-22/include \
    "$root/include/fa/Dialect/Tile/IR/TileOps.td"
}
if [ "${1:-}" = "--check" ]; then
  if ! diff -u "$root/docs/dialect.md" <(gen); then
    echo "docs/dialect.md is stale: run scripts/gen-dialect-doc.sh" >&2
    exit 1
  fi
else
  gen > "$root/docs/dialect.md"
fi
