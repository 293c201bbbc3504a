#!/usr/bin/env python3
"""Fails when a C++ file of the GPU back end exceeds the size limit.

Scope: .cpp and .h files under lib/Conversion, lib/Dialect, lib/Target,
lib/Transforms and include/fa/{Conversion, Dialect, Target, Transforms} of
the tree given as the argument (lib/Frontend and lib/Runtime are not the
back end). Limit: 600 lines; a file that grows past it is split by op
family or concern, not trimmed.

Usage: lint_file_size.py ROOT [LIMIT]   (prints file: lines; exit 1 on any)
"""
import os
import sys

SCOPE = ["lib/Conversion", "lib/Dialect", "lib/Target", "lib/Transforms",
         "include/fa/Conversion", "include/fa/Dialect", "include/fa/Target",
         "include/fa/Transforms"]


def main():
    root = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    bad = 0
    for top in SCOPE:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith((".cpp", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    lines = sum(1 for _ in f)
                if lines > limit:
                    print(f"{os.path.relpath(path, root)}: {lines} lines "
                          f"(limit {limit})")
                    bad += 1
    if bad:
        print(f"lint_file_size: {bad} file(s) over {limit} lines")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
