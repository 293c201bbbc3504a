"""fp64 references and the tolerance rule of docs/host.md, for the tests."""
import math

import torch


def attention64(q, k, v, causal, scale=None):
    """o and lse in fp64 (differentiable: pass fp64 leaves)."""
    H, HKV = q.shape[1], k.shape[1]
    kk = k.repeat_interleave(H // HKV, dim=1)
    vv = v.repeat_interleave(H // HKV, dim=1)
    scale = scale if scale is not None else 1.0 / math.sqrt(q.shape[-1])
    s = q @ kk.transpose(-1, -2) * scale
    if causal:
        mask = torch.ones(s.shape[-2], s.shape[-1], dtype=torch.bool, device=s.device).tril()
        s = s.masked_fill(~mask, float("-inf"))
    return torch.softmax(s, -1) @ vv, torch.logsumexp(s, -1)


def plain_attention(q, k, v, causal, scale=None):
    """A plain attention in the inputs' precision (products rounded to it,
    softmax in fp32 rounded to it), the "plain same-precision" computation
    of the tolerance rule (as fa-run's check)."""
    H, HKV = q.shape[1], k.shape[1]
    kk = k.repeat_interleave(H // HKV, dim=1)
    vv = v.repeat_interleave(H // HKV, dim=1)
    scale = scale if scale is not None else 1.0 / math.sqrt(q.shape[-1])
    s = (q @ kk.transpose(-1, -2)) * scale
    if causal:
        mask = torch.ones(s.shape[-2], s.shape[-1], dtype=torch.bool, device=s.device).tril()
        s = s.masked_fill(~mask, float("-inf"))
    p = torch.softmax(s.float(), -1).to(q.dtype)
    return p @ vv


def reference(q, k, v, causal, scale=None):
    """(o64, lse64, o_plain): fp64 results and a plain same-precision attention."""
    o64, lse64 = attention64(*(x.detach().double() for x in (q, k, v)), causal, scale)
    with torch.no_grad():
        plain = plain_attention(q.detach(), k.detach(), v.detach(), causal, scale)
    return o64, lse64, plain


def grads64(q, k, v, do, causal, dlse=None, scale=None):
    """fp64 gradients of sum(o * do) (+ sum(lse * dlse)) w.r.t. q, k, v."""
    q64, k64, v64 = (x.detach().double().requires_grad_() for x in (q, k, v))
    o, lse = attention64(q64, k64, v64, causal, scale)
    loss = (o * do.double()).sum()
    if dlse is not None:
        loss = loss + (lse * dlse.double()).sum()
    loss.backward()
    return q64.grad, k64.grad, v64.grad


def plain_grads(q, k, v, do, causal):
    """Gradients of a plain same-precision SDPA."""
    qp, kp, vp = (x.detach().clone().requires_grad_() for x in (q, k, v))
    o = plain_attention(qp, kp, vp, causal)
    (o * do).sum().backward()
    return qp.grad, kp.grad, vp.grad


def unit_roundoff(dtype):
    return {torch.bfloat16: 2.0 ** -8, torch.float16: 2.0 ** -11,
            torch.float32: 2.0 ** -24}[dtype]


def assert_close_rule(name, got, ref64, plain):
    """kernel error <= 2 x (error of a plain same-precision computation) +
    the unit roundoff of the dtype, all against fp64 (docs/host.md)."""
    err = (got.double() - ref64).abs().max().item()
    perr = (plain.double() - ref64).abs().max().item()
    tol = 2 * perr + unit_roundoff(got.dtype)
    assert err <= tol, f"{name}: error {err:.3e} > tolerance {tol:.3e} (plain {perr:.3e})"
