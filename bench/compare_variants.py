#!/usr/bin/env python3
"""Times several compiled FlashTile flash-forward variants against FlashAttention-2, same run.

For tuning: each variant is a folder of cubins and sidecars (as written by
scripts/build_bench_kernels.sh), named on the command line as LABEL=FOLDER. Every variant
and PyTorch's FLASH_ATTENTION backend run in one process on the same tensors; each
variant's output is checked against FlashAttention-2's (and, for N <= --check-max-n,
against fp64). Timing follows shared/perf-method.md (CUDA events, median of --iters).

    python3 bench/compare_variants.py base=out/a m128=out/b --shapes bf16:128:false:8192
"""
import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_attention as ba  # noqa: E402
import flashtile_fwd  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variants", nargs="+", help="LABEL=FOLDER of compiled kernels")
    ap.add_argument("--shapes", default="bf16:128:false:8192",
                    help="comma list of DTYPE:D:CAUSAL:N (16384 tokens, hidden 2048)")
    ap.add_argument("--tokens", type=int, default=16384)
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternate the implementations this many times; report the best median")
    ap.add_argument("--check-max-n", type=int, default=2048)
    ap.add_argument("--cudnn", action="store_true",
                    help="also time PyTorch's CUDNN_ATTENTION backend in the rounds")
    args = ap.parse_args()

    torch.manual_seed(0)
    peers = ba.peers()
    fa2 = peers["fa2"]
    impls = {}
    for item in args.variants:
        label, _, folder = item.partition("=")
        if not folder:
            sys.exit(f"variant '{item}' is not LABEL=FOLDER")
        impls[label] = flashtile_fwd.Forward(folder)
    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16}
    status = 0
    for shape in args.shapes.split(","):
        dname, d, causal, n = shape.split(":")
        d, n, causal = int(d), int(n), causal == "true"
        b, h = max(1, args.tokens // n), max(1, args.hidden // d)
        q, k, v = (torch.randn(b, h, n, d, device="cuda", dtype=dtypes[dname]) for _ in range(3))
        scale = 1.0 / math.sqrt(d)
        ref = ba.reference(q[:1], k[:1], v[:1], causal, scale)[0] if n <= args.check_max_n else None
        want = fa2(q, k, v, causal, scale)
        row = {"dtype": dname, "D": d, "causal": causal, "N": n, "B": b, "H": h}
        fns = {"fa2": fa2, **({"cudnn": peers["cudnn"]} if args.cudnn else {}), **impls}
        for name, fn in fns.items():
            out = fn(q, k, v, causal, scale)
            out = out[0] if isinstance(out, tuple) else out
            torch.cuda.synchronize()
            row[name + "_vs_fa2"] = (out.float() - want.float()).abs().max().item()
            if ref is not None:
                row[name + "_err"] = (out[:1].double() - ref).abs().max().item()
            tol = 2e-2 if dname == "bf16" else 4e-3
            if name in impls and row[name + "_vs_fa2"] > tol:
                row[name + "_check"] = "FAIL"
                status = 1
        best = {}
        for _ in range(args.rounds):
            for name, fn in fns.items():
                ms = ba.time_ms(lambda: fn(q, k, v, causal, scale), args.iters)
                best[name] = min(best.get(name, ms), ms)
        for name, ms in best.items():
            row[name + "_tflops"] = round(ba.flops(b, h, n, d, causal) / ms / 1e9, 1)
        for name in impls:
            row[name + "/fa2"] = round(row[name + "_tflops"] / row["fa2_tflops"], 3)
            if args.cudnn:
                row[name + "/cudnn"] = round(row[name + "_tflops"] / row["cudnn_tflops"], 3)
        print(json.dumps(row), flush=True)
        del q, k, v
    sys.exit(status)


if __name__ == "__main__":
    main()
