"""flashtile.attention: FlashAttention forward and backward as a PyTorch op.

    o = flashtile.attention(q, k, v, causal=True)            # q: [B, H, N, D]
    o, lse = flashtile.attention(q, k, v, return_lse=True)   # lse: [B, H, N] f32

q is [B, H, N, D] and k, v are [B, HKV, NK, D] (the layout of
torch.nn.functional.scaled_dot_product_attention), with any strides whose last
dimension is contiguous: a [B, N, H, D] tensor passes as x.transpose(1, 2),
without a copy, and the output o has q's strides. H must be a multiple of HKV
(grouped-query attention: query head h reads key/value head h // (H // HKV)).
CUDA tensors run the kernels kernels/flash_fwd.tile and kernels/flash_bwd.tile
compiled for the device on first use; CPU tensors run the same kernels through
the host lowering.

The op is registered with torch.library as flashtile::attention_fwd and
flashtile::attention_bwd, with fake (meta) implementations, so torch.compile
traces it without a graph break; the backward is registered as its autograd
formula (the gradient of lse is supported too).
"""
import math
from typing import Optional

import torch

from . import compiler
from .errors import ArgumentError

# Head dimensions the kernels are built and checked for. On a GPU, 80, 96 and
# 192 run on tiles padded to 128, 128 and 256 (tile-pad-pow2; checked against
# fp64 on the H200, docs/perf.md); the backward is checked at 64 and 128 only
# (at 256 its tiles exceed shared memory; at 80/96 it spills as at 128 and has
# not been run on a GPU).
GPU_HEAD_DIMS = (64, 80, 96, 128, 192, 256)
GPU_BACKWARD_HEAD_DIMS = (64, 128)
CPU_HEAD_DIMS = (16, 32, 64, 80, 96, 128, 192, 256)
GPU_DTYPES = (torch.bfloat16, torch.float16)
CPU_DTYPES = (torch.bfloat16, torch.float16, torch.float32)

_T = {torch.bfloat16: "bf16", torch.float16: "f16", torch.float32: "f32"}

# Tile shapes and warps: on a GPU, the kernels' own defaults and their
# per-target defaults files (kernels/flash_fwd.defaults, flash_bwd.defaults,
# shipped beside the sources), exactly as fa-compile and the benchmarks build
# them (docs/perf.md); on the CPU, 64x64 tiles.
_FWD_CONFIG = {"cuda": dict(num_warps=None, num_stages=None),
               "cpu": dict(BLOCK_M=64, BLOCK_N=64, num_warps=None, num_stages=2)}
_BWD_CONFIG = {"cuda": dict(num_warps=None, num_stages=None),
               "cpu": dict(BLOCK_M=64, BLOCK_N=64, num_warps=None, num_stages=2)}

_kernels = {}


def deterministic_backward(kind, target=None):
    """Whether the backward computes dq in flash_bwd_dq (DETERMINISTIC=true:
    recomputed per query block, no atomics) rather than by atomic adds. On
    sm_90a the deterministic kernels are the faster ones (docs/perf.md,
    2026-12-01: 308 against 230 TFLOP/s at head dim 128, N = 8192), so they
    are used there; elsewhere (sm_80, the CPU) the atomic mode."""
    return kind == "cuda" and target is not None and target.startswith("sm_90")


def _modules(kind, head_dim, causal, dtype, det=False):
    """(forward JITModule, backward JITModule) of one specialization."""
    key = (kind, head_dim, causal, dtype, det)
    mods = _kernels.get(key)
    if mods is None:
        src_dir = compiler.kernel_source_dir()
        mods = []
        for name, cfg, extra in (("flash_fwd.tile", _FWD_CONFIG[kind], {}),
                                 ("flash_bwd.tile", _BWD_CONFIG[kind], {"DETERMINISTIC": det})):
            cfg = dict(cfg)
            warps, stages = cfg.pop("num_warps"), cfg.pop("num_stages")
            source, filename = compiler._read_source(f"{src_dir}/{name}")
            constants = dict(HEAD_DIM=head_dim, CAUSAL=causal, T=_T[dtype], **cfg, **extra)
            mods.append(compiler.module(source, filename, constants, None, warps, stages))
        mods = _kernels[key] = tuple(mods)
    return mods


