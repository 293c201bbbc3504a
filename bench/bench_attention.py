#!/usr/bin/env python3
"""Attention forward benchmark on the GPU machine: FlashTile against PyTorch's backends.

Runs, in one process and on the same tensors, PyTorch scaled_dot_product_attention with the
FLASH_ATTENTION (FlashAttention-2) and CUDNN_ATTENTION backends, torch.compile(flex_attention),
and FlashTile's compiled flash forward kernel (when its cubins are given), following
shared/perf-method.md: 16384 tokens per run (B = 16384 / N), hidden 2048 (H = 2048 / D),
CUDA events around the kernel alone, median of --iters runs after warm-up, and a correctness
check against an fp64 reference on a subset of shapes.

    python3 bench/bench_attention.py --flashtile-dir out/cubins --out-md perf.md
"""
import argparse
import json
import math
import statistics
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def flops(b, h, n, d, causal):
    f = 4.0 * b * h * n * n * d
    return f / 2 if causal else f


def time_ms(fn, iters, warmup=5):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


def reference(q, k, v, causal, scale):
    """fp64 attention with grouped-query heads and a top-left causal mask."""
    qd, kd, vd = q.double(), k.double(), v.double()
    h, hkv = q.shape[1], k.shape[1]
    if hkv != h:
        kd = kd.repeat_interleave(h // hkv, dim=1)
        vd = vd.repeat_interleave(h // hkv, dim=1)
    s = torch.matmul(qd, kd.transpose(-1, -2)) * scale
    if causal:
        n, nk = q.shape[2], k.shape[2]
        mask = torch.ones(n, nk, dtype=torch.bool, device=q.device).tril()
        s = s.masked_fill(~mask, float("-inf"))
    lse = torch.logsumexp(s, dim=-1)
    p = torch.softmax(s, dim=-1)
    return torch.matmul(p, vd), lse


def peers():
    result = {}

    def sdpa(backend):
        def run(q, k, v, causal, scale):
            with sdpa_kernel(backend):
                return F.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=scale)
        return run

    result["fa2"] = sdpa(SDPBackend.FLASH_ATTENTION)
    result["cudnn"] = sdpa(SDPBackend.CUDNN_ATTENTION)
    try:
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention
        # One compilation per shape: lift dynamo's recompile limit, or after a
        # few shapes flex_attention silently falls back to its eager path
        # (which materializes the score matrix).
        import torch._dynamo
        for knob in ("recompile_limit", "cache_size_limit", "accumulated_recompile_limit",
                     "accumulated_cache_size_limit"):
            if hasattr(torch._dynamo.config, knob):
                setattr(torch._dynamo.config, knob, 4096)
        compiled = torch.compile(flex_attention, dynamic=False)
        masks = {}

        def flex(q, k, v, causal, scale):
            block_mask = None
            if causal:
                key = (q.shape[2], k.shape[2])
                if key not in masks:
                    masks[key] = create_block_mask(lambda b, h, qi, ki: qi >= ki, None, None,
                                                   q.shape[2], k.shape[2])
                block_mask = masks[key]
            return compiled(q, k, v, block_mask=block_mask, scale=scale)
        result["flex"] = flex
    except Exception as e:  # noqa: BLE001 - report and go on without it
        print(f"flex_attention unavailable: {e}", file=sys.stderr)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seqlens", default="512,1024,2048,4096,8192,16384")
    ap.add_argument("--headdims", default="64,128,256")
    ap.add_argument("--dtypes", default="bf16,fp16")
    ap.add_argument("--causal", default="false,true")
    ap.add_argument("--tokens", type=int, default=16384)
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--check-max-n", type=int, default=2048,
                    help="check against fp64 only up to this N (the reference is O(N^2))")
    ap.add_argument("--flashtile-dir", default=None,
                    help="folder of FlashTile cubins + sidecars (see bench/flashtile_fwd.py)")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=DIR",
                    help="another folder of FlashTile cubins timed in the same process "
                         "(a column NAME; repeatable), e.g. the build before a change")
    ap.add_argument("--out-json", default=None)
    ap.add_argument("--out-md", default=None)
    args = ap.parse_args()

    torch.manual_seed(0)
    impls = peers()
    if args.flashtile_dir:
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        import flashtile_fwd  # bench/flashtile_fwd.py
        impls = {"flashtile": flashtile_fwd.Forward(args.flashtile_dir), **impls}
    for spec in args.variant:
        name, sep, folder = spec.partition("=")
        if not sep or not name or not folder:
            ap.error(f"--variant {spec!r}: expected NAME=DIR")
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        import flashtile_fwd  # bench/flashtile_fwd.py
        impls[name] = flashtile_fwd.Forward(folder)
    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16}
    rows = []
    for dname in args.dtypes.split(","):
        for d in map(int, args.headdims.split(",")):
            for causal in [c == "true" for c in args.causal.split(",")]:
                for n in map(int, args.seqlens.split(",")):
                    b, h = max(1, args.tokens // n), max(1, args.hidden // d)
                    dt = dtypes[dname]
                    q, k, v = (torch.randn(b, h, n, d, device="cuda", dtype=dt) for _ in range(3))
                    scale = 1.0 / math.sqrt(d)
                    row = {"dtype": dname, "D": d, "causal": causal, "N": n, "B": b, "H": h}
                    ref = None
                    if n <= args.check_max_n:
                        ref = reference(q[:1], k[:1], v[:1], causal, scale)[0]
                    for name, fn in impls.items():
                        try:
                            out = fn(q, k, v, causal, scale)
                            out = out[0] if isinstance(out, tuple) else out
                            torch.cuda.synchronize()
                            if ref is not None:
                                row[name + "_err"] = (out[:1].double() - ref).abs().max().item()
                            ms = time_ms(lambda: fn(q, k, v, causal, scale), args.iters)
                            row[name + "_ms"] = ms
                            row[name + "_tflops"] = flops(b, h, n, d, causal) / ms / 1e9
                        except Exception as e:  # noqa: BLE001 - an unsupported shape is a result
                            row[name + "_error"] = str(e).splitlines()[0][:120]
                    rows.append(row)
                    print(json.dumps(row), flush=True)
                    del q, k, v
    names = list(impls)
    lines = ["| dtype | D | causal | N | " + " | ".join(f"{x} TFLOP/s" for x in names)
             + (" | flashtile/fa2 | flashtile/cudnn | flashtile/flex |" if "flashtile" in impls else " |"),
             "|" + "---|" * (4 + len(names) + (3 if "flashtile" in impls else 0))]
    for r in rows:
        cells = [r["dtype"], str(r["D"]), str(r["causal"]).lower(), str(r["N"])]
        cells += [f"{r[x + '_tflops']:.0f}" if x + "_tflops" in r else "n/a" for x in names]
        if "flashtile" in impls:
            for peer in ("fa2", "cudnn", "flex"):
                a, p = r.get("flashtile_tflops"), r.get(peer + "_tflops")
                cells.append(f"{a / p:.2f}x" if a and p else "n/a")
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    if args.out_md:
        with open(args.out_md, "w") as f:
            f.write(table + "\n")
    if args.out_json:
        with open(args.out_json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
