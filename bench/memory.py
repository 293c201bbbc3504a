#!/usr/bin/env python3
"""Peak extra device memory of FlashTile's flash forward and backward: it must grow linearly with N.

Forward: torch.cuda.max_memory_allocated() during one forward minus the memory held before
(q, k, v), so the figure is the outputs o and lse plus any workspace.
Backward (--bwd-dir, kernels from scripts/build_bwd_kernels.sh): the same during one backward,
with q, k, v, o, lse and do held before; the figure is the gradients dq, dk, dv plus the
workspace (delta and the fp32 dQ accumulator, both O(N)). An N x N matrix is printed beside."""
import argparse
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flashtile_fwd  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("cubins")
ap.add_argument("--seqlens", default="4096,16384")
ap.add_argument("--batch", type=int, default=1)
ap.add_argument("--heads", type=int, default=16)
ap.add_argument("--headdim", type=int, default=128)
ap.add_argument("--bwd-dir", help="also measure the backward (folder of flash_bwd cubins)")
ap.add_argument("--causal", action="store_true")
args = ap.parse_args()
fwd = flashtile_fwd.Forward(args.cubins)
bwd = None
if args.bwd_dir:
    import bench_backward  # noqa: E402
    bwd = bench_backward.Backward(args.cubins, args.bwd_dir, torch.bfloat16, args.headdim,
                                  args.causal, False)
for n in map(int, args.seqlens.split(",")):
    q, k, v = (torch.randn(args.batch, args.heads, n, args.headdim, device="cuda",
                           dtype=torch.bfloat16) for _ in range(3))
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    o, lse = fwd(q, k, v, args.causal, 1 / math.sqrt(args.headdim))
    torch.cuda.synchronize()
    extra = torch.cuda.max_memory_allocated() - base
    outputs = o.numel() * o.element_size() + lse.numel() * lse.element_size()
    print(f"N={n}: peak extra {extra / 2**20:.1f} MiB (outputs o+lse {outputs / 2**20:.1f} MiB, "
          f"workspace {(extra - outputs) / 2**20:.1f} MiB); an N x N score matrix would be "
          f"{args.batch * args.heads * n * n * 4 / 2**20:.0f} MiB")
    if bwd is not None:
        do = torch.randn_like(q)
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        buf = bwd.buffers(q, k, v)
        dq, dk, dv = bwd.backward(q, k, v, o, lse, do, 1 / math.sqrt(args.headdim), buf)
        torch.cuda.synchronize()
        extra = torch.cuda.max_memory_allocated() - base
        grads = sum(t.numel() * t.element_size() for t in (dq, dk, dv))
        work = buf["delta"].numel() * 4 + buf["dq_acc"].numel() * 4
        print(f"backward N={n}: peak extra {extra / 2**20:.1f} MiB (gradients "
              f"{grads / 2**20:.1f} MiB, workspace delta+dq_acc {work / 2**20:.1f} MiB, "
              f"other {(extra - grads - work) / 2**20:.1f} MiB)")
        del do, buf, dq, dk, dv
    del q, k, v, o, lse
