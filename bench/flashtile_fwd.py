"""FlashTile's flash forward as a benchmark entry: picks the compiled variant for the shape."""
import glob
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from flashtile import Kernel  # noqa: E402

_TORCH_DTYPE = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}


class Forward:
    """Calls flash_fwd kernels compiled into `folder` (one sidecar per specialization)."""

    def __init__(self, folder):
        self.variants = {}
        for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
            with open(path) as f:
                meta = json.load(f)
            if meta.get("format") != "flashtile-kernel-1":
                continue
            for k in meta["kernels"]:
                if k["entry"] != "flash_fwd":
                    continue
                spec = k.get("specialization", {})
                key = (spec.get("T"), int(spec.get("HEAD_DIM")), bool(spec.get("CAUSAL")))
                self.variants[key] = Kernel(path, "flash_fwd")
        if not self.variants:
            raise RuntimeError(f"no flash_fwd sidecar in {folder}")

    def kernel(self, dtype, d, causal):
        name = {torch.bfloat16: "bf16", torch.float16: "f16", torch.float32: "f32"}[dtype]
        k = self.variants.get((name, d, causal))
        if k is None:
            raise RuntimeError(f"no FlashTile variant compiled for {name} D={d} causal={causal}")
        return k

    def __call__(self, q, k, v, causal, scale):
        kern = self.kernel(q.dtype, q.shape[-1], causal)
        b, h, n, _ = q.shape
        o = torch.empty_like(q)
        lse = torch.empty(b, h, n, device=q.device, dtype=torch.float32)
        kern(q, k, v, o, lse, scale)
        return o, lse