def kernels(kind, head_dim, causal, dtype, target=None):
    """The JITKernels {forward, preprocess, backward, and dq_convert, or dq
    when the backward for `target` is deterministic (deterministic_backward)}."""
    det = deterministic_backward(kind, target)
    fwd, bwd = _modules(kind, head_dim, causal, dtype, det)
    ks = {"forward": compiler.JITKernel(fwd, "flash_fwd"),
          "preprocess": compiler.JITKernel(bwd, "flash_bwd_preprocess"),
          "backward": compiler.JITKernel(bwd, "flash_bwd")}
    if det:
        ks["dq"] = compiler.JITKernel(bwd, "flash_bwd_dq")
    else:
        ks["dq_convert"] = compiler.JITKernel(bwd, "flash_bwd_dq_convert")
    return ks


_jit_cache = {}


def _get(device, head_dim, causal, dtype):
    kind = device.type
    target = compiler.gpu_target(device.index) if kind == "cuda" else None
    key = (kind, target, head_dim, causal, dtype)
    ks = _jit_cache.get(key)
    if ks is None:
        ks = _jit_cache[key] = kernels(kind, head_dim, causal, dtype, target)
    return ks


def check_inputs(q, k, v, scale=None, backward=False):
    """Raises ArgumentError (a ValueError) or TypeError for inputs the kernels
    do not take; returns the softmax scale."""
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"flashtile.attention: {name} must be a torch.Tensor, "
                            f"got {type(t).__name__}")
        if t.dim() != 4:
            raise ArgumentError(f"flashtile.attention: {name} must have 4 dimensions "
                                f"[B, H, N, D], got shape {tuple(t.shape)}")
    if not (q.device == k.device == v.device):
        raise ArgumentError(f"flashtile.attention: q, k, v must be on one device, got "
                            f"{q.device}, {k.device}, {v.device}")
    kind = q.device.type
    if kind not in ("cpu", "cuda"):
        raise ArgumentError(f"flashtile.attention: tensors on {q.device} are not supported "
                            "(CUDA or CPU)")
    if not (q.dtype == k.dtype == v.dtype):
        raise ArgumentError(f"flashtile.attention: q, k, v must have one dtype, got "
                            f"{q.dtype}, {k.dtype}, {v.dtype}")
    dtypes = GPU_DTYPES if kind == "cuda" else CPU_DTYPES
    if q.dtype not in dtypes:
        raise ArgumentError(f"flashtile.attention: dtype {q.dtype} is not supported on {kind} "
                            f"(supported: {', '.join(str(d) for d in dtypes)})")
    B, H, N, D = q.shape
    if k.shape != v.shape:
        raise ArgumentError(f"flashtile.attention: k and v must have one shape, got "
                            f"{tuple(k.shape)} and {tuple(v.shape)}")
    if k.shape[0] != B or k.shape[3] != D:
        raise ArgumentError(f"flashtile.attention: k, v of shape {tuple(k.shape)} do not "
                            f"match q of shape {tuple(q.shape)} (batch and head dim must agree)")
    HKV = k.shape[1]
    if HKV == 0 or H % HKV:
        raise ArgumentError(f"flashtile.attention: q's {H} heads must be a multiple of k and "
                            f"v's {HKV} heads (grouped-query attention)")
    dims = GPU_HEAD_DIMS if kind == "cuda" else CPU_HEAD_DIMS
    if backward and kind == "cuda":
        dims = GPU_BACKWARD_HEAD_DIMS
    if D not in dims:
        what = "the backward" if backward else "head dimension"
        raise ArgumentError(f"flashtile.attention: head dimension {D} is not supported "
                            f"({what} on {kind}: {', '.join(map(str, dims))})")
    for name, t in (("q", q), ("k", k), ("v", v)):
        if t.stride(-1) != 1 and t.shape[-1] > 1:
            raise ArgumentError(f"flashtile.attention: {name} must be contiguous in its last "
                                f"dimension (strides {tuple(t.stride())}); use .contiguous()")
    if scale is None:
        return 1.0 / math.sqrt(D)
    if isinstance(scale, torch.Tensor) or not isinstance(scale, (int, float)):
        raise TypeError(f"flashtile.attention: scale must be a Python float, got "
                        f"{type(scale).__name__}")
    if not math.isfinite(scale):
        raise ArgumentError(f"flashtile.attention: scale must be finite, got {scale}")
    if scale <= 0:
        # The kernels take each row's maximum over the unscaled scores and
        # scale it once (kernels/flash_fwd.tile), which needs scale > 0.
        raise ArgumentError(f"flashtile.attention: scale must be positive, got {scale}")
    return float(scale)


