"""A small GPT trained with flashtile.attention and with SDPA, side by side.

    python examples/train_gpt.py --steps 200            # CUDA if present, else CPU
    python examples/train_gpt.py --steps 20 --device cpu --small

Every run starts from the same weights and sees the same batches (a synthetic
language: noisy repeated n-grams, so the loss falls quickly and the curves can
be compared), with AdamW, linear warm-up, cosine decay and gradient clipping.
Prints the loss every --log-every steps, the largest difference between the
curves, and tokens/s of each (after a warm-up that excludes compilation).

What "the curves agree" means: two correct bf16 attention kernels round
differently, and training amplifies the difference. So a third run, SDPA
restricted to another of PyTorch's kernels (--noise-impl, default the
memory-efficient one), measures that noise floor: flashtile's distance from
SDPA is reported next to the distance between PyTorch's own two kernels.
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import flashtile

try:
    from torch.nn.attention import SDPBackend, sdpa_kernel
    NOISE_BACKENDS = {"sdpa-efficient": SDPBackend.EFFICIENT_ATTENTION,
                      "sdpa-math": SDPBackend.MATH}
except ImportError:  # older torch: no noise-floor run
    NOISE_BACKENDS = {}


class Attention(nn.Module):
    def __init__(self, dim, heads, kv_heads, impl):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, dim // heads
        self.qkv = nn.Linear(dim, (heads + 2 * kv_heads) * self.head_dim, bias=False)
        self.out = nn.Linear(dim, dim, bias=False)
        self.impl = impl

    def forward(self, x):
        B, N, _ = x.shape
        d = self.head_dim
        q, k, v = self.qkv(x).split([self.heads * d, self.kv_heads * d, self.kv_heads * d], -1)
        # [B, N, H, D] storage viewed as [B, H, N, D]: flashtile takes the
        # strided view as is.
        q = q.view(B, N, self.heads, d).transpose(1, 2)
        k = k.view(B, N, self.kv_heads, d).transpose(1, 2)
        v = v.view(B, N, self.kv_heads, d).transpose(1, 2)
        if self.impl == "flashtile":
            o = flashtile.attention(q, k, v, causal=True)
        elif self.impl in NOISE_BACKENDS:
            rep = self.heads // self.kv_heads
            k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
            with sdpa_kernel(NOISE_BACKENDS[self.impl]):
                o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                               enable_gqa=self.kv_heads != self.heads)
        return self.out(o.transpose(1, 2).reshape(B, N, -1))


class Block(nn.Module):
    def __init__(self, dim, heads, kv_heads, impl):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, kv_heads, impl)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.n1(x))
        return x + self.mlp(self.n2(x))


class GPT(nn.Module):
    def __init__(self, vocab, dim, layers, heads, kv_heads, seq, impl):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(seq, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads, kv_heads, impl) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)

    def set_impl(self, impl):
        for b in self.blocks:
            b.attn.impl = impl

    def forward(self, idx):
        x = self.tok(idx) + self.pos[: idx.shape[1]]
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x))


def batches(steps, batch, seq, vocab, seed, device):
    """A synthetic language: a fixed random bigram chain (each token has four
    likely successors) generates an 8-gram per sequence, repeated over the
    sequence, with 10% of the tokens replaced by noise. The bigram statistics
    make the loss fall within tens of steps; the repeats reward attention."""
    g = torch.Generator().manual_seed(seed)
    succ = torch.randint(0, vocab, (vocab, 4), generator=g)
    for _ in range(steps):
        gram = [torch.randint(0, vocab, (batch,), generator=g)]
        for _ in range(7):
            pick = torch.randint(0, 4, (batch,), generator=g)
            gram.append(succ[gram[-1], pick])
        base = torch.stack(gram, 1)
        x = base.repeat(1, seq // 8 + 2)[:, : seq + 1]
        noise = torch.rand(x.shape, generator=g) < 0.1
        x = torch.where(noise, torch.randint(0, vocab, x.shape, generator=g), x)
        yield x[:, :-1].to(device), x[:, 1:].to(device)


def train(impl, args, device, dtype, init_state):
    torch.manual_seed(0)
    model = GPT(args.vocab, args.dim, args.layers, args.heads, args.kv_heads, args.seq,
                impl).to(device)
    model.load_state_dict(init_state)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    warm_steps = max(1, args.steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm_steps) *
        0.5 * (1 + math.cos(math.pi * min(1.0, s / args.steps))))
    losses, times = [], []
    data = batches(args.steps, args.batch, args.seq, args.vocab, args.seed + 1, device)
    for step, (x, y) in enumerate(data):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast(device.type, dtype=dtype):
            logits = model(x)
        loss = F.cross_entropy(logits.float().view(-1, args.vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        losses.append(loss.item())
    warm = min(args.warmup, len(times) - 1)
    tokens = args.batch * args.seq * (len(times) - warm)
    return losses, tokens / sum(times[warm:]), times[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=1024)
    p.add_argument("--dim", type=int, default=768)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--vocab", type=int, default=512)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--log-every", type=int, default=20)
    p.add_argument("--seed", type=int, default=0, help="initial weights and data order")
    p.add_argument("--noise-impl", default="auto",
                   help="a third run through another SDPA kernel, measuring the noise "
                        "floor between two correct kernels (sdpa-efficient, sdpa-math, none; "
                        "auto: sdpa-efficient on CUDA, sdpa-math on the CPU)")
    p.add_argument("--small", action="store_true", help="a tiny model (CPU smoke run)")
    args = p.parse_args()
    if args.small:
        args.batch, args.seq, args.dim, args.layers, args.heads, args.kv_heads = 2, 64, 64, 2, 4, 2
        args.vocab, args.warmup, args.log_every = 256, 2, 5
    device = torch.device(args.device)
    dtype = torch.bfloat16
    torch.manual_seed(args.seed)
    init = GPT(args.vocab, args.dim, args.layers, args.heads, args.kv_heads, args.seq,
               "sdpa").to(device).state_dict()
    params = sum(v.numel() for v in init.values())
    print(f"GPT: {args.layers} layers, dim {args.dim}, {args.heads} heads "
          f"({args.kv_heads} kv), head dim {args.dim // args.heads}, seq {args.seq}, "
          f"batch {args.batch}, {params / 1e6:.1f} M parameters, {device}, bf16 autocast")
    impls = ["flashtile", "sdpa"]
    if args.noise_impl == "auto":
        args.noise_impl = "sdpa-efficient" if device.type == "cuda" else "sdpa-math"
    if args.noise_impl != "none":
        if args.noise_impl not in NOISE_BACKENDS:
            raise SystemExit(f"--noise-impl {args.noise_impl}: this torch has no such "
                             f"SDPA backend (have: {', '.join(NOISE_BACKENDS) or 'none'})")
        impls.append(args.noise_impl)
    results = {}
    for impl in impls:
        losses, tps, first = train(impl, args, device, dtype, init)
        results[impl] = (losses, tps)
        note = " (with flashtile's compile or cache load)" if impl == "flashtile" else ""
        print(f"{impl}: first step {first:.2f} s{note}, {tps:,.0f} tokens/s")
    curves = [results[i][0] for i in impls]
    print("step  " + "  ".join(f"{i:>14}" for i in impls))
    for i in list(range(0, args.steps, args.log_every)) + [args.steps - 1]:
        print(f"{i:4d}  " + "  ".join(f"{c[i]:14.4f}" for c in curves))

    def distance(x, y):
        tail = max(1, len(x) // 4)
        return (max(abs(u - v) for u, v in zip(x, y)),
                sum(abs(u - v) for u, v in zip(x[-tail:], y[-tail:])) / tail)

    ref = results["sdpa"][0]
    for impl in impls:
        if impl == "sdpa":
            continue
        top, tail = distance(results[impl][0], ref)
        print(f"{impl} vs sdpa: largest loss difference {top:.4f}, mean over the last "
              f"quarter {tail:.4f}, final {results[impl][0][-1]:.4f} vs {ref[-1]:.4f}")
    print(f"tokens/s: flashtile {results['flashtile'][1]:,.0f}, sdpa {results['sdpa'][1]:,.0f} "
          f"({results['flashtile'][1] / results['sdpa'][1]:.2f}x)")
    if not all(math.isfinite(x) for x in results["flashtile"][0]):
        raise SystemExit("flashtile run diverged")


if __name__ == "__main__":
    main()
