"""The GPU compile path without a GPU: ptxas discovery, the on-disk cache
(compile once, then hits in a fresh process), sidecar-checked arguments and
the AOT command. Needs ptxas (the CUDA toolkit, or scripts/setup.sh's wheel)."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

import flashtile
from flashtile import ArgumentError, ToolkitError, _cache, _capi, _toolkit

try:
    _toolkit.find_ptxas()
    HAVE_PTXAS = True
except ToolkitError:
    HAVE_PTXAS = False
needs_ptxas = pytest.mark.skipif(not HAVE_PTXAS, reason="ptxas not found")

FILL = """
kernel fill<BLOCK = 128>(x: global<f32>[N], value: f32) grid(cdiv(N, BLOCK)) {
  store(x[program_id(0) * BLOCK : BLOCK], value);
}
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASHTILE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_missing_ptxas_is_a_clear_error(monkeypatch, cache):
    monkeypatch.delenv("FA_PTXAS", raising=False)
    monkeypatch.setattr(_toolkit, "ptxas_candidates",
                        lambda: [("PATH", "/nonexistent/ptxas"), ("CUDA_HOME", "/none/bin/ptxas")])
    with pytest.raises(ToolkitError, match="ptxas .* not found.*nvidia-cuda-nvcc"):
        _toolkit.find_ptxas()
    k = flashtile.compile(FILL + "\n// missing ptxas\n")
    with pytest.raises(ToolkitError):
        k.warm("sm_90a")
    assert not any(cache.rglob("kernel.json")) if cache.exists() else True


def test_explicit_ptxas_must_exist(monkeypatch):
    monkeypatch.setenv("FA_PTXAS", "/nonexistent/ptxas")
    with pytest.raises(ToolkitError, match="FA_PTXAS"):
        _toolkit.find_ptxas()