def _aligned(t):
    """Whether a gradient can be passed as is: unit last stride, 16-byte
    aligned base and outer strides (what the GPU kernels' loads need)."""
    esz = t.element_size()
    return (t.stride(-1) == 1 and t.data_ptr() % 16 == 0
            and all((s * esz) % 16 == 0 for s in t.stride()[:-1]))


@torch.library.custom_op("flashtile::attention_fwd", mutates_args=())
def attention_fwd(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool,
                  scale: float) -> tuple[torch.Tensor, torch.Tensor]:
    check_inputs(q, k, v, scale)
    B, H, N, D = q.shape
    o = torch.empty_like(q)
    lse = torch.empty((B, H, N), dtype=torch.float32, device=q.device)
    _get(q.device, D, causal, q.dtype)["forward"](q, k, v, o, lse, scale)
    return o, lse


@attention_fwd.register_fake
def _attention_fwd_fake(q, k, v, causal, scale):
    B, H, N, D = q.shape
    return torch.empty_like(q), q.new_empty((B, H, N), dtype=torch.float32)


@torch.library.custom_op("flashtile::attention_bwd", mutates_args=())
def attention_bwd(do: torch.Tensor, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                  o: torch.Tensor, lse: torch.Tensor, dlse: Optional[torch.Tensor], causal: bool,
                  scale: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    check_inputs(q, k, v, scale, backward=True)
    B, H, N, D = q.shape
    ks = _get(q.device, D, causal, q.dtype)
    if do.dtype != q.dtype:
        do = do.to(q.dtype)
    if not _aligned(do):
        do = do.contiguous()
    delta = torch.empty((B, H, N), dtype=torch.float32, device=q.device)
    dq_acc = torch.empty((B, H, N, D), dtype=torch.float32, device=q.device)
    ks["preprocess"](o, do, delta, dq_acc)
    if dlse is not None:
        # d lse_i / d s_ij = p_ij: the lse gradient enters ds = p (dp - delta)
        # as delta - dlse.
        delta = delta - dlse.to(torch.float32)
    dq, dk, dv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
    ks["backward"](q, k, v, do, lse, delta, dq_acc, dk, dv, scale)
    if "dq" in ks:
        ks["dq"](q, k, v, do, lse, delta, dq, scale)
    else:
        ks["dq_convert"](dq_acc, dq)
    return dq, dk, dv


@attention_bwd.register_fake
def _attention_bwd_fake(do, q, k, v, o, lse, dlse, causal, scale):
    return torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)


def _setup_context(ctx, inputs, output):
    q, k, v, causal, scale = inputs
    o, lse = output
    ctx.save_for_backward(q, k, v, o, lse)
    ctx.causal, ctx.scale = causal, scale


def _backward(ctx, do, dlse):
    q, k, v, o, lse = ctx.saved_tensors
    if do is None:
        do = torch.zeros_like(o)
    dq, dk, dv = attention_bwd(do, q, k, v, o, lse, dlse, ctx.causal, ctx.scale)
    return dq, dk, dv, None, None


attention_fwd.register_autograd(_backward, setup_context=_setup_context)


def attention(q, k, v, *, causal=False, scale=None, return_lse=False):
    """Scaled dot-product attention softmax(scale * q k^T) v, like
    torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal,
    scale=scale, enable_gqa=True).

    q: [B, H, N, D]; k, v: [B, HKV, NK, D] with H a multiple of HKV; any
    strides with a contiguous last dimension; bf16 or fp16 (CPU also fp32).
    causal: query i attends to keys j <= i (top-left aligned). scale defaults
    to 1 / sqrt(D) and must be positive. With return_lse, also returns the natural-log
    log-sum-exp of each query row, [B, H, N] in fp32 (differentiable).
    Bad arguments raise ValueError (flashtile.ArgumentError) or TypeError
    before anything runs.
    """
    scale = check_inputs(q, k, v, scale)
    o, lse = attention_fwd(q, k, v, bool(causal), scale)
    return (o, lse) if return_lse else o
