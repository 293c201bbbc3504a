#!/usr/bin/env python3
"""Runs an f32 matmul after tilegpu-split-f32-dot on the host (fa-exec on the
rewritten tile IR) and checks it against float64: the split keeps about 16
bits of each operand (relative error ~1e-5 of sum |a||b|), exact=true keeps
f32 accuracy (~1e-6). Without the split the same check passes trivially, so
it also checks that the split is close to the plain f32 dot.

Usage: check_split_f32_dot.py F32_DOT_TILE TMP_DIR [exact]
"""
import os
import random
import struct
import subprocess
import sys


def main():
    src, tmp = sys.argv[1:3]
    exact = len(sys.argv) > 3
    os.makedirs(tmp, exist_ok=True)
    ir = subprocess.run(["fa-compile", src], check=True, capture_output=True, text=True).stdout
    opt = "-tilegpu-split-f32-dot" + ("=exact=true" if exact else "")
    split = subprocess.run(["fa-opt", opt], input=ir, check=True, capture_output=True,
                           text=True).stdout
    if split.count("tensor<64x64xf32>") == 0 or "xbf16" not in split:
        raise SystemExit("FAIL the pass did not split the dot")
    mlir = os.path.join(tmp, "split.mlir")
    open(mlir, "w").write(split)
    rng = random.Random(5)
    M, K, N = 70, 96, 50
    f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]  # noqa: E731
    a = [f32(rng.uniform(-1, 1)) for _ in range(M * K)]
    b = [f32(rng.uniform(-1, 1)) for _ in range(K * N)]
    files = {}
    for name, vals in (("a", a), ("b", b), ("c", [0.0] * (M * N))):
        files[name] = os.path.join(tmp, name + ".bin")
        open(files[name], "wb").write(struct.pack("<%df" % len(vals), *vals))
    out = os.path.join(tmp, "c.out")
    subprocess.run(["fa-exec", mlir, "--tensor=a=%s:%dx%d" % (files["a"], M, K),
                    "--tensor=b=%s:%dx%d" % (files["b"], K, N),
                    "--tensor=c=%s:%dx%d" % (files["c"], M, N), "--write=c=" + out],
                   check=True)
    c = struct.unpack("<%df" % (M * N), open(out, "rb").read())
    worst = 0.0
    for i in range(M):
        for j in range(N):
            want = sum(a[i * K + k] * b[k * N + j] for k in range(K))
            scale = sum(abs(a[i * K + k] * b[k * N + j]) for k in range(K))
            worst = max(worst, abs(c[i * N + j] - want) / scale)
    tol = 2e-6 if exact else 3e-5
    # bf16 alone (one part) would be ~4e-3: the split must do much better.
    if worst > tol:
        raise SystemExit("FAIL relative error %.3g above %.3g" % (worst, tol))
    print("ok %s relative error %.2g" % ("exact" if exact else "split", worst))


if __name__ == "__main__":
    main()
