#!/usr/bin/env bash
# Fails when a tracked C++ file is not formatted by .clang-format (LLVM
# style). `scripts/check_format.sh --fix` formats them in place.
set -euo pipefail
cd "$(dirname "$0")/.."
CF=${CLANG_FORMAT:-}
if [ -z "$CF" ]; then
  for c in clang-format-22 /usr/lib/llvm-22/bin/clang-format clang-format; do
    if command -v "$c" >/dev/null 2>&1; then CF=$c; break; fi
  done
fi
if [ -z "$CF" ]; then
  echo "check_format: clang-format not found (apt-get install clang-format-22)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.c')
if [ "${1:-}" = "--fix" ]; then
  "$CF" -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! "$CF" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "check_format: $f is not clang-formatted (run scripts/check_format.sh --fix)" >&2
    bad=1
  fi
done
[ "$bad" -eq 0 ] && echo "check_format: ${#files[@]} files formatted"
exit "$bad"
