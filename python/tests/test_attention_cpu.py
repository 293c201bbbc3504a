"""flashtile.attention on CPU tensors (the host lowering), against fp64."""
import pytest
import torch

import flashtile
from reference import assert_close_rule, attention64, grads64, plain_grads, reference

torch.manual_seed(0)


def make(B, H, HKV, N, NK, D, dtype, requires_grad=False):
    q = torch.randn(B, H, N, D, dtype=dtype)
    k = torch.randn(B, HKV, NK, D, dtype=dtype)
    v = torch.randn(B, HKV, NK, D, dtype=dtype)
    return [x.requires_grad_(requires_grad) for x in (q, k, v)]


@pytest.mark.parametrize("causal", [False, True])
def test_forward_f32_matches_fp64(causal):
    q, k, v = make(2, 4, 2, 37, 50, 16, torch.float32)
    o, lse = flashtile.attention(q, k, v, causal=causal, return_lse=True)
    o64, lse64, _ = reference(q, k, v, causal)
    assert o.dtype == torch.float32 and o.shape == q.shape and lse.shape == (2, 4, 37)
    assert (o.double() - o64).abs().max().item() < 2e-5
    assert (lse.double() - lse64).abs().max().item() < 2e-5


@pytest.mark.parametrize("D", [80, 96])
def test_head_dims_that_are_not_powers_of_two(D):
    q, k, v = make(1, 2, 1, 45, 70, D, torch.float32, requires_grad=True)
    o, lse = flashtile.attention(q, k, v, causal=True, return_lse=True)
    o64, lse64, _ = reference(q, k, v, True)
    assert (o.double() - o64).abs().max().item() < 2e-5
    assert (lse.double() - lse64).abs().max().item() < 2e-5
    g = torch.randn_like(o)
    dq, dk, dv = torch.autograd.grad(o, (q, k, v), g)
    for name, got, want in zip("qkv", (dq, dk, dv), grads64(q, k, v, g, True)):
        assert (got.double() - want).abs().max().item() < 1e-4, name


@pytest.mark.parametrize("dtype,causal", [(torch.bfloat16, True), (torch.float16, False)])
def test_forward_half_precision_tolerance_rule(dtype, causal):
    q, k, v = make(1, 4, 1, 70, 45, 32, dtype)
    o = flashtile.attention(q, k, v, causal=causal)
    o64, _, plain = reference(q, k, v, causal)
    assert o.dtype == dtype
    assert_close_rule("o", o, o64, plain)


def test_bnhd_layout_keeps_strides_and_matches():
    # [B, N, H, D] storage passed as a [B, H, N, D] view: no copy needed.
    qs = torch.randn(1, 33, 4, 16)
    ks = torch.randn(1, 21, 2, 16)
    vs = torch.randn(1, 21, 2, 16)
    q, k, v = (x.transpose(1, 2) for x in (qs, ks, vs))
    assert not q.is_contiguous()
    o = flashtile.attention(q, k, v, causal=True)
    assert o.stride() == q.stride()
    o_ref = flashtile.attention(q.contiguous(), k.contiguous(), v.contiguous(), causal=True)
    assert torch.equal(o, o_ref)


def test_explicit_scale():
    q, k, v = make(1, 2, 2, 20, 20, 16, torch.float32)
    o = flashtile.attention(q, k, v, scale=0.3)
    o64, _ = attention64(q.double(), k.double(), v.double(), False, 0.3)
    assert (o.double() - o64).abs().max().item() < 2e-5


@pytest.mark.parametrize("causal", [False, True])
def test_backward_f32_matches_fp64(causal):
    q, k, v = make(1, 4, 2, 29, 29, 16, torch.float32, requires_grad=True)
    o = flashtile.attention(q, k, v, causal=causal)
    do = torch.randn_like(o)
    (o * do).sum().backward()
    refs = grads64(q, k, v, do, causal)
    for name, got, ref in zip("qkv", (q.grad, k.grad, v.grad), refs):
        assert got.shape == ref.shape
        err = (got.double() - ref).abs().max().item()
        assert err < 5e-5, f"d{name}: {err}"


def test_backward_bf16_tolerance_rule_gqa():
    q, k, v = make(1, 4, 1, 40, 40, 32, torch.bfloat16, requires_grad=True)
    o = flashtile.attention(q, k, v, causal=True)
    do = torch.randn_like(o)
    (o * do).sum().backward()
    refs = grads64(q, k, v, do, True)
    plains = plain_grads(q, k, v, do, True)
    for name, got, ref, plain in zip("qkv", (q.grad, k.grad, v.grad), refs, plains):
        assert_close_rule("d" + name, got, ref, plain)


def test_lse_gradient():
    q, k, v = make(1, 2, 2, 17, 23, 16, torch.float32, requires_grad=True)
    o, lse = flashtile.attention(q, k, v, return_lse=True)
    do, dlse = torch.randn_like(o), torch.randn_like(lse)
    ((o * do).sum() + (lse * dlse).sum()).backward()
    refs = grads64(q, k, v, do, False, dlse=dlse)
    for name, got, ref in zip("qkv", (q.grad, k.grad, v.grad), refs):
        assert (got.double() - ref).abs().max().item() < 5e-5, name


@pytest.mark.filterwarnings("ignore:Input #:UserWarning")
def test_gradcheck_finite_differences():
    # torch.autograd.gradcheck's finite differences on f32 (the kernels have no
    # f64), against the analytic gradients of the backward kernels.
    q, k, v = make(1, 2, 1, 6, 5, 16, torch.float32, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda q, k, v: flashtile.attention(q, k, v, causal=True), (q, k, v),
        eps=1e-2, atol=2e-2, rtol=2e-2, fast_mode=True, nondet_tol=1e-6)


def test_gradients_of_bnhd_views_have_input_strides():
    qs = torch.randn(1, 12, 2, 16, requires_grad=True)
    q = qs.transpose(1, 2)
    k = torch.randn(1, 2, 12, 16, requires_grad=True)
    v = torch.randn(1, 2, 12, 16, requires_grad=True)
    flashtile.attention(q, k, v).sum().backward()
    refs = grads64(q, k, v, torch.ones(1, 2, 12, 16), False)
    assert (qs.grad.transpose(1, 2).double() - refs[0]).abs().max().item() < 5e-5
