#!/usr/bin/env python3
"""Peak extra device memory of FlashTile's flash forward: it must grow linearly with N.

Measures torch.cuda.max_memory_allocated() during one forward minus the memory held before
(q, k, v), so the figure is the outputs o and lse plus any workspace."""
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
args = ap.parse_args()
fwd = flashtile_fwd.Forward(args.cubins)
for n in map(int, args.seqlens.split(",")):
    q, k, v = (torch.randn(args.batch, args.heads, n, args.headdim, device="cuda",
                           dtype=torch.bfloat16) for _ in range(3))
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    o, lse = fwd(q, k, v, False, 1 / math.sqrt(args.headdim))
    torch.cuda.synchronize()
    extra = torch.cuda.max_memory_allocated() - base
    outputs = o.numel() * o.element_size() + lse.numel() * lse.element_size()
    print(f"N={n}: peak extra {extra / 2**20:.1f} MiB (outputs o+lse {outputs / 2**20:.1f} MiB, "
          f"workspace {(extra - outputs) / 2**20:.1f} MiB); an N x N score matrix would be "
          f"{args.batch * args.heads * n * n * 4 / 2**20:.0f} MiB")
    del q, k, v, o, lse
