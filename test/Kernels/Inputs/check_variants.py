#!/usr/bin/env python3
"""Runs the attention variants of kernels/ on the host (fa-exec) on inputs
built on purpose (sequence offsets, block tables) and compares o and lse with
attention computed in float64 in Python.

Usage: check_variants.py KERNELS_DIR TMP_DIR VARIANT [DTYPE]
VARIANT: softcap, softcap-causal, varlen, varlen-causal, paged, paged-causal,
paged_gather, paged_gather-causal.
DTYPE: f32 (default) or f16. Prints "ok VARIANT DTYPE max_err=..." or fails.
"""
import math
import os
import random
import struct
import subprocess
import sys

FMT = {"f32": "f", "f16": "e", "i32": "i"}
# Error allowed against fp64: f32 inputs keep every product exact to 1e-6;
# f16 rounds p to f16 before the second dot (as tensor-core kernels do).
TOL = {"f32": 2e-5, "f16": 2e-2}


def fail(msg):
    raise SystemExit("FAIL " + msg)


def rnd(x, dt):
    return struct.unpack("<" + FMT[dt], struct.pack("<" + FMT[dt], x))[0]


def write(path, values, dt):
    with open(path, "wb") as f:
        f.write(struct.pack("<%d%s" % (len(values), FMT[dt]), *values))


def read(path, dt):
    data = open(path, "rb").read()
    n = len(data) // struct.calcsize(FMT[dt])
    return list(struct.unpack("<%d%s" % (n, FMT[dt]), data))


def attend(qv, keys, vals, scale, visible, softcap=None):
    """fp64 attention of one query row over (key, value) rows."""
    s = []
    for j, kv in enumerate(keys):
        if not visible(j):
            continue
        x = scale * sum(a * b for a, b in zip(qv, kv))
        if softcap:
            x = softcap * math.tanh(x / softcap)
        s.append((x, j))
    d = len(qv)
    if not s:
        return [0.0] * d, -math.inf
    m = max(x for x, _ in s)
    w = [(math.exp(x - m), j) for x, j in s]
    tot = sum(e for e, _ in w)
    out = [sum(e * vals[j][c] for e, j in w) / tot for c in range(d)]
    return out, m + math.log(tot)


KERNEL = [""]


def run(kernel_file, tmp, defines, tensors, scalars, outputs):
    cmd = ["fa-exec", kernel_file, "--kernel", KERNEL[0]]
    for k, v in defines.items():
        cmd.append("-D%s=%s" % (k, v))
    for name, (values, dt, shape) in tensors.items():
        path = os.path.join(tmp, name + ".bin")
        write(path, values, dt)
        cmd.append("--tensor=%s=%s:%s" % (name, path, "x".join(map(str, shape))))
    for k, v in scalars.items():
        cmd.append("--scalar=%s=%r" % (k, v))
    for name in outputs:
        cmd.append("--write=%s=%s" % (name, os.path.join(tmp, name + ".out")))
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail("fa-exec failed:\n" + r.stderr)
    return {name: read(os.path.join(tmp, name + ".out"), tensors[name][1])
            for name in outputs}


def compare(got_o, want_o, got_lse, want_lse, dt, what):
    err = 0.0
    for g, w in zip(got_o, want_o):
        if math.isnan(g):
            fail("%s: NaN in o" % what)
        err = max(err, abs(g - w))
    for g, w in zip(got_lse, want_lse):
        if w == -math.inf:
            if g != -math.inf:
                fail("%s: lse %r, want -inf" % (what, g))
            continue
        err = max(err, abs(g - w))
    if err > TOL[dt]:
        fail("%s: max error %.3g above %.3g" % (what, err, TOL[dt]))
    return err


