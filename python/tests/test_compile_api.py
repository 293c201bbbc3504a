"""flashtile.compile: any kernel of the language on CPU tensors."""
import pytest
import torch

import flashtile
from flashtile import ArgumentError, CompileError

AXPY = """
kernel axpy<BLOCK = 64, T = f32>(x: global<T>[N], y: global<T>[N], out: global<T>[N], a: f32)
  grid(cdiv(N, BLOCK))
{
  let i0 = program_id(0) * BLOCK;
  let r = cast<f32>(load(x[i0 : BLOCK])) * a + cast<f32>(load(y[i0 : BLOCK]));
  store(out[i0 : BLOCK], cast<T>(r));
}

kernel fill<BLOCK = 32>(x: global<f32>[N], value: f32) grid(cdiv(N, BLOCK)) {
  store(x[program_id(0) * BLOCK : BLOCK], value);
}
"""


def test_axpy_on_cpu_grid_from_rule():
    k = flashtile.compile(AXPY, kernel="axpy", BLOCK=32)
    x, y = torch.randn(1000), torch.randn(1000)
    out = torch.full((1000,), float("nan"))
    k(x, y, out, 2.5)
    assert torch.allclose(out, 2.5 * x + y)
    assert k.params["BLOCK"] == 32 and [a["name"] for a in k.args] == ["x", "y", "out", "a"]


def test_constants_take_torch_dtypes_and_types():
    k = flashtile.compile(AXPY, kernel="axpy", T=torch.bfloat16)
    x, y = torch.randn(100).bfloat16(), torch.randn(100).bfloat16()
    out = torch.empty(100, dtype=torch.bfloat16)
    k(x, y, out, 1)  # an int passes as the f32 scalar
    # f32 arithmetic, rounded to bf16 once (as torch rounds).
    assert torch.equal(out, (x.float() + y.float()).bfloat16())
    assert k.params["T"] == "bf16"


def test_strided_views():
    k = flashtile.compile(AXPY, kernel="fill")
    x = torch.zeros(200)
    k(x[50:150], 3.0)
    assert x[:50].eq(0).all() and x[50:150].eq(3).all() and x[150:].eq(0).all()


def test_compile_from_path(tmp_path):
    p = tmp_path / "fill.tile"
    p.write_text(AXPY)
    k = flashtile.compile(str(p), kernel="fill", BLOCK=16)
    x = torch.empty(33)
    k(x, 1.5)
    assert x.eq(1.5).all()


def test_shipped_kernel_by_name():
    k = flashtile.compile("flash_fwd.tile", HEAD_DIM=16, T="f32", CAUSAL=False)
    assert k.name == "flash_fwd"
    q = torch.randn(1, 2, 5, 16)
    o, lse = torch.empty_like(q), torch.empty(1, 2, 5)
    k(q, q, q, o, lse, 0.25)
    ref = torch.softmax(q @ q.transpose(-1, -2) * 0.25, -1) @ q
    assert torch.allclose(o, ref, atol=1e-5)


def test_argument_errors():
    k = flashtile.compile(AXPY, kernel="axpy")
    x = torch.randn(10)
    with pytest.raises(ArgumentError, match="takes 4 arguments"):
        k(x, x, x)
    with pytest.raises(ArgumentError, match="must hold f32"):
        k(x, x.double(), x, 1.0)
    with pytest.raises(ArgumentError, match="must be a tensor"):
        k(x, 1.0, x, 1.0)
    with pytest.raises(ArgumentError, match="scalar"):
        k(x, x, x, x)
    with pytest.raises(ArgumentError, match="'N'"):
        k(x, torch.randn(11), x, 1.0)
    with pytest.raises(ArgumentError, match="unit innermost stride"):
        k(torch.randn(10, 2)[:, 0], x, x, 1.0)
    with pytest.raises(ArgumentError, match="one|on meta"):
        k(x, x, x.to("meta"), 1.0)


def test_compile_errors_are_located():
    with pytest.raises(CompileError, match=r"<source>:3:\d+: error"):
        flashtile.compile("kernel k(x: global<f32>[N]) grid(1) {\n  let a = 1;\n  store(x[0 : 4], b);\n}")
    with pytest.raises(ArgumentError, match="no kernel 'nope'"):
        flashtile.compile(AXPY, kernel="nope")
    with pytest.raises(ArgumentError, match="kernel="):
        flashtile.compile(AXPY)
    with pytest.raises(CompileError, match="BLOCKK"):
        flashtile.compile(AXPY, kernel="axpy", BLOCKK=3)
    with pytest.raises(ArgumentError, match="constant"):
        flashtile.compile(AXPY, kernel="axpy", BLOCK=[1])
