#!/usr/bin/env python3
"""Runs FlashTile flash-forward cubins on the GPU and checks them against a
float64 PyTorch reference (and reports PyTorch SDPA's own error for scale).

Launches from the JSON sidecar that fa-gpu / fa-compile write next to each
cubin, through FlashTile's runtime (python/flashtile, which checks the
arguments against the sidecar first).

  python3 bench/flash_fwd_check.py out/gpu/flash_fwd_d64_bf16_sm_90a.cubin ...
  python3 bench/flash_fwd_check.py --small CUBIN    (one case, for compute-sanitizer)
  python3 bench/flash_fwd_check.py --time CUBIN     (adds a rough timing)
"""
import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from flashtile import Kernel  # noqa: E402


def load_kernel(cubin):
    """The sidecar's description and a launcher (python/flashtile, ctypes)."""
    kernel = Kernel(os.path.splitext(cubin)[0] + ".json")
    return kernel.meta, kernel


def launch(k, fn, args):
    """args: one torch tensor or Python scalar per kernel parameter."""
    fn(*args)


def reference(q, k, v, scale, causal):
    rep = q.shape[1] // k.shape[1]  # grouped-query attention
    k = k.repeat_interleave(rep, dim=1)
    v = v.repeat_interleave(rep, dim=1)
    s = torch.einsum("bhnd,bhmd->bhnm", q.double(), k.double()) * scale
    if causal:  # top-left aligned, as torch's is_causal
        n, m = s.shape[-2:]
        s = s.masked_fill(torch.ones(n, m, dtype=torch.bool, device=s.device).tril().logical_not(), float("-inf"))
    lse = torch.logsumexp(s, dim=-1)
    o = torch.einsum("bhnm,bhmd->bhnd", torch.softmax(s, dim=-1), v.double())
    return o, lse


def run_case(k, fn, dtype, D, B, H, N, NK, layout, tol, causal, hkv):
    g = torch.Generator(device="cuda").manual_seed(N * 7 + NK + D)
    def make(n, h):
        if layout == "bhnd":
            return torch.randn(B, h, n, D, device="cuda", dtype=dtype, generator=g)
        return torch.randn(B, n, h, D, device="cuda", dtype=dtype, generator=g).transpose(1, 2)
    q, kk, v = make(N, H), make(NK, hkv), make(NK, hkv)
    o = torch.full_like(q, float("nan"))
    lse = torch.full((B, H, N), float("nan"), device="cuda", dtype=torch.float32)
    scale = 1.0 / math.sqrt(D)
    launch(k, fn, [q, kk, v, o, lse, scale])
    torch.cuda.synchronize()
    o_ref, lse_ref = reference(q, kk, v, scale, causal)
    err_o = (o.double() - o_ref).abs().max().item()
    finite = torch.isfinite(lse_ref)
    err_l = (lse.double() - lse_ref)[finite].abs().max().item() if finite.any() else 0.0
    ok_inf = bool((lse[~finite] == float("-inf")).all().item())
    sdpa = torch.nn.functional.scaled_dot_product_attention(
        q, kk.repeat_interleave(H // hkv, 1), v.repeat_interleave(H // hkv, 1),
        scale=scale, is_causal=causal)
    err_sdpa = (sdpa.double() - o_ref).abs().max().item()
    ok = err_o <= tol and err_l <= 1e-3 and ok_inf and not torch.isnan(o).any().item()
    print(f"  {str(dtype)[6:]:8s} D={D:3d} B={B} H={H}/{hkv} N={N:5d} NK={NK:5d} {layout}"
          f"{' causal' if causal else ''}: "
          f"max|o-ref|={err_o:.2e} (sdpa {err_sdpa:.2e}) max|lse-ref|={err_l:.2e} "
          f"{'ok' if ok else 'FAIL'}")
    if not ok:
        bad = ((o.double() - o_ref).abs() > tol).nonzero()
        print("    first bad (b,h,n,d):", bad[:8].tolist())
    return ok


def time_it(k, fn, dtype, D, B, H, N, causal):
    q, kk, v = (torch.randn(B, H, N, D, device="cuda", dtype=dtype) for _ in range(3))
    o = torch.empty_like(q)
    lse = torch.empty(B, H, N, device="cuda", dtype=torch.float32)
    scale = 1.0 / math.sqrt(D)
    flops = 4.0 * B * H * N * N * D / (2 if causal else 1)
    def bench(f):
        for _ in range(3):
            f()
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(True), torch.cuda.Event(True)
        ts = []
        for _ in range(10):
            start.record(); f(); end.record(); torch.cuda.synchronize()
            ts.append(start.elapsed_time(end))
        return sorted(ts)[len(ts) // 2]
    t = bench(lambda: launch(k, fn, [q, kk, v, o, lse, scale]))
    from torch.nn.attention import SDPBackend, sdpa_kernel
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
        t2 = bench(lambda: torch.nn.functional.scaled_dot_product_attention(
            q, kk, v, scale=scale, is_causal=causal))
    print(f"  time {str(dtype)[6:]} D={D} B={B} H={H} N={N}{' causal' if causal else ''}: flashtile {t:.3f} ms "
          f"{flops / t / 1e9:.1f} TFLOP/s; sdpa-flash {t2:.3f} ms {flops / t2 / 1e9:.1f} TFLOP/s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cubins", nargs="+")
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--time", action="store_true")
    args = ap.parse_args()
    print("GPU:", torch.cuda.get_device_name())
    all_ok = True
    for cubin in args.cubins:
        k, fn = load_kernel(cubin)
        qp = k["params"][0]
        D = qp["dims"][3]
        dtype = {"bf16": torch.bfloat16, "f16": torch.float16}[qp["dtype"]]
        causal = bool(k.get("specialization", {}).get("CAUSAL", False))
        # Kernels with a separate key/value head count support grouped queries.
        gqa = k["params"][1]["dims"][1] != qp["dims"][1]
        tol = 2e-2 if dtype == torch.bfloat16 else 4e-3
        print(f"{cubin}: {k['ptxas']['registers']} registers, {k['shared_bytes']} B shared")
        cases = [(1, 1, 333, 333, "bhnd")] if args.small else [
            (2, 3, 1, 1, "bhnd"), (2, 3, 17, 17, "bhnd"), (2, 3, 64, 64, "bhnd"),
            (2, 3, 333, 333, "bhnd"), (1, 2, 1000, 1000, "bnhd"),
            (2, 2, 100, 257, "bhnd"), (2, 2, 257, 100, "bhnd"), (1, 4, 4096, 4096, "bhnd")]
        for B, H, N, NK, layout in cases:
            all_ok &= run_case(k, fn, dtype, D, B, H, N, NK, layout, tol, causal, H)
        if gqa and not args.small:
            all_ok &= run_case(k, fn, dtype, D, 2, 4, 300, 300, "bhnd", tol, causal, 2)
        if args.time:
            time_it(k, fn, dtype, D, 4, 16, 4096, causal)
    print("ALL OK" if all_ok else "SOME FAILED")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