@needs_ptxas
def test_compile_once_then_cache_hits(cache):
    src = FILL + "\n// cache test 1\n"
    before = _cache.stats()
    sidecar = flashtile.compile(src, BLOCK=128).warm("sm_90a")
    assert sidecar.startswith(str(cache))
    meta = json.load(open(sidecar))
    assert meta["target"] == "sm_90a" and meta["kernels"][0]["specialization"]["BLOCK"] == 128
    after = _cache.stats()
    assert after["compiles"] == before["compiles"] + 1
    # Same module again in this process: memory.
    assert flashtile.compile(src, BLOCK=128).warm("sm_90a") == sidecar
    assert _cache.stats()["compiles"] == after["compiles"]
    # Another specialization or target: another entry.
    other = flashtile.compile(src, BLOCK=64).warm("sm_90a")
    other80 = flashtile.compile(src, BLOCK=128).warm("sm_80")
    assert len({sidecar, other, other80}) == 3
    # A fresh process finds all three on disk and compiles nothing.
    code = textwrap.dedent(f"""
        import flashtile
        from flashtile import _cache
        src = {src!r}
        for block, target in ((128, "sm_90a"), (64, "sm_90a"), (128, "sm_80")):
            flashtile.compile(src, BLOCK=block).warm(target)
        print(_cache.stats())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ), check=True).stdout
    stats = eval(out.strip().splitlines()[-1])
    assert stats["compiles"] == 0 and stats["disk_hits"] == 3, out


@needs_ptxas
def test_broken_entry_is_rebuilt(cache):
    src = FILL + "\n// cache test 2\n"
    sidecar = flashtile.compile(src).warm("sm_90a")
    open(sidecar, "w").write("{ truncated")
    code = (f"import flashtile; from flashtile import _cache\n"
            f"flashtile.compile({src!r}).warm('sm_90a'); print(_cache.stats())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ), check=True).stdout
    assert eval(out.strip().splitlines()[-1])["compiles"] == 1
    assert json.load(open(sidecar))["format"] == "flashtile-kernel-1"


@needs_ptxas
def test_key_covers_source_and_compiler():
    m = flashtile.compile(FILL, BLOCK=128).module
    k1 = m.cache_key("sm_90a")
    assert k1 != flashtile.compile(FILL + " ", BLOCK=128).module.cache_key("sm_90a")
    assert k1 != m.cache_key("sm_80")
    assert _capi.version() in _cache.compiler_id()


@needs_ptxas
def test_gpu_arguments_checked_against_sidecar_without_gpu(cache):
    # fa::GpuKernel validates against the compiled sidecar (sizes, strides,
    # 16-byte alignment) before any launch; no GPU is touched.
    k = flashtile.compile("flash_fwd.tile", HEAD_DIM=64, T="bf16", CAUSAL=False)
    sidecar = k.warm("sm_90a")
    g = _capi.GpuKernel(sidecar, "flash_fwd")
    q = torch.empty(1, 2, 100, 64, dtype=torch.bfloat16)
    kv = torch.empty(1, 1, 80, 64, dtype=torch.bfloat16)
    o, lse = torch.empty_like(q), torch.empty(1, 2, 100)
    packed, keep = _capi.pack_args([q, kv, kv, o, lse, 0.125])
    assert g.check(packed) == (1, 2, 1)  # cdiv(100, 128), H, B
    bad = torch.empty(1, 2, 100, 68, dtype=torch.bfloat16)[..., :64]  # rows of 136 bytes
    packed, keep = _capi.pack_args([q, kv, kv, bad, lse, 0.125])
    with pytest.raises(ArgumentError, match="multiple of 16 bytes"):
        g.check(packed)
    packed, keep = _capi.pack_args([q, kv[:, :, :70], kv, o, lse, 0.125])
    with pytest.raises(ArgumentError, match="NK"):
        g.check(packed)


@needs_ptxas
def test_aot_command_fills_the_cache(cache):
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "flashtile", "aot", "--target", "sm_90a", "--head-dims", "64",
           "--dtypes", "bf16"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    # Forward and backward (one binary for the backward's kernels), causal
    # and not: the configurations flashtile.attention uses on the GPU.
    sidecars = [json.load(open(p)) for p in cache.rglob("kernel.json")]
    assert len(sidecars) == 4
    entries = sorted(k["entry"] for s in sidecars for k in s["kernels"])
    assert entries.count("flash_fwd") == 2 and entries.count("flash_bwd") == 2
    assert entries.count("flash_bwd_preprocess") == 2 and entries.count("flash_bwd_dq_convert") == 2
    # On sm_90a the backward is the deterministic one (dq from flash_bwd_dq,
    # the faster mode there: flashtile._attention.deterministic_backward).
    bwd = [k for s in sidecars for k in s["kernels"] if k["entry"] == "flash_bwd"]
    assert all(k["specialization"]["DETERMINISTIC"] is True for k in bwd)
    # A second run compiles nothing.
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    assert "'compiles': 0" in r.stdout and "'disk_hits': 4" in r.stdout


def test_info_command():
    r = subprocess.run([sys.executable, "-m", "flashtile", "info"], capture_output=True,
                       text=True, check=True)
    assert "sm_90a" in r.stdout and "library:" in r.stdout


def test_defaults_file_beside_the_source(tmp_path):
    """A `.tile` file's per-target defaults (<name>.defaults) are read with it
    and are part of the cache key; sources given as text have none."""
    src = tmp_path / "fill.tile"
    src.write_text(FILL)
    assert flashtile.compile(FILL, BLOCK=128).module.defaults is None
    plain = flashtile.compile(str(src), BLOCK=128).module
    assert plain.defaults is None
    (tmp_path / "fill.defaults").write_text("sm_90a BLOCK=128 : num-warps=8\n")
    withd = flashtile.compile(str(src), BLOCK=128).module
    assert withd.defaults == (str(tmp_path / "fill.defaults"), "sm_90a BLOCK=128 : num-warps=8\n")
    assert withd.cache_key("sm_90a") != plain.cache_key("sm_90a")


@needs_ptxas
def test_defaults_file_sets_warps_and_tiles(cache, tmp_path):
    """The GPU compile applies the defaults file as fa-compile does: its
    options fill what the caller left unset, its kernel parameters what the
    constants leave unset; explicit values win."""
    src = tmp_path / "fill.tile"
    src.write_text(FILL)
    (tmp_path / "fill.defaults").write_text("sm_90a : num-warps=8 BLOCK=256\n")

    def sidecar(**kw):
        s = json.load(open(flashtile.compile(str(src), **kw).module.sidecar("sm_90a")))
        k = s["kernels"][0]
        return k["threads"][0], k["specialization"]["BLOCK"]

    assert sidecar() == (256, 256)
    assert sidecar(BLOCK=64, num_warps=2) == (64, 64)
    (tmp_path / "fill.defaults").write_text("sm_90a : num-stages=9\n")
    with pytest.raises(flashtile.CompileError, match="num-stages=9 .* must be between 1 and 8"):
        flashtile.compile(str(src)).module.sidecar("sm_90a")


@needs_ptxas
def test_attention_kernels_use_the_shipped_defaults(cache):
    """flashtile.attention's GPU kernels are those of fa-compile with the
    kernels' defaults files: at head dim 128 on sm_90a, 128-key blocks,
    two consumer warpgroups in pingpong and a producer warpgroup (384
    threads; kernels/flash_fwd.defaults)."""
    from flashtile import _attention
    fwd, _ = _attention._modules("cuda", 128, True, torch.bfloat16)
    k = json.load(open(fwd.sidecar("sm_90a")))["kernels"][0]
    assert k["threads"][0] == 384 and k["specialization"]["BLOCK_N"] == 128
    # The backward for sm_90a: deterministic, two warpgroups, 128-row blocks
    # of keys (flash_bwd) and of queries (flash_bwd_dq; kernels/flash_bwd.defaults).
    ks = _attention.kernels("cuda", 128, True, torch.bfloat16, "sm_90a")
    assert "dq" in ks and "dq_convert" not in ks
    bwd = {k["entry"]: k for k in json.load(open(ks["dq"].module.sidecar("sm_90a")))["kernels"]}
    assert bwd["flash_bwd"]["threads"][0] == 256
    assert bwd["flash_bwd"]["specialization"]["BLOCK_N"] == 128
    assert bwd["flash_bwd"]["specialization"]["DETERMINISTIC"] is True
    assert bwd["flash_bwd_dq"]["specialization"]["DQ_BLOCK_M"] == 128
    # sm_80 keeps the atomic mode.
    assert "dq_convert" in _attention.kernels("cuda", 128, True, torch.bfloat16, "sm_80")
