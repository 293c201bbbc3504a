#!/usr/bin/env python3
"""Runs kernels/flash_fwd.tile through fa-compile and the reference
interpreter (tile_interp.py) on small random problems, and compares o and lse
with a float64 reference. Covers N != NK, sizes that are not multiples of the
blocks, grouped-query attention, the causal mask (top-left aligned) and
NK = 0 (o = 0, lse = -inf, no NaN).

Usage: check_flash_fwd.py KERNEL.tile
"""
import math
import random
import subprocess
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
import tile_interp as ti  # noqa: E402


def compile_kernel(path, defines):
    cmd = ["fa-compile", path] + ["-D%s=%s" % kv for kv in defines.items()]
    ir = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    # Normalize through fa-opt, as a consumer of the IR would see it.
    ir = subprocess.run(["fa-opt"], input=ir, check=True, capture_output=True, text=True).stdout
    return ti.parse_module(ir)["flash_fwd"]


def reference(q, k, v, B, H, HKV, N, NK, D, scale, causal):
    o = [0.0] * (B * H * N * D)
    lse = [0.0] * (B * H * N)
    group = H // HKV
    for b in range(B):
        for h in range(H):
            hk = h // group
            for i in range(N):
                qi = [q[((b * H + h) * N + i) * D + d] for d in range(D)]
                scores = []
                for j in range(NK):
                    if causal and j > i:
                        continue
                    kj = k[((b * HKV + hk) * NK + j) * D:((b * HKV + hk) * NK + j + 1) * D]
                    scores.append((j, scale * sum(x * y for x, y in zip(qi, kj))))
                base = (b * H + h) * N + i
                if not scores:
                    lse[base] = -math.inf
                    continue
                m = max(s for _, s in scores)
                w = [(j, math.exp(s - m)) for j, s in scores]
                tot = sum(x for _, x in w)
                lse[base] = m + math.log(tot)
                for d in range(D):
                    o[base * D + d] = sum(x * v[((b * HKV + hk) * NK + j) * D + d] for j, x in w) / tot
    return o, lse


def check(path, rng, *, B, H, HKV, N, NK, D, BM, BN, causal, elem, tol):
    defines = {"BLOCK_M": BM, "BLOCK_N": BN, "HEAD_DIM": D,
               "CAUSAL": "true" if causal else "false", "T": elem}
    kernel = compile_kernel(path, defines)

    def rand(n):
        return [ti.round_to(rng.uniform(-1.0, 1.0), elem) for _ in range(n)]

    q = rand(B * H * N * D)
    k = rand(B * HKV * NK * D)
    v = rand(B * HKV * NK * D)
    scale = 1.0 / math.sqrt(D)
    args = {
        "q": ti.Global((B, H, N, D), list(q), elem),
        "k": ti.Global((B, HKV, NK, D), list(k), elem),
        "v": ti.Global((B, HKV, NK, D), list(v), elem),
        "o": ti.Global((B, H, N, D), [math.nan] * (B * H * N * D), elem),
        "lse": ti.Global((B, H, N), [math.nan] * (B * H * N), "f32"),
        "scale": ti.round_to(scale, "f32"),
    }
    grid = ti.run_kernel(kernel, args)
    ro, rlse = reference(q, k, v, B, H, HKV, N, NK, D, args["scale"], causal)
    what = "N=%d NK=%d H=%d HKV=%d D=%d BLOCK=%dx%d causal=%s %s" % (
        N, NK, H, HKV, D, BM, BN, causal, elem)
    assert list(grid) == [-(-N // BM), H, B], "%s: grid %s" % (what, grid)
    worst = 0.0
    for got, want in list(zip(args["o"].data, ro)) + list(zip(args["lse"].data, rlse)):
        if math.isnan(got):
            raise SystemExit("FAIL %s: NaN in the output" % what)
        if math.isinf(want) or math.isinf(got):
            if got != want:
                raise SystemExit("FAIL %s: got %r, want %r" % (what, got, want))
            continue
        worst = max(worst, abs(got - want) / max(1.0, abs(want)))
    if worst > tol:
        raise SystemExit("FAIL %s: max error %.3g > %.3g" % (what, worst, tol))
    print("ok %s (max error %.2g)" % (what, worst))


def main():
    path = sys.argv[1]
    rng = random.Random(1234)
    common = dict(B=1, D=16, BM=16, BN=8)
    f32 = dict(elem="f32", tol=1e-5)
    check(path, rng, H=4, HKV=2, N=37, NK=21, causal=False, **common, **f32)
    check(path, rng, H=4, HKV=2, N=37, NK=21, causal=True, **common, **f32)
    check(path, rng, H=2, HKV=1, N=13, NK=40, causal=True, **common, **f32)
    check(path, rng, H=2, HKV=2, N=13, NK=40, causal=False, **common, **f32)
    check(path, rng, H=1, HKV=1, N=1, NK=1, causal=True, **common, **f32)
    check(path, rng, H=2, HKV=1, N=5, NK=0, causal=False, **common, **f32)
    check(path, rng, H=2, HKV=1, N=5, NK=0, causal=True, **common, **f32)
    check(path, rng, B=2, H=2, HKV=1, N=19, NK=19, D=8, BM=8, BN=16, causal=True, **f32)
    check(path, rng, H=4, HKV=1, N=23, NK=17, causal=True, elem="bf16", tol=3e-2,
          **common)


if __name__ == "__main__":
    main()
