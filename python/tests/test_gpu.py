"""flashtile on CUDA tensors (run on the GPU machine: pytest -m gpu)."""
import os
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.nn.functional as F

import flashtile
from reference import assert_close_rule, grads64, plain_grads, reference

pytestmark = pytest.mark.gpu
DEV = "cuda"


def make(B, H, HKV, N, NK, D, dtype, requires_grad=False, bnhd=False):
    torch.manual_seed(0)
    if bnhd:
        q = torch.randn(B, N, H, D, dtype=dtype, device=DEV).transpose(1, 2)
        k = torch.randn(B, NK, HKV, D, dtype=dtype, device=DEV).transpose(1, 2)
        v = torch.randn(B, NK, HKV, D, dtype=dtype, device=DEV).transpose(1, 2)
    else:
        q = torch.randn(B, H, N, D, dtype=dtype, device=DEV)
        k = torch.randn(B, HKV, NK, D, dtype=dtype, device=DEV)
        v = torch.randn(B, HKV, NK, D, dtype=dtype, device=DEV)
    return [x.requires_grad_(requires_grad) for x in (q, k, v)]


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("D", [64, 80, 96, 128, 192, 256])
@pytest.mark.parametrize("causal", [False, True])
def test_forward_matches_fp64(dtype, D, causal):
    q, k, v = make(2, 8, 2, 1000, 1000, D, dtype)
    o, lse = flashtile.attention(q, k, v, causal=causal, return_lse=True)
    o64, lse64, plain = reference(q, k, v, causal)
    assert_close_rule("o", o, o64, plain)
    assert (lse.double() - lse64).abs().max().item() < 1e-2


@pytest.mark.parametrize("bnhd", [False, True])
def test_forward_layouts_and_ragged_lengths(bnhd):
    q, k, v = make(1, 4, 4, 333, 200, 64, torch.bfloat16, bnhd=bnhd)
    o = flashtile.attention(q, k, v)
    assert o.stride() == q.stride()
    o64, _, plain = reference(q, k, v, False)
    assert_close_rule("o", o, o64, plain)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("D", [64, 128])
@pytest.mark.parametrize("causal", [False, True])
def test_backward_matches_fp64(dtype, D, causal):
    q, k, v = make(1, 4, 2, 500, 500, D, dtype, requires_grad=True)
    o = flashtile.attention(q, k, v, causal=causal)
    do = torch.randn_like(o)
    (o * do).sum().backward()
    refs = grads64(q, k, v, do, causal)
    plains = plain_grads(q, k, v, do, causal)
    for name, got, ref, plain in zip("qkv", (q.grad, k.grad, v.grad), refs, plains):
        assert_close_rule("d" + name, got, ref, plain)


def test_matches_sdpa_closely():
    q, k, v = make(2, 16, 16, 2048, 2048, 128, torch.bfloat16)
    o = flashtile.attention(q, k, v, causal=True)
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert (o.float() - ref.float()).abs().max().item() < 2e-2


def test_torch_compile_inductor_no_graph_break():
    lin = torch.nn.Linear(64, 64, device=DEV, dtype=torch.bfloat16)

    def f(q, k, v):
        return lin(flashtile.attention(q, k, v, causal=True)).float().square().mean()

    q, k, v = make(2, 8, 2, 256, 256, 64, torch.bfloat16, requires_grad=True)
    explanation = torch._dynamo.explain(f)(q, k, v)
    assert explanation.graph_break_count == 0, explanation.break_reasons
    compiled = torch.compile(f, fullgraph=True)
    out = compiled(q, k, v)
    out.backward()
    assert torch.isfinite(out) and torch.isfinite(q.grad).all()


def test_user_kernel_on_cuda():
    src = """
kernel axpy<BLOCK = 256>(x: global<f32>[N], y: global<f32>[N], a: f32) grid(cdiv(N, BLOCK)) {
  let i = program_id(0) * BLOCK;
  store(y[i : BLOCK], load(x[i : BLOCK]) * a + load(y[i : BLOCK]));
}
"""
    k = flashtile.compile(src)
    x = torch.randn(10000, device=DEV)
    y = torch.randn(10000, device=DEV)
    want = 3 * x + y
    k(x, y, 3.0)
    torch.cuda.synchronize()
    assert torch.allclose(y, want)


def test_errors_before_launch_on_cuda():
    q, k, v = make(1, 2, 2, 64, 64, 64, torch.bfloat16)
    with pytest.raises(flashtile.ArgumentError, match="not supported"):
        flashtile.attention(q.float(), k.float(), v.float())
    with pytest.raises(flashtile.ArgumentError, match="one device"):
        flashtile.attention(q, k.cpu(), v)
    with pytest.raises(flashtile.ArgumentError, match="16 bytes|aligned|boundary"):
        base = torch.randn(1, 2, 64, 65, dtype=torch.bfloat16, device=DEV)
        flashtile.attention(base[..., 1:], k, v)  # misaligned base


def test_fresh_process_compiles_then_hits_cache(tmp_path):
    code = textwrap.dedent("""
        import time, torch, flashtile
        from flashtile import _cache
        q = torch.randn(1, 8, 512, 64, dtype=torch.bfloat16, device="cuda")
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        o = flashtile.attention(q, q, q, causal=True)
        torch.cuda.synchronize()
        print("first_call_s", time.perf_counter() - t0, _cache.stats())
    """)
    env = dict(os.environ, FLASHTILE_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                           check=True).stdout.strip().splitlines()[-1] for _ in range(2)]
    print("\n".join(runs))
    assert "'compiles': 1" in runs[0]
    assert "'compiles': 0" in runs[1] and "'disk_hits': 1" in runs[1]