def main():
    kdir, tmp, variant = sys.argv[1:4]
    dt = sys.argv[4] if len(sys.argv) > 4 else "f32"
    os.makedirs(tmp, exist_ok=True)
    rng = random.Random(sum(map(ord, variant + dt)))  # stable across runs
    causal = variant.endswith("-causal")
    base = variant.split("-")[0]
    KERNEL[0] = {"softcap": "softcap_fwd", "varlen": "varlen_fwd", "paged": "paged_fwd",
                 "paged_gather": "paged_gather_fwd"}.get(base, "")
    D, H, HKV = 32, 4, 2
    scale = 1.0 / math.sqrt(D)

    def rand_rows(n):
        return [[rnd(rng.uniform(-1, 1), dt) for _ in range(D)] for _ in range(n)]

    def flat(x):
        return [v for e in x for v in flat(e)] if isinstance(x, list) else [x]

    if base == "softcap":
        B, N, NK = 2, 37, 45
        cap = 1.5  # small, so that tanh is far from linear
        q = [[rand_rows(N) for _ in range(H)] for _ in range(B)]
        k = [[rand_rows(NK) for _ in range(HKV)] for _ in range(B)]
        v = [[rand_rows(NK) for _ in range(HKV)] for _ in range(B)]
        res = run(os.path.join(kdir, "softcap_fwd.tile"), tmp,
                  {"BLOCK_M": 16, "BLOCK_N": 16, "HEAD_DIM": D,
                   "CAUSAL": str(causal).lower(), "T": dt},
                  {"q": (flat(q), dt, (B, H, N, D)),
                   "k": (flat(k), dt, (B, HKV, NK, D)),
                   "v": (flat(v), dt, (B, HKV, NK, D)),
                   "o": ([0.0] * (B * H * N * D), dt, (B, H, N, D)),
                   "lse": ([0.0] * (B * H * N), "f32", (B, H, N))},
                  {"scale": scale, "softcap": cap}, ["o", "lse"])
        want_o, want_lse = [], []
        for b in range(B):
            for h in range(H):
                hk = h // (H // HKV)
                for i in range(N):
                    o, l = attend(q[b][h][i], k[b][hk], v[b][hk], scale,
                                  (lambda j, i=i: j <= i) if causal else (lambda j: True), cap)
                    want_o += o
                    want_lse.append(l)
    elif base == "varlen":
        seqs_q = [5, 17, 1, 33, 0, 20]
        seqs_k = [9, 17, 4, 30, 3, 20] if causal else [9, 40, 1, 12, 3, 0]
        cq = [0]
        ck = [0]
        for a, b2 in zip(seqs_q, seqs_k):
            cq.append(cq[-1] + a)
            ck.append(ck[-1] + b2)
        # Rows past the last sequence belong to none: a block that straddles
        # the end must not write them (they keep the sentinel).
        TQ, TK = cq[-1] + 7, ck[-1]
        q = [[rnd(rng.uniform(-1, 1), dt) for _ in range(D)] for _ in range(TQ * H)]
        k = [[rnd(rng.uniform(-1, 1), dt) for _ in range(D)] for _ in range(TK * HKV)]
        v = [[rnd(rng.uniform(-1, 1), dt) for _ in range(D)] for _ in range(TK * HKV)]
        sentinel = 1234.0  # rows of o that no sequence owns stay untouched
        res = run(os.path.join(kdir, "varlen_fwd.tile"), tmp,
                  {"BLOCK_M": 16, "BLOCK_N": 16, "HEAD_DIM": D,
                   "CAUSAL": str(causal).lower(), "T": dt},
                  {"q": (flat(q), dt, (TQ, H, D)), "k": (flat(k), dt, (TK, HKV, D)),
                   "v": (flat(v), dt, (TK, HKV, D)),
                   "o": ([sentinel] * (TQ * H * D), dt, (TQ, H, D)),
                   "lse": ([sentinel] * (H * TQ), "f32", (H, TQ)),
                   "cu_seqlens_q": (cq, "i32", (len(cq),)),
                   "cu_seqlens_k": (ck, "i32", (len(ck),))},
                  {"max_seqlen_q": max(seqs_q), "scale": scale}, ["o", "lse"])
        want_o = [sentinel] * (TQ * H * D)
        want_lse = [sentinel] * (H * TQ)
        for b in range(len(seqs_q)):
            nq, nk = seqs_q[b], seqs_k[b]
            for h in range(H):
                hk = h // (H // HKV)
                keys = [k[(ck[b] + j) * HKV + hk] for j in range(nk)]
                vals = [v[(ck[b] + j) * HKV + hk] for j in range(nk)]
                for i in range(nq):
                    t = cq[b] + i
                    vis = (lambda j, i=i: j <= i + nk - nq) if causal else (lambda j: True)
                    o, l = attend(q[t * H + h], keys, vals, scale, vis)
                    want_o[(t * H + h) * D:(t * H + h + 1) * D] = o
                    want_lse[h * TQ + t] = l
    elif base in ("paged", "paged_gather"):
        B, N, PAGE, MAXP, NP = 3, 5 if causal else 3, 16, 4, 12
        seqlens = [37, 16, 50]
        pages = list(range(NP))
        rng.shuffle(pages)
        table = [pages[b * MAXP:(b + 1) * MAXP] for b in range(B)]
        q = [[rand_rows(N) for _ in range(H)] for _ in range(B)]
        kc = [[rand_rows(HKV) for _ in range(PAGE)] for _ in range(NP)]
        vc = [[rand_rows(HKV) for _ in range(PAGE)] for _ in range(NP)]
        defines = {"BLOCK_M": 16, "PAGE": PAGE, "HEAD_DIM": D,
                   "CAUSAL": str(causal).lower(), "T": dt}
        if base == "paged_gather":
            defines["BLOCK_N"] = 32  # two pages per key block
        res = run(os.path.join(kdir, "paged_fwd.tile"), tmp, defines,
                  {"q": (flat(q), dt, (B, H, N, D)),
                   "k_cache": (flat(kc), dt, (NP, PAGE, HKV, D)),
                   "v_cache": (flat(vc), dt, (NP, PAGE, HKV, D)),
                   "o": ([0.0] * (B * H * N * D), dt, (B, H, N, D)),
                   "lse": ([0.0] * (B * H * N), "f32", (B, H, N)),
                   "block_table": (flat(table), "i32", (B, MAXP)),
                   "seqlens_k": (seqlens, "i32", (B,))},
                  {"scale": scale}, ["o", "lse"])
        want_o, want_lse = [], []
        for b in range(B):
            nk = seqlens[b]
            for h in range(H):
                hk = h // (H // HKV)
                keys = [kc[table[b][j // PAGE]][j % PAGE][hk] for j in range(nk)]
                vals = [vc[table[b][j // PAGE]][j % PAGE][hk] for j in range(nk)]
                for i in range(N):
                    vis = (lambda j, i=i: j <= i + nk - N) if causal else (lambda j: True)
                    o, l = attend(q[b][h][i], keys, vals, scale, vis)
                    want_o += o
                    want_lse.append(l)
    else:
        fail("unknown variant " + variant)
    err = compare(res["o"], want_o, res["lse"], want_lse, dt, variant)
    print("ok %s %s max_err=%.2g" % (variant, dt, err))


if __name__ == "__main__":
    main()
