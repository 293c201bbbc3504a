#!/usr/bin/env python3
"""Runs examples of docs/language.md on the host (fa-exec) and checks their
outputs against the same computation in Python, so that the documented
constructs (masks, scalar loads and stores, integer types and bit
operations, math builtins, run-time `if` on tiles) do what the page says.

Usage: check_language_examples.py LANGUAGE_MD TMP_DIR
"""
import math
import os
import random
import re
import struct
import subprocess
import sys

FMT = {"f32": "f", "f16": "e", "i32": "i", "u32": "I", "i8": "b", "i64": "q"}


def fail(msg):
    raise SystemExit("FAIL " + msg)


def examples(doc):
    """Kernel name -> the ```tile block defining it."""
    blocks = re.findall(r"^```tile[ \t]*\n(.*?)^```", open(doc).read(), re.S | re.M)
    out = {}
    for blk in blocks:
        for name in re.findall(r"^kernel (\w+)", blk, re.M):
            out[name] = blk
    return out


def run(src, name, tmp, tensors, scalars, outputs, defines=()):
    path = os.path.join(tmp, name + ".tile")
    open(path, "w").write(src)
    cmd = ["fa-exec", path, "--kernel", name] + ["-D" + d for d in defines]
    for t, (values, dt, shape) in tensors.items():
        p = os.path.join(tmp, "%s.%s.bin" % (name, t))
        with open(p, "wb") as f:
            f.write(struct.pack("<%d%s" % (len(values), FMT[dt]), *values))
        cmd.append("--tensor=%s=%s:%s" % (t, p, "x".join(map(str, shape))))
    for k, v in scalars.items():
        cmd.append("--scalar=%s=%r" % (k, v))
    for t in outputs:
        cmd.append("--write=%s=%s" % (t, os.path.join(tmp, "%s.%s.out" % (name, t))))
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail("%s: fa-exec failed:\n%s" % (name, r.stderr))
    res = {}
    for t in outputs:
        dt = tensors[t][1]
        data = open(os.path.join(tmp, "%s.%s.out" % (name, t)), "rb").read()
        n = len(data) // struct.calcsize(FMT[dt])
        res[t] = list(struct.unpack("<%d%s" % (n, FMT[dt]), data))
    return res


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def close(got, want, what, tol):
    if len(got) != len(want):
        fail("%s: %d values, want %d" % (what, len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if isinstance(w, int):
            if g != w:
                fail("%s[%d]: got %r, want %r" % (what, i, g, w))
        elif not (abs(g - w) <= tol * max(1.0, abs(w))):
            fail("%s[%d]: got %r, want %r" % (what, i, g, w))
    print("ok " + what)


def main():
    doc, tmp = sys.argv[1:3]
    os.makedirs(tmp, exist_ok=True)
    ex = examples(doc)
    rng = random.Random(11)

    # segments: masked loads and stores, scalar loads and a scalar store.
    offsets = [0, 5, 5, 40, 41, 77]
    N = offsets[-1] + 3  # 3 elements past the last segment stay untouched
    x = [f32(rng.uniform(0.5, 2)) for _ in range(N)]
    S1 = len(offsets)
    r = run(ex["segments"], "segments", tmp,
            {"x": (x, "f32", (N,)), "offsets": (offsets, "i32", (S1,)),
             "share": ([-7.0] * N, "f32", (N,)), "sums": ([-7.0] * S1, "f32", (S1,))},
            {}, ["share", "sums"])
    sums = [sum(x[offsets[b]:offsets[b + 1]]) for b in range(S1 - 1)]
    share = [-7.0] * N
    for b in range(S1 - 1):
        for i in range(offsets[b], offsets[b + 1]):
            share[i] = x[i] / sums[b]
    close(r["sums"], sums + [-7.0], "segments.sums", 1e-5)
    close(r["share"], share, "segments.share", 1e-5)

    # hash: u32, i8, i64, bit operations and shifts.
    N = 70
    xs = [rng.randrange(0, 1 << 32) for _ in range(N)]
    xs[0], xs[1] = 0xffffffff, 0x80000000
    r = run(ex["hash"], "hash", tmp,
            {"x": (xs, "u32", (N,)), "out": ([0] * N, "u32", (N,)),
             "low": ([0] * N, "i8", (N,)), "wide": ([0] * N, "i64", (N,)),
             "bits": ([0] * N, "i32", (N,))}, {}, ["out", "low", "wide", "bits"])
    M = 0xffffffff
    out, low, wide, bits = [], [], [], []
    for h in xs:
        h = ((h ^ (h >> 16)) * 0x45d9f3b) & M
        h = h ^ (h >> 16)
        out.append(h)
        b = h & 0xff
        low.append(b - 256 if b >= 128 else b)
        wide.append(h << 8)
        s = h - (1 << 32) if h >= (1 << 31) else h
        v = ((s >> 28) | (~s & 0xf0) | (1 << 3))
        bits.append(v)
    close(r["out"], out, "hash.u32", 0)
    close(r["low"], low, "hash.i8", 0)
    close(r["wide"], wide, "hash.i64", 0)
    close(r["bits"], bits, "hash.i32-bits", 0)

    # math_rows: the math builtins against Python's math (libm on the host).
    N = 67
    xs = [f32(rng.uniform(-6, 6)) for _ in range(N)]
    xs[:4] = [0.0, -0.0, 1e-5, -3.0]
    r = run(ex["math_rows"], "math_rows", tmp,
            {"x": (xs, "f32", (N,)), "out": ([0.0] * (8 * N), "f32", (8, N))},
            {}, ["out"])
    funcs = [math.tanh, math.sin, math.cos, lambda t: abs(t) ** 1.5, math.floor,
             math.ceil, math.erf,
             lambda t: math.exp(struct.unpack("<e", struct.pack("<e", t))[0])]
    names = ["tanh", "sin", "cos", "pow", "floor", "ceil", "erf", "exp-f16"]
    for i, (fn, nm) in enumerate(zip(funcs, names)):
        tol = 2e-3 if nm == "exp-f16" else 1e-5  # exp in f16: 11-bit result
        close(r["out"][i * N:(i + 1) * N], [float(fn(t)) for t in xs],
              "math_rows." + nm, tol)

    # clamp_block: a run-time if that yields a tile.
    M, D = 70, 16
    xs = [f32(rng.uniform(-1, 1)) for _ in range(M * D)]
    for i in range(32 * D, 64 * D):  # the second block's maximum passes 1.5
        xs[i] *= 3.0
    r = run(ex["clamp_block"], "clamp_block", tmp,
            {"x": (list(xs), "f32", (M, D))}, {"limit": 1.5}, ["x"])
    want = []
    for blk in range(0, M, 32):
        vals = xs[blk * D:min(M, blk + 32) * D]
        if max(vals) > 1.5:
            want += [min(t, 1.5) for t in vals]
        else:
            want += [t * 2.0 for t in vals]
    close(r["x"], want, "clamp_block", 1e-6)

    # capped: user functions on a tile, a scalar, a global tensor, a size.
    M, D, cap = 5, 32, 1.25
    xs = [f32(rng.uniform(-3, 3)) for _ in range(M * D)]
    r = run(ex["capped"], "capped", tmp,
            {"x": (xs, "f32", (M, D)), "y": ([0.0] * (M * D), "f32", (M, D)),
             "peak": ([0.0] * M, "f32", (M,))}, {"cap": cap}, ["y", "peak"])
    close(r["y"], [cap * math.tanh(t / cap) for t in xs], "capped.y", 1e-5)
    close(r["peak"], [cap * math.tanh(max(xs[i * D:i * D + D // 2]) / cap)
                      for i in range(M)], "capped.peak", 1e-5)

    # lower_bound: while, break in a while and in a for, scalar loads.
    M, D, key = 6, 64, 0.5
    rows = []
    for i in range(M):
        row = sorted(f32(rng.uniform(-1, 2)) for _ in range(D))
        if i == 2:
            row[37] = key  # an exact hit: the while loop breaks
        if i == 3:
            row = [f32(-1.0)] * D  # every value below the key: lo = D
        rows.append(sorted(row))
    r = run(ex["lower_bound"], "lower_bound", tmp,
            {"x": ([v for row in rows for v in row], "f32", (M, D)),
             "out": ([0] * (2 * M), "i32", (M, 2))}, {"key": key}, ["out"])
    want = []
    for row in rows:
        lo, hi, steps = 0, D, 0
        while lo < hi:
            mid = (lo + hi) // 2
            if row[mid] == key:
                lo = hi = mid
                break
            if row[mid] < key:
                lo = mid + 1
            else:
                hi = mid
            steps += 1
        first = next(i for i in range(0, D + 8, 8) if i >= lo)
        want += [lo, steps * 1000 + first]
    close(r["out"], want, "lower_bound", 0)


if __name__ == "__main__":
    main()
