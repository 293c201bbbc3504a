#!/usr/bin/env python3
"""Fails when vendor-specific names appear in the generic GPU back end.

Scope: C++ and TableGen sources (.cpp, .h, .td) under lib/Conversion,
lib/Dialect, lib/Target, lib/Transforms and include/fa/{Conversion, Dialect,
Target, Transforms} of the tree given as the argument. Vendor folders (any
path component named NVIDIA, TileNV, AMD or TileAMD) may use any vendor's
names (an NVIDIA name in an AMD folder does not matter: it is vendor code
either way); lib/Runtime (the CUDA and HIP runtimes) and lib/Frontend are
not part of the back end. Build files (CMakeLists.txt) may name vendor
libraries.

Names, NVIDIA: NVVM ops and intrinsics (`NVVM`, `nvvm.`), `mma.sync`,
`ldmatrix`, `cp.async`, and `sm_` target numbers (sm_80, sm_90a, ...).
AMD: ROCDL ops and intrinsics (`ROCDL`, `rocdl.`), the AMDGPU backend and
its attributes (`AMDGPU`, `amdgpu.`, `amdgpu-`, `amdgcn`), MFMA instructions
(`mfma`, lower case: the generic MmaKind::Mfma names a capability), `hsaco`
and `gfx` chip names (gfx90a, gfx942, ...).

Usage: lint_vendor_names.py ROOT   (prints file:line: name; exit 1 on any)
"""
import os
import re
import sys

SCOPE = ["lib/Conversion", "lib/Dialect", "lib/Target", "lib/Transforms",
         "include/fa/Conversion", "include/fa/Dialect", "include/fa/Target",
         "include/fa/Transforms"]
VENDOR_DIRS = {"NVIDIA", "TileNV", "AMD", "TileAMD"}
# Files allowed to keep vendor names for now (none).
PENDING = []
NAMES = re.compile(r"NVVM|nvvm\.|mma\.sync|ldmatrix|cp\.async|\bsm_[0-9]+[a-z]?\b"
                   r"|ROCDL|rocdl\.|AMDGPU|amdgpu[.-]|amdgcn|mfma|hsaco"
                   r"|\bgfx[0-9]+[a-z]?\b")
SUFFIXES = (".cpp", ".h", ".td")


def main():
    root = sys.argv[1]
    bad = 0
    for top in SCOPE:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in VENDOR_DIRS)
            for name in sorted(filenames):
                if not name.endswith(SUFFIXES):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                if any(rel.startswith(p) for p in PENDING):
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        for m in NAMES.finditer(line):
                            print(f"{rel}:{n}: {m.group(0)}")
                            bad += 1
    if bad:
        print(f"lint_vendor_names: {bad} vendor-specific name(s) outside the "
              "vendor folders (NVIDIA/, TileNV/, AMD/, TileAMD/)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
