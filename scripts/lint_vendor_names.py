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

Uses of vendor code: generic code reaches a vendor only through the target
seam (TargetInfo, Backend, the layout interfaces, the lowering registry),
never by naming its code. Flagged: the vendor dialects' and targets' headers
(`fa/Dialect/TileNV/`, `fa/Dialect/TileAMD/`, `fa/Target/NVIDIA/`,
`fa/Target/AMD/`), their C++ namespaces (`tilenv::`, `fa::tilenv`,
`tileamd::`, `nvidia::`, `amd::`; ODS `dependentDialects` name them so too)
and their ops or attributes by name in a string (`"tilenv.`, `"tileamd.`).
A pass that builds vendor ops (warp specialization building `tilenv` ops)
therefore lives in a vendor folder (lib/Dialect/TileNV/Transforms) and a
back end adds it. Prose that mentions a vendor encoding (`#tilenv.mma`) as
an example is not a use.

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
USES = re.compile(r"fa/Dialect/Tile(?:NV|AMD)/|fa/Target/(?:NVIDIA|AMD)/"
                  r"|\btile(?:nv|amd)\s*::|::\s*tile(?:nv|amd)\b"
                  r"|\b(?:nvidia|amd)\s*::|::\s*(?:nvidia|amd)\b"
                  r"|\"tile(?:nv|amd)\.")
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
                        for pattern in (NAMES, USES):
                            for m in pattern.finditer(line):
                                print(f"{rel}:{n}: {m.group(0)}")
                                bad += 1
    if bad:
        print(f"lint_vendor_names: {bad} vendor-specific name(s) outside the "
              "vendor folders (NVIDIA/, TileNV/, AMD/, TileAMD/)")
        print("lint_vendor_names: generic code reaches vendor code through "
              "the target seam (TargetInfo, Backend; docs/architecture.md)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
