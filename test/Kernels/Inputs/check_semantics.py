#!/usr/bin/env python3
"""Compiles Inputs/semantics.tile, runs its kernels with the reference
interpreter and compares every output with the same computation in Python.
Usage: check_semantics.py semantics.tile
"""
import math
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import tile_interp as ti  # noqa: E402


def fail(msg):
    raise SystemExit("FAIL " + msg)


def c_div(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def c_rem(a, b):
    return a - b * c_div(a, b)


def close(got, want, what, tol=1e-5):
    if len(got) != len(want):
        fail("%s: %d values, want %d" % (what, len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if isinstance(w, int):
            if g != w:
                fail("%s[%d]: got %r, want %r" % (what, i, g, w))
        elif not (abs(g - w) <= tol * max(1.0, abs(w)) or g == w):
            fail("%s[%d]: got %r, want %r" % (what, i, g, w))
    print("ok " + what)


def main():
    ir = subprocess.run(["fa-compile", sys.argv[1]], check=True, capture_output=True, text=True).stdout
    ir = subprocess.run(["fa-opt"], input=ir, check=True, capture_output=True, text=True).stdout
    kernels = ti.parse_module(ir)
    rng = random.Random(7)

    # ints: N = 13, not a multiple of BLOCK = 8.
    N = 13
    x = [rng.randint(-9, 9) for _ in range(N)]
    x[0], x[1] = -7, 5
    out = ti.Global((N, 8), [None] * (N * 8), "i32")
    ti.run_kernel(kernels["ints"], {"x": ti.Global((N,), x, "i32"), "out": out})
    want = []
    for i, v in enumerate(x):
        want += [c_div(v, 3), c_rem(v, 3), -v + 2, max(v, 0) - min(v, 1),
                 int((v >= 2 and v != 5) or v == -7),
                 c_div(abs(v) * (v * v + 1), 4) + (N + 2) // 3,
                 v if v > 0 else i, int(v * 2.5)]
    close(out.data, want, "ints")

    # mats
    M, K, Nn = 4, 3, 5
    a = [ti.round_to(rng.uniform(-1, 1), "f32") for _ in range(M * K)]
    b = [ti.round_to(rng.uniform(-1, 1), "f32") for _ in range(Nn * K)]
    g = {"a": ti.Global((M, K), a, "f32"), "b": ti.Global((Nn, K), b, "f32"),
         "c": ti.Global((M, Nn), [0.0] * (M * Nn), "f32"),
         "rows": ti.Global((M,), [0.0] * M, "f32"), "cols": ti.Global((Nn,), [0.0] * Nn, "f32"),
         "p": ti.Global((Nn, M, 2), [0.0] * (Nn * M * 2), "f32")}
    ti.run_kernel(kernels["mats"], g)
    prod = [[sum(a[i * K + k] * b[j * K + k] for k in range(K)) for j in range(Nn)] for i in range(M)]
    close(g["c"].data, [prod[i][j] - sum(prod[i]) / 5.0 for i in range(M) for j in range(Nn)], "mats.dot-trans-reduce")
    close(g["rows"].data, [max(r) - min(r) for r in prod], "mats.rowmax-rowmin")
    close(g["cols"].data, [max(prod[i][j] for i in range(M)) + min(prod[i][j] for i in range(M))
                           for j in range(Nn)], "mats.reduce-axis0")
    close(g["p"].data, [prod[i][j] + k for j in range(Nn) for i in range(M) for k in range(2)],
          "mats.trans-order")

    # flow: n = 10 elements in blocks of 4 (the last block is padded with -1).
    n = 10
    xs = [ti.round_to(rng.uniform(-1, 2), "f32") for _ in range(n)]
    out = ti.Global((3,), [0.0] * 3, "f32")
    ti.run_kernel(kernels["flow"], {"x": ti.Global((n,), xs, "f32"), "out": out, "n": n})
    total, big, m = 0.0, 0, -math.inf
    for i0 in range(0, n, 4):
        t = [xs[i] if i < n else -1.0 for i in range(i0, i0 + 4)]
        s = sum(v if v > -1.0 else 0.0 for v in t)
        total += s
        if s > 1.0:
            big += 1
        elif s < -1.0:
            big -= 10
        m = max(m, max(t))
    close(out.data, [total, float(big), m], "flow")


if __name__ == "__main__":
    main()
