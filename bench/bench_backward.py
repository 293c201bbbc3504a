#!/usr/bin/env python3
"""Times FlashTile's flash backward against PyTorch SDPA's FA2 and cuDNN backward, same run.

FlashTile's backward is the three launches of kernels/flash_bwd.tile (preprocess, the main
kernel parallel over key blocks, dq_convert; or flash_bwd_dq in deterministic mode), compiled
by scripts/build_bwd_kernels.sh into --bwd-dir; o and lse come from the forward compiled by
scripts/build_bench_kernels.sh into --fwd-dir. The peers are timed through
torch.autograd.grad of scaled_dot_product_attention under sdpa_kernel(FLASH_ATTENTION) and
sdpa_kernel(CUDNN_ATTENTION). Grid and FLOP rule as in shared/perf-method.md (16384 tokens,
hidden 2048; backward = 2.5 x forward FLOPs). FlashTile's gradients are compared with FA2's.

--variant NAME=DIR[@det|@atomic] times another folder of backward cubins in the same process, on
the same tensors (the mode: --deterministic's unless @det or @atomic says); a missing cubin skips
only that variant. Each cell prints one JSON line; a markdown table of all cells follows.

    python3 bench/bench_backward.py --headdims 64,128 --dtypes bf16
    python3 bench/bench_backward.py --variant base=out/verify/bwd@atomic --deterministic
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import bench_attention as ba  # noqa: E402
from flashtile import Kernel  # noqa: E402

_NAMES = {torch.bfloat16: "bf16", torch.float16: "f16"}


class Backward:
    """The FlashTile backward (and its forward) of one specialization."""

    def __init__(self, fwd_dir, bwd_dir, dtype, d, causal, deterministic):
        t, mask = _NAMES[dtype], "causal" if causal else "full"
        fwd = os.path.join(fwd_dir, f"flash_fwd_d{d}_{t}_{mask}.json")
        bwd = os.path.join(bwd_dir, f"flash_bwd_d{d}_{t}_{mask}{'_det' if deterministic else ''}.json")
        for p in (fwd, bwd):
            if not os.path.exists(p):
                raise FileNotFoundError(p)
        self.det = deterministic
        self.fwd = Kernel(fwd, "flash_fwd")
        self.pre = Kernel(bwd, "flash_bwd_preprocess")
        self.main = Kernel(bwd, "flash_bwd")
        self.post = Kernel(bwd, "flash_bwd_dq" if deterministic else "flash_bwd_dq_convert")

    def forward(self, q, k, v, scale):
        b, h, n, _ = q.shape
        o = torch.empty_like(q)
        lse = torch.empty(b, h, n, device=q.device, dtype=torch.float32)
        self.fwd(q, k, v, o, lse, scale)
        return o, lse

    def buffers(self, q, k, v):
        b, h, n, d = q.shape
        return {"delta": torch.empty(b, h, n, device=q.device, dtype=torch.float32),
                "dq_acc": torch.empty(b, h, n, d, device=q.device, dtype=torch.float32),
                "dq": torch.empty_like(q), "dk": torch.empty_like(k), "dv": torch.empty_like(v)}

    def backward(self, q, k, v, o, lse, do, scale, buf):
        self.pre(o, do, buf["delta"], buf["dq_acc"])
        self.main(q, k, v, do, lse, buf["delta"], buf["dq_acc"], buf["dk"], buf["dv"], scale)
        if self.det:
            self.post(q, k, v, do, lse, buf["delta"], buf["dq"], scale)
        else:
            self.post(buf["dq_acc"], buf["dq"])
        return buf["dq"], buf["dk"], buf["dv"]


def sdpa_backward(backend, q, k, v, do, causal, scale):
    """A callable running the backend's backward (the forward is done once, outside)."""
    qq, kk, vv = (t.detach().clone().requires_grad_() for t in (q, k, v))
    with sdpa_kernel(backend):
        out = F.scaled_dot_product_attention(qq, kk, vv, is_causal=causal, scale=scale)

    def run():
        with sdpa_kernel(backend):
            return torch.autograd.grad(out, (qq, kk, vv), do, retain_graph=True)
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fwd-dir", default="out/cubins")
    ap.add_argument("--bwd-dir", default="out/bwd")
    ap.add_argument("--headdims", default="64,128")
    ap.add_argument("--dtypes", default="bf16")
    ap.add_argument("--seqlens", default="512,1024,2048,4096,8192,16384")
    ap.add_argument("--causal", default="false,true")
    ap.add_argument("--deterministic", action="store_true")
    ap.add_argument("--tokens", type=int, default=16384)
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=DIR[@det|@atomic]",
                    help="another folder of backward cubins, timed in the same process")
    args = ap.parse_args()
    variants = []
    for spec in args.variant:
        name, sep, rest = spec.partition("=")
        if not sep or not name or not rest:
            ap.error(f"--variant {spec!r}: expected NAME=DIR[@det|@atomic]")
        path, at, mode = rest.rpartition("@") if "@" in rest else (rest, "", "")
        if at and mode not in ("det", "atomic"):
            ap.error(f"--variant {spec!r}: the mode after @ is det or atomic")
        variants.append((name, path, args.deterministic if not at else mode == "det"))
    rows = []
    torch.manual_seed(0)
    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16, "f16": torch.float16}
    status = 0
    for dname in args.dtypes.split(","):
        dtype = dtypes[dname]
        for d in map(int, args.headdims.split(",")):
            for causal in (c == "true" for c in args.causal.split(",")):
                try:
                    ft = Backward(args.fwd_dir, args.bwd_dir, dtype, d, causal, args.deterministic)
                except FileNotFoundError as e:
                    print(json.dumps({"skip": str(e)}), flush=True)
                    continue
                extra = {}
                for name, path, det in variants:
                    try:
                        extra[name] = Backward(args.fwd_dir, path, dtype, d, causal, det)
                    except FileNotFoundError as e:
                        print(json.dumps({"skip": f"{name}: {e}"}), flush=True)
                for n in map(int, args.seqlens.split(",")):
                    b, h = max(1, args.tokens // n), max(1, args.hidden // d)
                    q, k, v, do = (torch.randn(b, h, n, d, device="cuda", dtype=dtype)
                                   for _ in range(4))
                    scale = 1.0 / math.sqrt(d)
                    o, lse = ft.forward(q, k, v, scale)
                    buf = ft.buffers(q, k, v)
                    row = {"dtype": dname, "D": d, "causal": causal, "N": n, "B": b, "H": h,
                           "deterministic": args.deterministic}
                    fa2 = sdpa_backward(SDPBackend.FLASH_ATTENTION, q, k, v, do, causal, scale)
                    want = fa2()
                    fts = {"flashtile": ft, **extra}
                    for vname, vb in fts.items():
                        got = vb.backward(q, k, v, o, lse, do, scale, buf)
                        torch.cuda.synchronize()
                        prefix = "" if vname == "flashtile" else vname + "_"
                        for name, g, w in zip(("dq", "dk", "dv"), got, want):
                            err = (g.float() - w.float()).abs().max().item()
                            row[prefix + name + "_vs_fa2"] = err
                            scale_ref = w.float().abs().max().item()
                            if not math.isfinite(err) or err > 0.05 * max(scale_ref, 1e-3):
                                row["check"] = "FAIL " + vname
                                status = 1
                    fns = {"fa2": fa2,
                           "cudnn": sdpa_backward(SDPBackend.CUDNN_ATTENTION, q, k, v, do, causal,
                                                  scale)}
                    for vname, vb in fts.items():
                        fns[vname] = (lambda vb=vb: vb.backward(q, k, v, o, lse, do, scale, buf))
                    fl = 2.5 * ba.flops(b, h, n, d, causal)
                    for name, fn in fns.items():
                        try:
                            ms = ba.time_ms(fn, args.iters)
                            row[name + "_tflops"] = round(fl / ms / 1e9, 1)
                        except RuntimeError as e:  # a backend that refuses the shape
                            row[name + "_error"] = str(e).splitlines()[0]
                    for peer in ("fa2", "cudnn"):
                        if peer + "_tflops" in row and "flashtile_tflops" in row:
                            row["ft/" + peer] = round(row["flashtile_tflops"] / row[peer + "_tflops"], 3)
                    print(json.dumps(row), flush=True)
                    rows.append((row, list(fts)))
                    del q, k, v, do, o, lse, buf, fns, fa2, fts
                    torch.cuda.empty_cache()
    print_table(rows)
    sys.exit(status)


def print_table(rows):
    """All cells as one markdown table (TFLOP/s; the best FlashTile column against cuDNN)."""
    if not rows:
        return
    names = []
    for _, ns in rows:
        names += [n for n in ns if n not in names]
    cols = names + ["fa2", "cudnn"]
    print("| dtype | D | mask | N | " + " | ".join(cols) + " | best/cuDNN | check |")
    print("|" + "---|" * (len(cols) + 6))
    for row, _ in rows:
        vals = [row.get(c + "_tflops") for c in cols]
        ours = [row.get(c + "_tflops") for c in names if row.get(c + "_tflops") is not None]
        ratio = (f"{max(ours) / row['cudnn_tflops']:.2f}x"
                 if ours and row.get("cudnn_tflops") else "-")
        print(f"| {row['dtype']} | {row['D']} | {'causal' if row['causal'] else 'full'} | "
              f"{row['N']} | " + " | ".join("-" if x is None else f"{x:.1f}" for x in vals) +
              f" | {ratio} | {row.get('check', 'ok')} |")


if __name__ == "__main__":
    main()
